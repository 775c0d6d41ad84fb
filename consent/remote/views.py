"""Remote consent links. The desk makes and cancels them (staff only); the person opens the
link on their own device, without an account, reads the statement and signs.

The token in the public URL is the only credential, so those pages are never cached, never
sent on as a referrer, never indexed, and their path (which holds the token) is kept out of
Django's request log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, cast
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import get_callable, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from consent.errors import ConsentError, ConsentLinkError, LinkProblem
from consent.evidence.records import text_sha256
from consent.models import ConsentLink, ConsentMethod, ConsentRecord, InformedPoint, Party
from consent.remote.forms import ConsentLinkForm, RemoteSignForm
from consent.remote.selectors import link_for_collector, links_panel, party_for_collector
from consent.remote.services import (
    consent_link_cancel,
    consent_link_create,
    consent_link_open,
    consent_link_sign,
    link_scope,
)
from consent.services import Signing, latest_statements, statement_text
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest, absolute_url, client_ip
from review.models import Asset

logger = logging.getLogger(__name__)


# --- the desk: make and cancel links ---------------------------------------------------------


@dataclass(frozen=True)
class NewLink:
    """The link just made. Its URL holds the token, which is stored nowhere: this is the only
    time anyone sees it."""

    url: str
    expires_at: datetime
    mailto: str


def _desk_url(asset: Asset) -> str:
    return reverse("consent:asset", args=[asset.pk])


def _mailto(party: Party, url: str, expires_at: datetime) -> str:
    person = party.person
    if person is None or not person.email:
        return ""
    newsroom = settings.NEWSROOM_NAME
    body = (
        f"Hello {person.full_name},\n\n"
        f"{newsroom} asks for your consent to use media in which you appear. Please read what "
        f"you would agree to, and sign if you agree, here:\n\n{url}\n\n"
        f"The link works once, until {timezone.localtime(expires_at):%d %B %Y %H:%M %Z}.\n"
    )
    query = urlencode(
        {"subject": f"{newsroom}: your consent for media item #{party.asset_id}", "body": body},
        quote_via=quote,
    )
    return f"mailto:{quote(person.email, safe='@')}?{query}"


def _links_response(
    request: HtmxHttpRequest,
    party: Party,
    *,
    form: ConsentLinkForm | None = None,
    new_link: NewLink | None = None,
    error: str = "",
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    """htmx gets the party's links partial in place; a plain form post gets a page holding the
    same partial (a redirect would lose a new link's URL, which cannot be shown again)."""
    context = {
        "party": party,
        "links": links_panel(request.user, party, form=form),
        "new_link": new_link,
        "link_error": error,
        "link_message": message,
        "desk_url": _desk_url(party.asset),
    }
    template = "consent/_links.html" if request.htmx else "consent/remote_links.html"
    return render(request, template, context, status=status)


@staff_required
@require_POST
@never_cache
def link_create(request: HtmxHttpRequest, party_pk: int) -> HttpResponse:
    party = party_for_collector(request.user, party_pk)
    form = ConsentLinkForm(request.POST, party=party, statements=latest_statements())
    if not form.is_valid():
        return _links_response(
            request, party, form=form, error="Check the fields marked below.", status=400
        )
    try:
        link, token = consent_link_create(
            party_id=party.pk,
            actor=acting_user(request),
            statement=form.cleaned_data["statement"],
            scope=form.scope(),
            lifetime=form.lifetime(),
        )
    except ConsentError as exc:
        return _links_response(request, party, form=form, error=str(exc), status=400)
    url = absolute_url(reverse("consent:remote_sign", args=[token]), request)
    new_link = NewLink(
        url=url, expires_at=link.expires_at, mailto=_mailto(party, url, link.expires_at)
    )
    return _links_response(
        request,
        party,
        new_link=new_link,
        message="Link created. Copy it now: it is shown only once.",
    )


@staff_required
@require_POST
def link_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    link = link_for_collector(request.user, pk)
    party = link.party
    link = consent_link_cancel(link_id=link.pk, actor=acting_user(request))
    error = message = ""
    if link.used_at is not None:
        error = (
            "This link was already used: the consent it gave stays on record. "
            "Record a revocation if the person withdrew it."
        )
    else:
        message = "Link cancelled: it can no longer be used."
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect(_desk_url(party.asset))
    return _links_response(
        request, party, error=error, message=message, status=409 if error else 200
    )


# --- the public page: the person signs --------------------------------------------------------


class _QuietCsrf(CsrfViewMiddleware):
    """Django's CSRF check, minus the "Forbidden (...): <path>" log line: on these pages the
    path is the credential."""

    def _reject(self, request: HtmxHttpRequest, reason: str) -> HttpResponse:
        response: HttpResponse = get_callable(settings.CSRF_FAILURE_VIEW)(request, reason=reason)
        logger.warning("CSRF check failed on a remote consent page: %s", reason)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


_csrf_protect = cast(
    Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]],
    decorator_from_middleware(_QuietCsrf),
)

