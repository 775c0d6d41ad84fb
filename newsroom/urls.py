from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from integrations.api import api
from newsroom import health
from review import account, two_factor
from review.middleware import accepts_anonymous_bodies

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="review:queue", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("account/", account.account, name="account"),
    path("account/two-factor/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/off/", two_factor.two_factor_disable, name="two_factor_disable"),
    path("", include("workflow.urls")),
    path("", include("provenance.urls")),
    path("", include("consent.urls")),
    path("", include("labeling.urls")),
    path("", include("incidents.urls")),
    path("", include("public.urls")),
    path("integrations/", include("integrations.urls")),
    # The CMS authenticates with API tokens, not a session.
    path("api/v1/", accepts_anonymous_bodies(api.urls)),
    path("admin/", admin.site.urls),
]
