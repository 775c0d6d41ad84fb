from __future__ import annotations

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("assets/<id:pk>/incidents/", views.asset_incidents, name="asset_incidents"),
    path("assets/<id:pk>/incidents/report/", views.report, name="report"),
    path("assets/<id:pk>/incidents/<id:incident_pk>/decide/", views.decide, name="decide"),
    path("assets/<id:pk>/incidents/<id:incident_pk>/triage/", views.triage, name="triage"),
    path(
        "assets/<id:pk>/incidents/<id:incident_pk>/take-down/",
        views.take_down_now,
        name="take_down_now",
    ),
    path(
        "assets/<id:pk>/incidents/<id:incident_pk>/removal/",
        views.removal,
        name="removal",
    ),
    path(
        "assets/<id:pk>/incidents/emergency-takedown/",
        views.emergency_takedown,
        name="emergency_takedown",
    ),
    path("incidents/", views.inbox, name="inbox"),
    path(
        "incidents/public-reports/<id:report_pk>/",
        views.public_report_action,
        name="public_report_action",
    ),
]
