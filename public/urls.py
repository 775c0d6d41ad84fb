from __future__ import annotations

from django.urls import path, re_path

from public import views
from review.middleware import accepts_anonymous_body

app_name = "public"

urlpatterns = [
    path("policy/", views.policy_index, name="policy_index"),
    path("policy/<slug:slug>/", views.policy_detail, name="policy"),
    path("policy/<slug:slug>/history/", views.policy_versions, name="policy_history"),
    path("policy/<slug:slug>/v<id:version>/", views.policy_detail, name="policy_version"),
    path("labels/", views.labels, name="labels"),
    path("report/", accepts_anonymous_body(views.report), name="report"),
    path("transparency/", views.transparency_page, name="transparency"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/feed/", views.corrections_feed, name="corrections_feed"),
    path("corrections/<id:pk>/", views.correction, name="correction"),
    # The asset's public id is its uid in hex, as the CMS knows it (`asset_uid` in the API).
    re_path(r"^disclosures/(?P<uid>[0-9a-f]{32})/$", views.disclosure_page, name="disclosure"),
    path("desk/policies/", views.desk_policies, name="desk_policies"),
    path("desk/policies/<id:pk>/", views.desk_policy_edit, name="desk_policy_edit"),
]
