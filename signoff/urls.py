from __future__ import annotations

from django.urls import path

from signoff import views

app_name = "signoff"

urlpatterns = [
    path("assets/<int:pk>/signoff/second/", views.second_approve, name="second_approve"),
    path(
        "assets/<int:pk>/signoff/acknowledge/",
        views.acknowledge_provenance,
        name="acknowledge_provenance",
    ),
]
