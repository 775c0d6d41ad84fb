"""The HTTP client for Proofdesk's CMS API (`/api/v1/`)."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import requests

from proofdesk_client import errors, models, operations
from proofdesk_client.operations import Operation
from proofdesk_client.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

T = TypeVar("T")

USER_AGENT = "proofdesk-client/0.1 (+python-requests)"
# (connect, read) seconds: a refused or silent server is noticed quickly; a big rendition still
# has time to arrive.
DEFAULT_TIMEOUT = (3.05, 30.0)
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024

Part = Literal["file", "sidecar", "slate"]


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class ProofdeskClient:
    """Talks to one Proofdesk with one integration token.

    >>> client = ProofdeskClient("https://proofdesk.example", "pd_...")
    >>> clearance = client.get_clearance(1842)
    >>> clearance.cleared, clearance.clearance.reasons
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ValueError("A Proofdesk API token (pd_...) is needed.")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.user_agent = user_agent
        self._sleep = sleep

    def __repr__(self) -> str:  # never the token
        return f"ProofdeskClient({self.base_url!r})"

    # --- reads ---------------------------------------------------------------------------

    def list_assets_page(
        self,
        *,
        story: str | None = None,
        changed_since: datetime | str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> models.ClearedAssetPage:
        """One page of cleared assets (and, with `changed_since`, revoked ones)."""
        query: dict[str, str] = {}
        if story is not None:
            query["story"] = story
        if changed_since is not None:
            query["changed_since"] = _rfc3339(changed_since)
        if cursor is not None:
            query["cursor"] = cursor
        if limit is not None:
            query["limit"] = str(limit)
        return self._call(operations.LIST_ASSETS, models.ClearedAssetPage, query=query)

    def iter_assets(
        self,
        *,
        story: str | None = None,
        changed_since: datetime | str | None = None,
        limit: int | None = None,
    ) -> Iterator[models.ClearedAsset]:
        """Every listed asset, following `next_cursor` page after page."""
        cursor: str | None = None
        while True:
            page = self.list_assets_page(
                story=story, changed_since=changed_since, cursor=cursor, limit=limit
            )
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def get_clearance(self, asset_id: int) -> models.AssetClearance:
        return self._call(operations.GET_CLEARANCE, models.AssetClearance, asset_id=asset_id)

    def list_incidents(self, asset_id: int) -> list[models.Incident]:
        found = self._call(operations.LIST_INCIDENTS, models.IncidentList, asset_id=asset_id)
        return found.items

    # --- downloads -----------------------------------------------------------------------

    def download(
        self, url: str, *, sha256: str | None = None, max_bytes: int = MAX_DOWNLOAD_BYTES
    ) -> bytes:
        """The bytes behind a signed download link (no token is sent: the link is signed).
        With `sha256`, raises IntegrityError unless the bytes hash to it."""
        response = self._send("GET", url, authenticated=False, stream=True)
        data = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise errors.IntegrityError(f"The download is larger than {max_bytes} bytes.")
        finally:
            response.close()
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256.lower():
            raise errors.IntegrityError(
                f"The downloaded file's sha256 is not {sha256}: refusing to use it."
            )
        return bytes(data)

    def download_rendition(self, rendition: models.Rendition, part: Part = "file") -> bytes:
        """The signed, labeled file (or its sidecar manifest, or its slate), checked against
        the sha256 the clearance gave. The links expire after ten minutes:
        `fetch_rendition` fetches fresh ones."""
        if part == "file":
            return self.download(rendition.download_url, sha256=rendition.sha256)
        if part == "sidecar":
            if rendition.sidecar_url is None:
                raise ValueError("This rendition has its manifest embedded: no sidecar.")
            return self.download(rendition.sidecar_url, sha256=rendition.sidecar_sha256)
        if rendition.slate_url is None:
            raise ValueError("This rendition has no slate.")
        return self.download(rendition.slate_url)

    def fetch_rendition(
        self, asset_id: int, part: Part = "file"
    ) -> tuple[models.AssetClearance, bytes | None]:
        """The clearance and its rendition's bytes (None when the asset needs no rendition),
        with fresh links. Raises NotCleared, with the desk's reasons, unless it is cleared."""
        clearance = self.get_clearance(asset_id)
        if not clearance.cleared:
            raise errors.NotCleared(
                status=409,
                type=errors.PROBLEM_TYPE_PREFIX + "not-cleared",
                title="Not cleared",
                detail=f"Asset {asset_id} is not cleared for publication.",
                reasons=clearance.clearance.reasons,
            )
        if clearance.rendition is None:
            return clearance, None
        return clearance, self.download_rendition(clearance.rendition, part)

    # --- publications ----------------------------------------------------------------------

    def report_publication(
        self,
        asset_id: int,
        *,
        cms_reference: str,
        public_url: str,
        idempotency_key: str | None = None,
    ) -> models.Publication:
        """Tell Proofdesk the CMS published the asset at `public_url`. Keep the
        `idempotency_key` with the report and send the same one when retrying it later.
        Raises NotCleared (with the reasons) when the asset is not cleared."""
        body = models.PublicationIn(cms_reference=cms_reference, public_url=public_url)
        return self._call(
            operations.REPORT_PUBLICATION,
            models.Publication,
            asset_id=asset_id,
            body=body,
            headers={"Idempotency-Key": idempotency_key or new_idempotency_key()},
        )

    def report_unpublication(
        self,
        asset_id: int,
        *,
        cms_reference: str,
        reason: str,
        idempotency_key: str | None = None,
    ) -> models.Publication:
        """Tell Proofdesk the CMS took the asset down from `cms_reference`. Once nothing of
        the asset is live, Proofdesk counts a requested takedown as confirmed."""
        body = models.UnpublicationIn(cms_reference=cms_reference, reason=reason)
        return self._call(
            operations.REPORT_UNPUBLICATION,
            models.Publication,
            asset_id=asset_id,
            body=body,
            headers={"Idempotency-Key": idempotency_key or new_idempotency_key()},
        )

    # --- plumbing --------------------------------------------------------------------------

    def _call(
        self,
        op: Operation,
        model: type[T],
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        **path_params: int,
    ) -> T:
        # The operation table is what the drift test holds against docs/openapi.json: nothing
        # is sent that it does not list.
        if op.response is not model:
            raise TypeError(f"{op.operation_id} answers {op.response}, not {model}")
        unlisted = (set(query or {}) - set(op.query)) | (set(headers or {}) - set(op.headers))
        if unlisted or (body is not None and type(body) is not op.body):
            raise TypeError(f"{op.operation_id} does not take {unlisted or type(body)}")
        path = op.path.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})
        response = self._send(
            op.method,
            self.base_url + path,
            params=dict(query or {}),
            headers=dict(headers or {}),
            json=asdict(body) if body is not None else None,
        )
        if response.status_code != op.status:
            raise errors.ProblemError(
                status=response.status_code,
                title="Unexpected status",
                detail=f"{op.operation_id} answered {response.status_code}, not {op.status}.",
            )
        try:
            data = response.json()
        except ValueError:
            raise models.ResponseShapeError(f"{op.operation_id}: the answer is not JSON") from None
        return models.parse(model, data)

    def _send(
        self,
        method: str,
        url: str,
        *,
        authenticated: bool = True,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request with retries; a 2xx response, or the error as an exception."""
        all_headers = {
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            **(headers or {}),
        }
        if authenticated:
            all_headers["Authorization"] = f"Bearer {self._token}"
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=all_headers,
                    json=json,
                    timeout=self.timeout,
                    stream=stream,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                wait = self.retry.delay(attempt)
                if wait is None:
                    raise errors.TransportError(
                        f"{method} {url}: {type(exc).__name__} after {attempt} attempt(s)"
                    ) from exc
                self._sleep(wait)
                continue
            if 200 <= response.status_code < 300:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code in RETRY_STATUSES:
                wait = self.retry.delay(attempt, retry_after)
                if wait is not None:
                    response.close()
                    self._sleep(wait)
                    continue
            raise _problem(response, retry_after)


def _problem(response: requests.Response, retry_after: float | None) -> errors.ProblemError:
    text = response.text
    body: Mapping[str, Any] | None = None
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            decoded = response.json()
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            body = decoded
    return errors.problem_from(response.status_code, body, text, retry_after)


def _rfc3339(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("changed_since needs a timezone-aware datetime (RFC 3339 has an offset).")
    return value.isoformat()
