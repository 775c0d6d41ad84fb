from __future__ import annotations

from django.urls import path

from provenance import views

app_name = "provenance"

urlpatterns = [
    path("provenance/thumbnails/<id:pk>", views.thumbnail, name="thumbnail"),
    path("provenance/trust/", views.trust_lists, name="trust"),
    path("provenance/trust/<id:pk>/retire/", views.trust_retire, name="trust_retire"),
    path("provenance/trust/rechecks/<id:pk>/", views.recheck_progress, name="recheck_progress"),
]
