"""Integration admin pages for standards editors and administrators: the integrations with their
API tokens and webhook endpoints, revoking a token, an endpoint's delivery log, one delivery's
attempts, rotating a secret, re-enabling an endpoint, sending a delivery again."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from integrations.access import (
    get_delivery_for_user,
    get_endpoint_for_user,
    get_token_for_user,
    require_integration_manager,
)
from integrations.delivery_log import (
    LOG_PAGE_SIZE,
    LogFilters,
    delivery_attempts,
    delivery_log,
    endpoint_counts,
    integrations_overview,
)
from integrations.endpoints import (
    EndpointError,
    delivery_redeliver,
    endpoint_enable,
    endpoint_rotate_secret,
)
from integrations.forms import EnableEndpointForm, LogFilterForm, RotateSecretForm
from integrations.models import WebhookEndpoint
from integrations.tokens import token_revoke
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest


@staff_required
@require_GET
def integration_list(request: HtmxHttpRequest) -> HttpResponse:
    require_integration_manager(request.user)
    return render(request, "integrations/list.html", {"rows": integrations_overview()})


@staff_required
@require_POST
def token_revoke_view(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    token = get_token_for_user(request.user, pk)
    revoked, newly = token_revoke(token_id=token.pk, actor=acting_user(request))
    if not newly:
        messages.info(request, f"Token {revoked.prefix}… was already revoked.")
    else:
        messages.success(
            request,
            f"Token {revoked.prefix}… of {revoked.integration} revoked: it no longer opens the "
            "API.",
        )
    return redirect("integrations:list")


def _endpoint_page(
    request: HtmxHttpRequest,
    endpoint: WebhookEndpoint,
    *,
    rotate_form: RotateSecretForm | None = None,
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    form = LogFilterForm(request.GET or None)
    filters = LogFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = LogFilters(status=data["status"], type=data["type"], asset_id=data["asset"])
    page = Paginator(delivery_log(endpoint, filters), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integrations/endpoint.html",
        {
            "endpoint": endpoint,
            "row": endpoint_counts(endpoint),
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "rotate_form": rotate_form or RotateSecretForm(),
            "enable_form": EnableEndpointForm(),
            "new_secret": new_secret,
        },
        status=status,
    )


@staff_required
@require_GET
def endpoint_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _endpoint_page(request, get_endpoint_for_user(request.user, pk))


@staff_required
@require_POST
@never_cache  # the answer shows the new secret: no cache may keep it
def endpoint_rotate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_endpoint_for_user(request.user, pk)
    form = RotateSecretForm(request.POST)
    if not form.is_valid():
        return _endpoint_page(request, endpoint, rotate_form=form, status=400)
    rotation = endpoint_rotate_secret(
        endpoint_id=endpoint.pk,
        actor=acting_user(request),
        overlap_hours=form.cleaned_data["overlap_hours"],
    )
    # Rendered, not redirected: the secret exists in this one response and nowhere else.
    return _endpoint_page(request, rotation.endpoint, new_secret=rotation.secret)


@staff_required
@require_POST
def endpoint_enable_view(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    endpoint = get_endpoint_for_user(request.user, pk)
    form = EnableEndpointForm(request.POST)
    form.is_valid()  # one optional checkbox: always valid
    try:
        resent = endpoint_enable(
            endpoint_id=endpoint.pk,
            actor=acting_user(request),
            resend_held=form.cleaned_data.get("resend_held", False),
        )
    except EndpointError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Endpoint enabled; {resent} held deliver{'y' if resent == 1 else 'ies'} sent again.",
        )
    return redirect("integrations:endpoint", endpoint.pk)


@staff_required
@require_GET
def delivery_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    delivery = get_delivery_for_user(request.user, pk)
    return render(
        request,
        "integrations/delivery.html",
        {
            "delivery": delivery,
            "attempts": delivery_attempts(delivery),
            "payload": json.dumps(delivery.event.payload, indent=2, sort_keys=True),
        },
    )


@staff_required
@require_POST
def delivery_redeliver_view(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    delivery = get_delivery_for_user(request.user, pk)
    delivery_redeliver(delivery_id=delivery.pk, actor=acting_user(request))
    messages.success(request, f"Delivery of {delivery.event.event_id} sent again.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("integrations:delivery", delivery.pk)
