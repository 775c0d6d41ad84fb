"""The CMS API under /api/v1/ (django-ninja): cleared assets, one asset's clearance, signed
download links for the rendition, publications and unpublications (idempotent), incidents.

Every error is `application/problem+json` (RFC 9457). The OpenAPI schema at
/api/v1/openapi.json describes the bearer scheme, each operation's scope and its problems;
/api/v1/docs renders it with ninja's bundled Swagger UI from our own static files.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path, reverse
from ninja import NinjaAPI, P, Query, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.params import HeaderEx

from incidents.selectors import incident_api_items
from integrations import clearance as clearance_reads
from integrations.api_schemas import (
    AssetClearance,
    AssetListParams,
    ClearedAssetPage,
    DownloadParams,
    IncidentList,
    Problem,
    PublicationIn,
    PublicationOut,
    UnpublicationIn,
)
from integrations.auth import REALM, BearerToken, ScopeMissing, TokenRejected, request_token
from integrations.downloads import check_signature, download_links, part_response
from integrations.errors import Refused
from integrations.models import TokenScope
from integrations.publications import Answer, publication_report, publication_withdraw
from labeling.models import Rendition
from labeling.snippets import caption, html_snippet, json_ld
from review.converters import MAX_DB_INT
from review.models import Asset

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "tag:proofdesk,2026:problems/{}"
SECURITY_SCHEME = BearerToken.__name__

DESCRIPTION = """
The newsroom's clearance of synthetic and possibly-synthetic media, for the CMS.

**Authentication.** Every operation except the download takes a per-integration token:
`Authorization: Bearer pd_…` (made by `manage.py create_integration`, shown once). A token has
scopes: `assets:read` (list and read clearances, incidents) and `assets:publish` (report
publications and unpublications). An asset the desk has never cleared (still in review,
rejected, withdrawn) is answered as one that does not exist (`404`) unless the token also has
`assets:read-uncleared`, which shows it with the reasons it is not cleared. A missing,
unknown, expired or revoked token gets `401` with `WWW-Authenticate: Bearer`; a token without
the operation's scope gets `403`.

**Downloads.** The clearance of a cleared asset carries download links for the signed, labeled
rendition. They need no token (many fetchers cannot send one): a signature in the link binds
the rendition and expires after ten minutes. Fetch the clearance again for fresh links.

**Idempotency.** Publications and unpublications need an `Idempotency-Key` header (any unique
string, up to 200 characters). Sending the same key with the same request again returns the
first answer (status and body, with `Idempotent-Replayed: true`); the same key with a different
request is refused with `422`. Refusals (`404`, `409`) are not remembered: retry with the same
key once the asset is cleared.

**Unknown fields** in a body are refused (`400`): a misspelt field is a mistake to hear
about. Unknown query parameters are ignored, as caches and proxies add their own.

**Errors** are `application/problem+json` (RFC 9457). `type` is one of
`tag:proofdesk,2026:problems/` + `malformed-request` (400), `unauthenticated` (401),
`insufficient-scope` (403), `download-link-invalid` (403), `not-found` (404),
`method-not-allowed` (405), `not-cleared` (409, with `reasons`), `reference-live` (409),
`idempotency-key-reused` (422), `server-error` (500).

