"""Integration admin pages for standards editors and administrators: the integrations with their
API tokens and webhook endpoints, making an integration, another token or another endpoint (the
secret shown once, in the answer to the POST), revoking a token, an endpoint's delivery log, one
delivery's attempts, rotating a secret, re-enabling an endpoint, sending a delivery again."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.access import (
    get_delivery_for_user,
    get_endpoint_for_user,
    get_integration_for_user,
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
from integrations.forms import (
    EnableEndpointForm,
    EndpointCreateForm,
    IntegrationCreateForm,
    LogFilterForm,
    OnceForm,
    RotateSecretForm,
    TokenCreateForm,
)
from integrations.models import ApiToken, Integration, WebhookEndpoint
from integrations.tokens import (
    CredentialsError,
    endpoint_create,
    integration_create,
    token_create,
    token_revoke,
)
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


# --- making integrations, tokens and endpoints ----------------------------------------------
# Each answers its POST with the secret rendered into the page (never a redirect, the session, a
# message or a URL), under never_cache so no cache keeps it; `sensitive_variables` keeps it out
# of error reports. The page's own script (static/js/secret-once.js) blanks it when the tab
# leaves the page, so the back-forward cache cannot bring it back either.

# The `once` values of forms that already made something, newest last: enough for a person's
# open tabs, and each is a random id, not a secret.
SENT_FORMS_SESSION_KEY = "integrations_sent_forms"
SENT_FORMS_KEPT = 50


def _already_sent(request: HtmxHttpRequest, form: OnceForm) -> bool:
    once = form.cleaned_data.get("once")
    return once is not None and str(once) in request.session.get(SENT_FORMS_SESSION_KEY, [])


def _mark_sent(request: HtmxHttpRequest, form: OnceForm) -> None:
    sent = request.session.get(SENT_FORMS_SESSION_KEY, [])
    request.session[SENT_FORMS_SESSION_KEY] = [*sent, str(form.cleaned_data["once"])][
        -SENT_FORMS_KEPT:
    ]


def _sent_again(request: HtmxHttpRequest, integration: Integration | None) -> HttpResponse:
    """A form that already made its token or endpoint, posted again (a reload, the back button,
    a second tab): nothing new is made and the secret is not shown again."""
    return render(request, "integrations/sent_again.html", {"integration": integration}, status=409)


@sensitive_variables("token_secret", "webhook_secret")
def _created_page(
    request: HtmxHttpRequest,
    *,
    integration: Integration,
    heading: str,
    token: ApiToken | None = None,
    token_secret: str = "",
    endpoint: WebhookEndpoint | None = None,
    webhook_secret: str = "",
) -> HttpResponse:
    return render(
        request,
        "integrations/created.html",
        {
            "integration": integration,
            "heading": heading,
            "token": token,
            "token_secret": token_secret,
            "endpoint": endpoint,
            "webhook_secret": webhook_secret,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_variables("made")
def integration_create_view(request: HtmxHttpRequest) -> HttpResponse:
    require_integration_manager(request.user)
    if request.method != "POST":
        form = IntegrationCreateForm()
        return render(request, "integrations/create.html", {"form": form})
    form = IntegrationCreateForm(request.POST)
    valid = form.is_valid()
    # Before the errors: posted again, the name would be "already taken" by its own first post.
    if _already_sent(request, form):
        return _sent_again(request, None)
    if valid:
        data = form.cleaned_data
        try:
            made = integration_create(
                name=data["name"],
                scopes=data["scopes"],
                webhook_url=data["webhook_url"],
                actor=acting_user(request),
            )
        except CredentialsError as exc:  # another person took the name meanwhile
            form.add_error("name", str(exc))
        else:
            _mark_sent(request, form)
            return _created_page(
                request,
                integration=made.integration,
                heading=f"Integration “{made.integration.name}” created",
                token=made.token,
                token_secret=made.plaintext_token,
                endpoint=made.endpoint,
                webhook_secret=made.webhook_secret,
            )
    return render(request, "integrations/create.html", {"form": form}, status=400)


@staff_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_variables("token", "plaintext")
def token_create_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_integration_for_user(request.user, pk)
    if request.method != "POST":
        form = TokenCreateForm()
        return render(
            request, "integrations/token_create.html", {"form": form, "integration": integration}
        )
    form = TokenCreateForm(request.POST)
    valid = form.is_valid()
    if _already_sent(request, form):
        return _sent_again(request, integration)
    if valid:
        try:
            token, plaintext = token_create(
                integration=integration,
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at,
                actor=acting_user(request),
            )
        except CredentialsError as exc:
            form.add_error(None, str(exc))
        else:
            _mark_sent(request, form)
            return _created_page(
                request,
                integration=integration,
                heading=f"New API token for “{integration.name}”",
                token=token,
                token_secret=plaintext,
            )
    return render(
        request,
        "integrations/token_create.html",
        {"form": form, "integration": integration},
        status=400,
    )


@staff_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_variables("endpoint", "secret")
def endpoint_create_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_integration_for_user(request.user, pk)
    if request.method != "POST":
        form = EndpointCreateForm()
        return render(
            request, "integrations/endpoint_create.html", {"form": form, "integration": integration}
        )
    form = EndpointCreateForm(request.POST)
    valid = form.is_valid()
    if _already_sent(request, form):
        return _sent_again(request, integration)
    if valid:
        try:
            endpoint, secret = endpoint_create(
                integration=integration,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                actor=acting_user(request),
            )
        except CredentialsError as exc:
            form.add_error(None, str(exc))
        else:
            _mark_sent(request, form)
            return _created_page(
                request,
                integration=integration,
                heading=f"New webhook endpoint for “{integration.name}”",
                endpoint=endpoint,
                webhook_secret=secret,
            )
    return render(
        request,
        "integrations/endpoint_create.html",
        {"form": form, "integration": integration},
        status=400,
    )
