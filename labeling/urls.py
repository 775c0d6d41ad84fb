from __future__ import annotations

from django.urls import path

from labeling import views

app_name = "labeling"

urlpatterns = [
    path("assets/<int:pk>/labeling/", views.panel, name="panel"),
    path("assets/<int:pk>/labeling/classify/", views.classify, name="classify"),
    path("assets/<int:pk>/labeling/label/", views.label, name="label"),
    path("assets/<int:pk>/labeling/render/", views.rendition_render, name="render"),
    path("renditions/<int:pk>/download/", views.rendition_download, name="rendition"),
    path("renditions/<int:pk>/preview/", views.rendition_preview, name="rendition_preview"),
    path("renditions/<int:pk>/sidecar/", views.rendition_sidecar, name="sidecar"),
    path("renditions/<int:pk>/slate/", views.rendition_slate, name="slate"),
    path("labeling/vocabulary/", views.vocabulary, name="vocabulary"),
    path("labeling/vocabulary/<int:pk>/", views.term_edit, name="term_edit"),
    path(
        "labeling/vocabulary/<int:pk>/deactivate/",
        views.term_deactivate_view,
        name="term_deactivate",
    ),
    path(
        "labeling/vocabulary/<int:pk>/reactivate/",
        views.term_reactivate_view,
        name="term_reactivate",
    ),
]