PUBLIC_METHODS = ("GET", "HEAD", "POST")
REFERRER_POLICY = "strict-origin"


def _token_in_url(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages whose URL holds a token: not cached (a shared or back-button copy would still
    show the form), not indexed, not logged by path, and never sent on in a Referer. The
    method check is here, not in `require_http_methods`, because that one logs the path too.

    The referrer policy is `strict-origin`, not `no-referrer`: under `no-referrer` browsers send
    `Origin: null` with the form's POST, which Django's CSRF check refuses (and over HTTPS,
    without an Origin, it demands a Referer), so nobody could sign. `strict-origin` sends the
    bare origin at most, never the path that holds the token."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in PUBLIC_METHODS:
            response: HttpResponse = HttpResponseNotAllowed(PUBLIC_METHODS)
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["X-Robots-Tag"] = "noindex, nofollow"
        # django.request would log "Gone: /c/<token>/" for every expired link opened.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    return wrapper


def _invalid(request: HtmxHttpRequest, exc: ConsentLinkError) -> HttpResponse:
    logger.info("Remote consent link refused: %s", exc.reason)
    status = 404 if exc.reason == LinkProblem.UNKNOWN else 410
    context = {"newsroom": settings.NEWSROOM_NAME, "message": str(exc), "reason": exc.reason}
    return render(request, "consent/remote_invalid.html", context, status=status)


def _sign_page(
    request: HtmxHttpRequest,
    link: ConsentLink,
    form: RemoteSignForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    text = statement_text(link.statement, link.party, link_scope(link))
    ticked = set(request.POST.getlist("acknowledged"))
    context = {
        "newsroom": settings.NEWSROOM_NAME,
        "link": link,
        "statement_title": link.statement.title,
        "statement_text": text,
        "shown_sha256": text_sha256(text),
        "points": [(point.value, point.label, point.value in ticked) for point in InformedPoint],
        "form": form,
        "error": error,
    }
    return render(request, "consent/remote_sign.html", context, status=status)


def _done_page(request: HtmxHttpRequest, record: ConsentRecord) -> HttpResponse:
    context = {
        "newsroom": settings.NEWSROOM_NAME,
        "record": record,
        "points": [p.label for p in InformedPoint if p.value in record.acknowledged],
    }
    return render(request, "consent/remote_done.html", context)


def _link_key(group: str, request: HttpRequest) -> str:
    """The link a request is for, as a rate-limit key: its token's digest, never the token."""
    match = request.resolver_match
    token = str(match.kwargs.get("token", "")) if match is not None else ""
    return hashlib.sha256(token.encode()).hexdigest()


def _remote_rate(group: str, request: HttpRequest) -> str:
    return str(settings.REMOTE_CONSENT_RATE_LIMIT)


def _remote_sign_rate(group: str, request: HttpRequest) -> str:
    return str(settings.REMOTE_CONSENT_SIGN_RATE_LIMIT)


def _rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Strangers reach these pages: limited per address for any request, and per link for the
    posts (a signature is decoded on each), so neither one address nor a botnet on one link
    makes the server decode without end. Settings: REMOTE_CONSENT_RATE_LIMIT, …_SIGN_RATE_LIMIT.
    """
    per_link: Callable[..., HttpResponse] = ratelimit(
        key=_link_key, rate=_remote_sign_rate, method="POST", block=True
    )(view)
    limited: Callable[..., HttpResponse] = ratelimit(key="ip", rate=_remote_rate, block=True)(
        per_link
    )
    return limited


@csrf_exempt  # the check runs in `_csrf_protect` below, which keeps the path out of the log
@_rate_limited
@_token_in_url
@_csrf_protect
def remote_sign(request: HtmxHttpRequest, token: str) -> HttpResponse:
    try:
        link = consent_link_open(token)
    except ConsentLinkError as exc:
        return _invalid(request, exc)
    if request.method != "POST":
        return _sign_page(request, link, RemoteSignForm())

    form = RemoteSignForm(request.POST)
    if not form.is_valid():
        return _sign_page(request, link, form, error="Check the fields marked below.", status=400)
    data = form.cleaned_data
    try:
        record = consent_link_sign(
            token=token,
            acknowledged=data["acknowledged"],
            signing=Signing(
                method=ConsentMethod.SIGNED_REMOTELY,
                signed_name=data["signed_name"],
                signature_data_url=data["signature"],
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ),
            shown_sha256=data["shown_sha256"],
        )
    except ConsentLinkError as exc:
        return _invalid(request, exc)
    except ConsentError as exc:
        return _sign_page(request, link, form, error=str(exc), status=400)
    logger.info("Remote consent recorded: record %s, link %s", record.pk, link.pk)
    return _done_page(request, record)
