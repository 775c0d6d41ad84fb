from __future__ import annotations

from django.urls import URLPattern, path

from consent import views_export

urlpatterns: list[URLPattern] = [
    path("assets/<int:pk>/consent.pdf", views_export.asset_pdf, name="asset_pdf"),
    path("consent/people/<int:pk>/consent.pdf", views_export.person_pdf, name="person_pdf"),
    path("consent/exports/", views_export.exports, name="exports"),
    path("consent/exports/<int:pk>/", views_export.export_progress, name="export_progress"),
    path(
        "consent/exports/<int:pk>/download/", views_export.export_download, name="export_download"
    ),
]
