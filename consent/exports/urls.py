from __future__ import annotations

from django.urls import URLPattern, path

from consent.exports import views

urlpatterns: list[URLPattern] = [
    path("assets/<id:pk>/consent.pdf", views.asset_pdf, name="asset_pdf"),
    path("consent/people/<id:pk>/consent.pdf", views.person_pdf, name="person_pdf"),
    path("consent/exports/", views.exports, name="exports"),
    path("consent/exports/<id:pk>/", views.export_progress, name="export_progress"),
    path("consent/exports/<id:pk>/download/", views.export_download, name="export_download"),
]
