"""The desk's consent pages (see consent.desk.views)."""

from __future__ import annotations

from django.urls import URLPattern, path

from consent.desk import views

urlpatterns: list[URLPattern] = [
    path("assets/<id:pk>/consent/", views.asset_page, name="asset"),
    path("assets/<id:pk>/consent/summary/", views.summary, name="summary"),
    path("assets/<id:pk>/consent/parties/", views.party_add, name="party_add"),
    path("consent/", views.dashboard, name="dashboard"),
    path("consent/parties/<id:pk>/remove/", views.party_remove, name="party_remove"),
    path("consent/parties/<id:pk>/waive/", views.party_waive, name="waive"),
    path("consent/parties/<id:pk>/record/", views.record_form, name="record"),
    path("consent/parties/<id:pk>/record/preview/", views.record_preview, name="record_preview"),
    # Before the evidence pattern, whose <str:kind> would otherwise take "revoke".
    path("consent/records/<id:pk>/revoke/", views.record_revoke, name="revoke"),
    path("consent/records/<id:pk>/<str:kind>/", views.evidence, name="evidence"),
    path("consent/alerts/<id:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("consent/people/", views.people, name="people"),
    path("consent/people/pick/", views.people_pick, name="people_pick"),
    path("consent/people/duplicates/", views.people_duplicates, name="people_duplicates"),
    path("consent/people/<id:pk>/", views.person_detail, name="person"),
    path("consent/statements/", views.statements, name="statements"),
]
