from __future__ import annotations

from django.urls import path

from labeling import views

app_name = "labeling"

urlpatterns = [
    path("assets/<id:pk>/labeling/", views.panel, name="panel"),
    path("assets/<id:pk>/labeling/classify/", views.classify, name="classify"),
    path("assets/<id:pk>/labeling/label/", views.label, name="label"),
    path("assets/<id:pk>/labeling/render/", views.rendition_render, name="render"),
    path(
        "assets/<id:pk>/labeling/badge-preview.jpg", views.badge_preview_image, name="badge_preview"
    ),
    path("renditions/<id:pk>/download/", views.rendition_download, name="rendition"),
    path("renditions/<id:pk>/preview/", views.rendition_preview, name="rendition_preview"),
    path("renditions/<id:pk>/sidecar/", views.rendition_sidecar, name="sidecar"),
    path("renditions/<id:pk>/slate/", views.rendition_slate, name="slate"),
    path("labeling/vocabulary/", views.vocabulary, name="vocabulary"),
    path("labeling/vocabulary/<id:pk>/", views.term_edit, name="term_edit"),
    path(
        "labeling/vocabulary/<id:pk>/deactivate/",
        views.term_deactivate_view,
        name="term_deactivate",
    ),
    path(
        "labeling/vocabulary/<id:pk>/reactivate/",
        views.term_reactivate_view,
        name="term_reactivate",
    ),
]
