"""Remote consent links: the desk's POSTs that make and cancel them, and the public page the
person signs on (short, because it is typed and texted)."""

from __future__ import annotations

from django.urls import URLPattern, path

from consent.remote import views
from review.middleware import accepts_anonymous_body

urlpatterns: list[URLPattern] = [
    path(
        "consent/parties/<id:party_pk>/links/",
        views.link_create,
        name="link_create",
    ),
    path("consent/links/<id:pk>/cancel/", views.link_cancel, name="link_cancel"),
    path("consent/links/<id:pk>/reissue/", views.link_reissue, name="link_reissue"),
    path("c/<str:token>/", accepts_anonymous_body(views.remote_sign), name="remote_sign"),
    path("c/<str:token>/preview.jpg", views.remote_preview, name="remote_preview"),
    path("c/<str:token>/media", views.remote_media, name="remote_media"),
    # The signed value holds ":" but never "/"; it is not a link token (see receipt.py).
    path("c/receipt/<str:signed>/", views.remote_receipt, name="remote_receipt"),
]
