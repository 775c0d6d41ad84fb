from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from integrations.api import api
from newsroom import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="review:queue", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("workflow.urls")),
    path("", include("provenance.urls")),
    path("", include("consent.urls")),
    path("", include("labeling.urls")),
    path("", include("incidents.urls")),
    path("", include("public.urls")),
    path("integrations/", include("integrations.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
