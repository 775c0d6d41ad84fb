"""Remote consent links: the desk's POSTs that make and cancel them, and the public page the
person signs on (short, because it is typed and texted)."""

from __future__ import annotations

from django.urls import URLPattern, path

from consent import views_remote

urlpatterns: list[URLPattern] = [
    path(
        "consent/parties/<int:party_pk>/links/",
        views_remote.link_create,
        name="link_create",
    ),
    path("consent/links/<int:pk>/cancel/", views_remote.link_cancel, name="link_cancel"),
    path("c/<str:token>/", views_remote.remote_sign, name="remote_sign"),
]
