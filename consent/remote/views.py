"""Remote consent links. The desk makes, cancels and re-sends them (staff only); the person
opens the link on their own device, without an account, sees a watermarked preview of the
media (an image, or a marked copy of the audio or video: never the original file), reads the
statement (in a language of their choice when it is translated) and signs, then may download a
PDF receipt for a limited time.

The token in the public URL is the only credential, so those pages (and the preview and the
receipt) are never cached, never sent on as a referrer, never indexed, and their path (which
holds the token) is kept out of Django's request log.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
)
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import get_callable, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from consent.errors import ConsentError, ConsentLinkError, LinkProblem
from consent.evidence.records import text_sha256
from consent.models import ConsentLink, ConsentMethod, ConsentRecord, ConsentStatement, Party
from consent.remote.forms import ConsentLinkForm, RemoteSignForm
from consent.remote.mail import link_email_queue, link_mailto
from consent.remote.media_preview import (
    AvPreview,
    PreviewState,
    av_preview,
    plays_on_page,
    preview_storage,
)
from consent.remote.preview import consent_preview, has_preview
from consent.remote.receipt import (
    RECEIPT_LIFETIME,
    ReceiptUnavailable,
    receipt_of,
    receipt_pdf,
    receipt_record,
    receipt_token,
)
from consent.remote.selectors import link_for_collector, links_panel, party_for_collector
from consent.remote.services import (
    TEXT_CHANGED,
    consent_link_cancel,
    consent_link_create,
    consent_link_open,
    consent_link_reissue,
    consent_link_sign,
    consent_preview_prepare,
    statement_for_language,
    statement_options,
)
from consent.remote.texts import language_name, point_labels, remote_statement_text
from consent.services import Signing, latest_statements
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest, absolute_url, client_ip
from review.models import Asset, MediaKind

logger = logging.getLogger(__name__)


# --- the desk: make and cancel links ---------------------------------------------------------


@dataclass(frozen=True)
class NewLink:
    """A link's URL, just made (a new link, or a new token for a waiting one). The token is
    stored nowhere: this answer is the only place it is shown; asking again makes a new one."""

    url: str
    expires_at: datetime
    mailto: str
    emailed_to: str = ""


def _desk_url(asset: Asset) -> str:
    return reverse("consent:asset", args=[asset.pk])


def _new_link(
    request: HtmxHttpRequest, party: Party, link: ConsentLink, token: str, *, email: bool
) -> NewLink:
    url = absolute_url(reverse("consent:remote_sign", args=[token]), request)
    emailed_to = ""
    if email:
        emailed_to = link_email_queue(
            party=party, link_id=link.pk, url=url, expires_at=link.expires_at
        )
    return NewLink(
        url=url,
        expires_at=link.expires_at,
        mailto=link_mailto(party, url, link.expires_at),
        emailed_to=emailed_to,
    )


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
            media_description=form.cleaned_data["media_description"],
        )
    except ConsentError as exc:
        return _links_response(request, party, form=form, error=str(exc), status=400)
    new_link = _new_link(request, party, link, token, email=form.wants_email())
    message = "Link created."
    if new_link.emailed_to:
        message += f" It was e-mailed to {new_link.emailed_to}."
    return _links_response(
        request,
        party,
        new_link=new_link,
        message=message + " Copy it now if you need it: it is shown only once.",
    )


@staff_required
@require_POST
@never_cache
def link_reissue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The URL of a waiting link, again: a new token (the old one was never kept), shown and,
    with send=email, e-mailed to the person. The old URL stops working."""
    link = link_for_collector(request.user, pk)
    party = link.party
    email = request.POST.get("send") == "email"
    if email and (party.person is None or not party.person.email):
        return _links_response(
            request, party, error="This person has no e-mail address on file.", status=400
        )
    try:
        link, token = consent_link_reissue(
            link_id=link.pk, actor=acting_user(request), emailed=email
        )
    except ConsentLinkError as exc:
        return _links_response(request, party, error=str(exc), status=409)
    new_link = _new_link(request, party, link, token, email=email)
    if new_link.emailed_to:
        message = f"A new link was e-mailed to {new_link.emailed_to}."
    else:
        message = "Here is a new link."
    return _links_response(
        request,
        party,
        new_link=new_link,
        message=message + " The link sent before no longer works.",
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


def _token_in_url(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For pages whose URL holds a token: not cached (a shared or back-button copy would still
    show the form), not indexed, not logged by path, and never sent on in a Referer. The
    method check is here, not in `require_http_methods`, because that one logs the path too.

    The referrer policy is `strict-origin`, not `no-referrer`: under `no-referrer` browsers send
    `Origin: null` with the form's POST, which Django's CSRF check refuses (and over HTTPS,
    without an Origin, it demands a Referer), so nobody could sign. `strict-origin` sends the
    bare origin at most, never the path that holds the token."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in PUBLIC_METHODS:
            response: HttpResponseBase = HttpResponseNotAllowed(PUBLIC_METHODS)
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["X-Robots-Tag"] = "noindex, nofollow"
        # django.request would log "Gone: /c/<token>/" for every expired link opened.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    return wrapper


FIX_FIELDS = "Check the fields marked below."


def _invalid(request: HtmxHttpRequest, exc: ConsentLinkError) -> HttpResponse:
    logger.info("Remote consent link refused: %s", exc.reason)
    status = 404 if exc.reason == LinkProblem.UNKNOWN else 410
    context = {**_public_context(), "message": str(exc), "reason": exc.reason}
    return render(request, "consent/remote_invalid.html", context, status=status)


def _public_context() -> dict[str, Any]:
    return {"newsroom": settings.NEWSROOM_NAME, "contact": settings.CONSENT_CONTACT_EMAIL}


def _language_choices(
    token: str, options: list[ConsentStatement], current: ConsentStatement
) -> list[dict[str, Any]]:
    """The other languages the text exists in, as links to this page in each (GET: nothing is
    recorded by switching)."""
    if len(options) < 2:
        return []
    page = reverse("consent:remote_sign", args=[token])
    return [
        {
            "code": s.language,
            "name": language_name(s.language),
            "url": f"{page}?{urlencode({'lang': s.language})}",
            "current": s.pk == current.pk,
        }
        for s in options
    ]


def _sign_page(
    request: HtmxHttpRequest,
    token: str,
    link: ConsentLink,
    form: RemoteSignForm,
    *,
    language: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    options = statement_options(link)
    statement = statement_for_language(options, language)
    text = remote_statement_text(statement, link, link.party)
    ticked = set(request.POST.getlist("acknowledged"))
    asset = link.party.asset
    # Queued when the link was made; queued now if it was not (a link older than this).
    av = consent_preview_prepare(asset=asset) if plays_on_page(asset) else None
    still = has_preview(asset) or (av is not None and bool(av.still_name))
    # The desk's words only: never the asset's description, file name or the party's note.
    context = {
        **_public_context(),
        "link": link,
        "media_description": link.media_description,
        "media_kind": asset.get_media_kind_display().lower(),
        "preview_url": reverse("consent:remote_preview", args=[token]) if still else "",
        "av_state": av.state if av is not None else "",
        "play_url": (
            reverse("consent:remote_media", args=[token])
            if av is not None and av.state == PreviewState.READY
            else ""
        ),
        "play_type": av.media_type if av is not None else "",
        "cut_at_minutes": _minutes(av),
        "statement": statement,
        "language": statement.language,
        "languages": _language_choices(token, options, statement),
        "statement_text": text,
        "shown_sha256": text_sha256(text),
        "points": [
            (value, label, value in ticked) for value, label in point_labels(statement.language)
        ],
        "form": form,
        "error": error,
        "fix_fields": FIX_FIELDS,
        # A refusal from the service is about the signature, or about the text read.
        "error_target": "statement-title" if error == TEXT_CHANGED else "signature-pad",
    }
    return render(request, "consent/remote_sign.html", context, status=status)


def _minutes(av: AvPreview | None) -> str:
    """How much of a long recording the preview plays, in words ("" when all of it)."""
    if av is None or av.cut_at_seconds is None:
        return ""
    minutes, seconds = divmod(av.cut_at_seconds, 60)
    if minutes and seconds:
        return f"{minutes} min {seconds} s"
    if minutes:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _done_page(request: HtmxHttpRequest, record: ConsentRecord) -> HttpResponse:
    receipt = receipt_of(record)
    context = {
        **_public_context(),
        "record": record,
        "receipt": receipt,
        "receipt_url": reverse("consent:remote_receipt", args=[receipt_token(record)]),
        "receipt_minutes": int(RECEIPT_LIFETIME.total_seconds() // 60),
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


def _rate_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Strangers reach these pages: limited per address for any request, and per link for the
    posts (a signature is decoded on each), so neither one address nor a botnet on one link
    makes the server decode without end. Settings: REMOTE_CONSENT_RATE_LIMIT, …_SIGN_RATE_LIMIT.
    """
    per_link: Callable[..., HttpResponseBase] = ratelimit(
        key=_link_key, rate=_remote_sign_rate, method="POST", block=True
    )(view)
    limited: Callable[..., HttpResponseBase] = ratelimit(key="ip", rate=_remote_rate, block=True)(
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
        language = request.GET.get("lang", "")[:10]
        return _sign_page(request, token, link, RemoteSignForm(), language=language)

    form = RemoteSignForm(request.POST)
    language = request.POST.get("language", "")[:10]
    if not form.is_valid():
        return _sign_page(
            request, token, link, form, language=language, error=FIX_FIELDS, status=400
        )
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
            language=data["language"],
        )
    except ConsentLinkError as exc:
        return _invalid(request, exc)
    except ConsentError as exc:
        return _sign_page(request, token, link, form, language=language, error=str(exc), status=400)
    logger.info("Remote consent recorded: record %s, link %s", record.pk, link.pk)
    return _done_page(request, record)


def _get_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request, *args, **kwargs)

    return wrapper


_Response = TypeVar("_Response", bound=HttpResponseBase)


def _private_file(response: _Response) -> _Response:
    """Bytes made from someone's upload, or about someone: never run as a page, never sniffed
    into something else; `_token_in_url` adds no-store."""
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _no(what: str) -> HttpResponse:
    return _private_file(HttpResponseNotFound(f"No {what}.", content_type="text/plain"))


@_rate_limited
@_token_in_url
@_get_only
def remote_preview(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    """The watermarked still of the link's media (an image, or a frame of a video), while the
    link can be signed with (the same check as the page); never the original file."""
    # Answered, not raised: a raised 404 would be logged with its path, which holds the token.
    try:
        link = consent_link_open(token)
    except ConsentLinkError as exc:
        logger.info("Remote consent preview refused: %s", exc.reason)
        return _no("preview")
    asset = link.party.asset
    if asset.media_kind == MediaKind.VIDEO and plays_on_page(asset):
        av = av_preview(asset)
        if not av.still_name:
            return _no("preview")
        return _stored_preview(request, asset, av.still_name, "image/jpeg", "consent-preview.jpg")
    data = consent_preview(asset)
    if data is None:
        return _no("preview")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = 'inline; filename="consent-preview.jpg"'
    return _private_file(response)


@_rate_limited
@_token_in_url
@_get_only
def remote_media(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    """The marked, reduced copy of the link's audio or video (consent.remote.media_preview),
    for the person asked to consent to it, while the link can be signed with (the same check
    as the page). Never the original file, never an image (those get the JPEG preview), never
    cached; byte ranges are answered, as phones' players ask for them."""
    try:
        link = consent_link_open(token)
    except ConsentLinkError as exc:
        logger.info("Remote consent media refused: %s", exc.reason)
        return _no("media")
    asset = link.party.asset
    if not plays_on_page(asset):
        return _no("media")
    av = av_preview(asset)
    if av.state != PreviewState.READY:
        return _no("media")
    extension = "mp4" if av.media_type == "video/mp4" else "mp3"
    return _stored_preview(
        request, asset, av.media_name, av.media_type, f"consent-preview.{extension}"
    )


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _stored_preview(
    request: HtmxHttpRequest, asset: Asset, name: str, media_type: str, filename: str
) -> HttpResponseBase:
    """A preview kept in storage, whole or one byte range of it (a single range: what media
    players ask for; anything else gets the whole file)."""
    storage = preview_storage(asset)
    try:
        size = storage.size(name)
        handle = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        logger.error("Consent preview %s of asset %s is missing from storage", name, asset.pk)
        return _no("media")
    response: HttpResponseBase
    wanted = _RANGE.match(request.headers.get("Range", "").strip())
    if wanted is None or not (wanted[1] or wanted[2]):
        response = FileResponse(handle, content_type=media_type)
    else:
        if wanted[1]:
            start = int(wanted[1])
            end = min(int(wanted[2]), size - 1) if wanted[2] else size - 1
        else:  # "bytes=-N": the last N bytes
            start, end = max(size - int(wanted[2]), 0), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            return _private_file(response)
        with handle:
            handle.seek(start)
            part = handle.read(end - start + 1)
        response = HttpResponse(part, status=206, content_type=media_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private_file(response)


@_rate_limited
@_token_in_url
@_get_only
def remote_receipt(request: HtmxHttpRequest, signed: str) -> HttpResponse:
    """The signer's PDF receipt, for RECEIPT_LIFETIME after signing (consent.remote.receipt)."""
    try:
        record = receipt_record(signed)
    except ReceiptUnavailable:
        logger.info("Remote consent receipt refused")
        context = {
            **_public_context(),
            "message": (
                "This receipt link has expired or is not valid. Your consent is recorded all the "
                f"same: to get a copy, contact {settings.NEWSROOM_NAME}."
            ),
            "reason": "receipt",
        }
        return render(request, "consent/remote_invalid.html", context, status=410)
    response = HttpResponse(receipt_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-receipt-{record.signed_at:%Y-%m-%d}.pdf"'
    )
    return _private_file(response)