**Incidents** are reports about an approved or published asset and what the standards desk
decided (`correction`, `relabel`, `takedown`, `no_action`; `report` while still open). The
list carries the audience-facing public note, never who reported or decided.
"""


# --- problems ----------------------------------------------------------------------------


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    reasons: list[str] | None = None,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE.format(kind),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if reasons is not None:
        body["reasons"] = reasons
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def _challenge(error: str = "", description: str = "", scope: str = "") -> str:
    # RFC 6750 section 3: no error code when no token was sent at all.
    params = [f'realm="{REALM}"']
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{description}"')
    if scope:
        params.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(params)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ScopeMissing):
        response = problem(403, "insufficient-scope", "Insufficient scope", str(exc))
        response["WWW-Authenticate"] = _challenge("insufficient_scope", scope=exc.scope)
        return response
    if isinstance(exc, TokenRejected):
        response = problem(401, "unauthenticated", "Unauthenticated", str(exc))
        response["WWW-Authenticate"] = _challenge("invalid_token", str(exc))
        return response
    if isinstance(exc, AuthenticationError):
        response = problem(
            401,
            "unauthenticated",
            "Unauthenticated",
            "Send the integration's token as `Authorization: Bearer <token>`.",
        )
        response["WWW-Authenticate"] = _challenge()
        return response
    if exc.status_code == 400:
        # ninja's "Cannot parse request body" (malformed JSON) and our own 400s.
        return problem(400, "malformed-request", "Malformed request", str(exc))
    return problem(exc.status_code, "error", "Error", str(exc))


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    # ninja reports a body field as ("body", <parameter name>, field…): the parameter name is
    # ours, not the client's.
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == "body":
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"location": _location(error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem(400, "malformed-request", "Malformed request", detail, errors=errors)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "not-found", "Not found", str(exc) or "Not found.")


def _on_refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return problem(exc.status, exc.kind, exc.title, exc.detail, reasons=exc.reasons)


def _on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback (Django's error e-mails and log handlers see it as a 500);
    # the CMS gets a problem it can parse instead of the site's HTML error page.
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(
        500,
        "server-error",
        "Server error",
        "Something went wrong on our side; it has been logged. Retry later.",
    )


def _with_problem_fallbacks(view: Callable[..., Any]) -> Callable[..., Any]:
    """What ninja answers outside its exception handlers (405 for a method the path does not
    take, 404 from its root view) as problems too."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem(404, "not-found", "Not found", "There is nothing at this URL.")
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = problem(
                405,
                "method-not-allowed",
                "Method not allowed",
                f"{request.method} is not allowed here; use {allowed}.",
            )
            response["Allow"] = allowed
        return response

    return wrapped


def _unknown_path(request: HttpRequest, path: str) -> HttpResponse:
    return problem(404, "not-found", "Not found", "There is nothing at this URL.")


class ProofdeskAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = [
            URLPattern(p.pattern, _with_problem_fallbacks(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]
        # Last: any other path under /api/v1/ is a problem, not the site's HTML 404 page.
        wrapped.append(re_path(r"^(?P<path>.*)$", _unknown_path, name="unknown"))
        return wrapped, app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _describe_scopes(operation)
                _describe_problems(operation)
        return schema


def _describe_scopes(operation: dict[str, Any]) -> None:
    # ninja lists no scopes; OpenAPI 3.1 lets an http scheme's requirement name roles.
    scopes = operation.get("x-required-scopes")
    if not scopes:
        return
    operation["security"] = [{SECURITY_SCHEME: list(scopes)}]
    note = "Requires a token with the scope " + ", ".join(f"`{s}`" for s in scopes) + "."
    operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()


def _describe_problems(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if int(status) >= 400 and "application/json" in content:
            response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}


api = ProofdeskAPI(
    title="Proofdesk CMS API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api-v1",
    # No validator badge: Swagger UI would call validator.swagger.io from the reader's browser.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
# ninja types a handler as taking the exception or its class; these take the exception.
api.exception_handler(HttpError)(_on_http_error)
api.exception_handler(ValidationError)(_on_validation_error)
api.exception_handler(Http404)(_on_not_found)
api.exception_handler(Refused)(_on_refused)
api.exception_handler(Exception)(_on_server_error)


def _scoped(scope: str) -> dict[str, Any]:
    return {"auth": BearerToken(scope), "openapi_extra": {"x-required-scopes": [str(scope)]}}


READ = _scoped(TokenScope.READ)
PUBLISH = _scoped(TokenScope.PUBLISH)
AUTH_PROBLEMS: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem}


def _reads_uncleared(request: HttpRequest) -> bool:
    return TokenScope.READ_UNCLEARED in request_token(request).scopes


def _get_asset(request: HttpRequest, asset_id: int) -> Asset:
    """The asset, if this token may know of it: one the desk cleared at some point, or any
    with the `assets:read-uncleared` scope. Otherwise the answer is the one for an id that
    does not exist, so that a token cannot walk ids to learn what the desk is working on."""
    assets = clearance_reads.assets_for_token(read_uncleared=_reads_uncleared(request))
    asset = assets.filter(pk=asset_id).first()
    if asset is None:
        raise Http404(f"There is no asset {asset_id}.")
    return asset


# --- cleared assets ----------------------------------------------------------------------


def encode_cursor(asset_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{asset_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("a") or not raw[1:].isdigit():
            raise ValueError(raw)
        asset_id = int(raw[1:])
        # A forged cursor past what the database holds would fail inside the query.
        if asset_id > MAX_DB_INT:
            raise ValueError(raw)
        return asset_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HttpError(400, "The cursor is not one this API gave out.") from None


@api.get(
    "/assets",
    response={200: ClearedAssetPage, **AUTH_PROBLEMS},
    operation_id="listClearedAssets",
    summary="List cleared assets",
    description="The cleared assets (approved, or published), by id. With `changed_since`, only "
    "those cleared or changed since then, and also those whose clearance was revoked since "
    "then and that are not cleared again, with `clearance: not_cleared`: polling with "
    "`changed_since` learns of a revocation as surely as the `asset.clearance_revoked` webhook.",
    tags=["assets"],
    **READ,
)
def list_cleared_assets(request: HttpRequest, params: Query[AssetListParams]) -> dict[str, Any]:
    after = decode_cursor(params.cursor) if params.cursor else None
    page, more = clearance_reads.listed_assets(
        story=params.story, changed_since=params.changed_since, after=after, limit=params.limit
    )
    last_events = clearance_reads.last_event_times([row.asset.pk for row in page])
    # One reverse for the page, not one per row (up to 200): every row's URL differs only by
    # its id, which is the path's last segment.
    url_base = request.build_absolute_uri(reverse("api-v1:asset_clearance", args=[1]))[:-1]
    items = []
    for row in page:
        asset = row.asset
        moments = [asset.status_changed_at]
        moments += [m for m in (row.cleared_at, row.revoked_at) if m is not None]
        if asset.pk in last_events:
            moments.append(last_events[asset.pk])
        items.append(
            {
                "id": asset.pk,
                "uid": asset.uid.hex,
                "story_ref": asset.story_ref,
                "media_kind": asset.media_kind,
                "media_type": asset.media_type,
                "status": asset.status,
                "clearance": "cleared" if row.cleared else "not_cleared",
                "cleared_at": row.cleared_at,
                "revoked_at": row.revoked_at,
                "changed_at": max(moments),
                "content_hash": row.content_hash,
                "url": f"{url_base}{asset.pk}",
            }
        )
    return {
        "items": items,
        "next_cursor": encode_cursor(page[-1].asset.pk) if more and page else None,
    }


@api.get(
    "/assets/{asset_id}",
    response={200: AssetClearance, **AUTH_PROBLEMS, 404: Problem},
    operation_id="getAssetClearance",
    summary="An asset's clearance",
    description="Whether the CMS may publish the asset and, when it may, the label to show "
    "and links to the signed rendition. Provenance and consent come as summaries without "
    "personal data. An asset never cleared is `404` unless the token has "
    "`assets:read-uncleared`.",
    url_name="asset_clearance",
    tags=["assets"],
    **READ,
)
def get_asset_clearance(request: HttpRequest, asset_id: int) -> dict[str, Any]:
    detail = clearance_reads.clearance_detail(_get_asset(request, asset_id))
    asset, signoff = detail.asset, detail.clearance.signoff
    label = rendition = None
    if detail.label is not None:
        label = {
            "name": detail.label.name,
            "text": detail.label.text,
            "language": detail.label.language,
            "version": detail.label.version,
            "caption": caption(detail.label),
            "html": html_snippet(detail.label, asset),
            "json_ld": json_ld(asset, detail.label, detail.label.classification),
        }
    if detail.rendition is not None:
        links = download_links(request, detail.rendition)
        rendition = {
            "id": detail.rendition.pk,
            "media_type": detail.rendition.media_type,
            "size_bytes": detail.rendition.size_bytes,
            "sha256": detail.rendition.sha256,
            "placement": detail.rendition.placement,
            "download_url": links.file,
            "sidecar_url": links.sidecar,
            "sidecar_sha256": detail.rendition.sidecar_sha256,
            "slate_url": links.slate,
            "links_expire_at": links.expires_at,
        }
    return {
        "id": asset.pk,
        "uid": asset.uid.hex,
        "story_ref": asset.story_ref,
        "media_kind": asset.media_kind,
        "media_type": asset.media_type,
        "status": asset.status,
        "clearance": {
            "status": detail.clearance.status.value,
            "reasons": detail.clearance.reasons,
        },
        "signoff": None
        if signoff is None
        else {
            "approved_at": signoff.approved_at,
            "cleared_at": signoff.cleared_at,
            "content_hash": signoff.content_hash,
            "second_approval_required": signoff.requires_second,
            "second_approved_at": signoff.second_at,
        },
        "label": label,
        "rendition": rendition,
        "provenance": detail.provenance,
        "consent": detail.consent,
    }


@api.get(
    "/assets/{asset_id}/incidents",
    response={200: IncidentList, **AUTH_PROBLEMS, 404: Problem},
    operation_id="listAssetIncidents",
    summary="An asset's incidents",
    description="Reports on an approved or published asset and what the standards desk "
    "decided, newest first. `type` is the decision, or `report` while the incident is open. "
    "A takedown or correction is also sent as a webhook (asset.takedown_requested, "
    "asset.correction_issued).",
    tags=["assets"],
    **READ,
)
def list_asset_incidents(request: HttpRequest, asset_id: int) -> dict[str, Any]:
    _get_asset(request, asset_id)
    return {"items": incident_api_items(asset_id=asset_id)}


# --- publications ------------------------------------------------------------------------


def _answer(answer: Answer) -> HttpResponse:
    # Keys sorted: a replay from the stored JSON (PostgreSQL's jsonb reorders keys) is then
    # byte for byte the first answer.
    response = HttpResponse(
        json.dumps(answer.body, sort_keys=True, ensure_ascii=False),
        status=answer.status,
        content_type="application/json",
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


IdempotencyKey = HeaderEx[
    str,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A unique key per request; a retry sends the same key.",
    ),
]
WRITE_PROBLEMS: dict[int, Any] = {**AUTH_PROBLEMS, 404: Problem, 409: Problem, 422: Problem}


@api.post(
    "/assets/{asset_id}/publications",
    response={201: PublicationOut, **WRITE_PROBLEMS},
    operation_id="reportPublication",
    summary="Report a publication",
    description="The CMS published the asset. Only a cleared asset may be published: otherwise "
    "409 with the reasons. The asset becomes `published` on the desk.",
    tags=["publications"],
    **PUBLISH,
)
def report_publication(
    request: HttpRequest,
    asset_id: int,
    body: PublicationIn,
    idempotency_key: IdempotencyKey,
) -> HttpResponse:
    answer = publication_report(
        integration=request_token(request).integration,
        read_uncleared=_reads_uncleared(request),
        asset_id=asset_id,
        cms_reference=body.cms_reference,
        public_url=body.public_url,
        idempotency_key=idempotency_key,
    )
    return _answer(answer)


@api.post(
    "/assets/{asset_id}/unpublications",
    response={200: PublicationOut, **WRITE_PROBLEMS},
    operation_id="reportUnpublication",
    summary="Report an unpublication",
    description="The CMS took down what it published under `cms_reference`.",
    tags=["publications"],
    **PUBLISH,
)
def report_unpublication(
    request: HttpRequest,
    asset_id: int,
    body: UnpublicationIn,
    idempotency_key: IdempotencyKey,
) -> HttpResponse:
    answer = publication_withdraw(
        integration=request_token(request).integration,
        read_uncleared=_reads_uncleared(request),
        asset_id=asset_id,
        cms_reference=body.cms_reference,
        reason=body.reason,
        idempotency_key=idempotency_key,
    )
    return _answer(answer)


# --- downloads ---------------------------------------------------------------------------


# What part_response can answer: renditions are images, audio or video; the sidecar is a C2PA
# manifest store.
DOWNLOAD_MEDIA_TYPES = ("image/*", "audio/*", "video/*", "application/c2pa")


@api.get(
    "/renditions/{rendition_id}/download",
    response={200: None, 400: Problem, 403: Problem, 404: Problem, 409: Problem},
    operation_id="downloadRendition",
    summary="Download a signed rendition",
    description="The link comes from an asset's clearance and works for ten minutes, without "
    "a token. `part` picks the labeled file, its sidecar C2PA manifest or its disclosure slate.",
    url_name="rendition_download",
    tags=["assets"],
    openapi_extra={
        "responses": {
            "200": {
                "description": "The bytes: the labeled file in the rendition's `media_type`, "
                "the sidecar as `application/c2pa`, the slate as `image/png`.",
                "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                    for media_type in DOWNLOAD_MEDIA_TYPES
                },
            }
        }
    },
)
def download_rendition(
    request: HttpRequest, rendition_id: int, params: Query[DownloadParams]
) -> Any:
    part = params.part
    # The signature first: without a valid link nobody learns which renditions exist.
    check_signature(rendition_id, part, params.sig)
    rendition = Rendition.objects.select_related("asset").filter(pk=rendition_id).first()
    if rendition is None:
        raise Http404(f"There is no rendition {rendition_id}.")
    clearance_reads.check_rendition_cleared(rendition)
    return part_response(rendition, part)
