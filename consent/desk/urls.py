"""The desk's consent pages (see consent.desk.views)."""

from __future__ import annotations

from django.urls import URLPattern, path

from consent.desk import views

urlpatterns: list[URLPattern] = [
    path("assets/<int:pk>/consent/", views.asset_page, name="asset"),
    path("assets/<int:pk>/consent/summary/", views.summary, name="summary"),
    path("assets/<int:pk>/consent/parties/", views.party_add, name="party_add"),
    path("consent/", views.dashboard, name="dashboard"),
    path("consent/parties/<int:pk>/remove/", views.party_remove, name="party_remove"),
    path("consent/parties/<int:pk>/waive/", views.party_waive, name="waive"),
    path("consent/parties/<int:pk>/record/", views.record_form, name="record"),
    path("consent/parties/<int:pk>/record/preview/", views.record_preview, name="record_preview"),
    # Before the evidence pattern, whose <str:kind> would otherwise take "revoke".
    path("consent/records/<int:pk>/revoke/", views.record_revoke, name="revoke"),
    path("consent/records/<int:pk>/<str:kind>/", views.evidence, name="evidence"),
    path("consent/alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("consent/people/", views.people, name="people"),
    path("consent/people/pick/", views.people_pick, name="people_pick"),
    path("consent/people/duplicates/", views.people_duplicates, name="people_duplicates"),
    path("consent/people/<int:pk>/", views.person_detail, name="person"),
    path("consent/statements/", views.statements, name="statements"),
]
