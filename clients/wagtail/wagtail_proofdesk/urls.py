"""`path("proofdesk/webhooks/", include("wagtail_proofdesk.urls"))` in the site's URLs."""

from __future__ import annotations

from django.urls import path

from wagtail_proofdesk import views

app_name = "wagtail_proofdesk"

urlpatterns = [path("", views.webhook, name="webhook")]
