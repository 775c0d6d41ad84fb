from __future__ import annotations

from django.urls import path

from public import views

app_name = "public"

urlpatterns = [
    path("policy/", views.policy_index, name="policy_index"),
    path("policy/<slug:slug>/", views.policy_detail, name="policy"),
    path("policy/<slug:slug>/history/", views.policy_versions, name="policy_history"),
    path("policy/<slug:slug>/v<int:version>/", views.policy_detail, name="policy_version"),
    path("labels/", views.labels, name="labels"),
    path("desk/policies/", views.desk_policies, name="desk_policies"),
    path("desk/policies/<int:pk>/", views.desk_policy_edit, name="desk_policy_edit"),
]
