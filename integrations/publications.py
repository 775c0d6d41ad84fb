"""Writes for what the CMS reports back: a publication (which moves a cleared asset from
approved to published) and an unpublication, each idempotent under an `Idempotency-Key`.

Idempotency: the first successful answer is stored with the sha256 of the canonical request
(operation, asset and body). The same key with the same request gets that answer again, status
and JSON; the same key with anything else is refused. Refusals (not cleared, unknown asset)
are not stored: they changed nothing, and the same key may succeed once the desk clears the
asset.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from incidents.services import takedown_confirm
from integrations.api_schemas import PublicationOut
from integrations.clearance import approved_rendition_sha256, assets_for_token, clearance_of
from integrations.errors import IdempotencyKeyReused, NotCleared, NotFound, ReferenceLive
from integrations.models import IdempotencyRecord, Integration, Publication
from review.models import Asset, AssetStatus
from review.transitions import asset_transition
from signoff.services import active_signoff


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_sha256(operation: str, asset_id: int, body: dict[str, Any]) -> str:
    # The operation and asset are part of the request: one key sent to two endpoints is a reuse.
    canonical = json.dumps(
        {"operation": operation, "asset": asset_id, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(integration: Integration, key: str, digest: str) -> Answer | None:
    record = IdempotencyRecord.objects.filter(integration=integration, key=key).first()
    if record is None:
        return None
    if record.request_sha256 != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for a different request; use a new key for a new "
            "request."
        )
    return Answer(record.status_code, record.response, replayed=True)


def _idempotent(
    integration: Integration,
    key: str,
    digest: str,
    asset_id: int,
    write: Callable[[Asset], Answer],
    *,
    read_uncleared: bool,
) -> Answer:
    replayed = _replay(integration, key, digest)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            # The lock orders this request against a twin with the same key for the same asset
            # (and against a void or second approval of the asset): the twin waits here, then
            # finds the first one's record below instead of writing again.
            # An asset never cleared is, for a token without `assets:read-uncleared`, one that
            # does not exist: a 409 with its reasons would tell what the desk is working on.
            assets = assets_for_token(read_uncleared=read_uncleared)
            asset = assets.select_for_update().filter(pk=asset_id).first()
            if asset is None:
                raise NotFound(f"There is no asset {asset_id}.")
            replayed = _replay(integration, key, digest)
            if replayed is not None:
                return replayed
            answer = write(asset)
            IdempotencyRecord.objects.create(
                integration=integration,
                key=key,
                request_sha256=digest,
                status_code=answer.status,
                response=answer.body,
            )
    except IntegrityError:
        # The same key was committed concurrently for another asset (so no shared lock): the
        # unique constraint refused ours and everything above rolled back. Answer as it did.
        replayed = _replay(integration, key, digest)
        if replayed is None:
            raise
        return replayed
    return answer


def publication_body(publication: Publication, asset: Asset) -> dict[str, Any]:
    data = PublicationOut(
        id=publication.pk,
        asset_id=asset.pk,
        cms_reference=publication.cms_reference,
        public_url=publication.public_url,
        published_at=publication.published_at,
        unpublished_at=publication.unpublished_at,
        unpublish_reason=publication.unpublish_reason,
        signoff_content_hash=publication.signoff.content_hash,
        rendition_sha256=publication.rendition_sha256,
        asset_status=asset.status,
    )
    return data.model_dump(mode="json")


def publication_report(
    *,
    integration: Integration,
    asset_id: int,
    cms_reference: str,
    public_url: str,
    idempotency_key: str,
    read_uncleared: bool = False,
) -> Answer:
    """The CMS published a cleared asset at `public_url`. Refused with the reasons when the
    asset is not cleared (it may have been voided a moment ago)."""
    body = {"cms_reference": cms_reference, "public_url": public_url}

    def write(asset: Asset) -> Answer:
        # Under the asset's lock: the clearance checked here is the one in force when the
        # publication is written, not one voided a moment ago.
        signoff = active_signoff(asset)
        clearance = clearance_of(asset, signoff)
        if not clearance.cleared or signoff is None:
            raise NotCleared(
                f"Asset {asset.pk} is not cleared for publication.", reasons=clearance.reasons
            )
        live = Publication.objects.filter(
            integration=integration, cms_reference=cms_reference, unpublished_at__isnull=True
        ).first()
        if live is not None:
            raise ReferenceLive(
                f"{cms_reference!r} is already published (asset {live.asset_id}); report its "
                "unpublication first."
            )
        try:
            with transaction.atomic():
                publication = Publication.objects.create(
                    asset=asset,
                    integration=integration,
                    cms_reference=cms_reference,
                    public_url=public_url,
                    signoff=signoff,
                    rendition_sha256=approved_rendition_sha256(signoff),
                )
        except IntegrityError:
            # The same reference was reported for another asset at the same moment (the two
            # hold different asset locks): the unique constraint decided who came first.
            raise ReferenceLive(f"{cms_reference!r} is already published.") from None
        # Approved becomes published; a second publication of a published asset (another page)
        # is recorded without a change of status.
        asset = asset_transition(
            asset=asset,
            to_state=AssetStatus.PUBLISHED,
            from_states={AssetStatus.APPROVED},
            audit_unchanged=True,
            actor=None,
            event="asset.published_by_cms",
            details={
                "integration_id": integration.pk,
                "integration": integration.name,
                "publication_id": publication.pk,
                "cms_reference": cms_reference,
                "public_url": public_url,
                "signoff_id": signoff.pk,
                "content_hash": signoff.content_hash,
                "rendition_sha256": publication.rendition_sha256,
            },
        )
        return Answer(201, publication_body(publication, asset))

    digest = request_sha256("publication", asset_id, body)
    return _idempotent(
        integration, idempotency_key, digest, asset_id, write, read_uncleared=read_uncleared
    )


def publication_withdraw(
    *,
    integration: Integration,
    asset_id: int,
    cms_reference: str,
    reason: str,
    idempotency_key: str,
    read_uncleared: bool = False,
) -> Answer:
    """The CMS took down what it published under `cms_reference`. The asset's status stays as
    it is: the desk decides what happens to the asset itself (corrections, takedowns)."""
    body = {"cms_reference": cms_reference, "reason": reason}

    def write(asset: Asset) -> Answer:
        publication = (
            Publication.objects.select_related("signoff")
            .filter(
                asset=asset,
                integration=integration,
                cms_reference=cms_reference,
                unpublished_at__isnull=True,
            )
            .first()
        )
        if publication is None:
            raise NotFound(
                f"Asset {asset.pk} has no live publication {cms_reference!r} from this integration."
            )
        publication.unpublished_at = timezone.now()
        publication.unpublish_reason = reason
        publication.save(update_fields=["unpublished_at", "unpublish_reason"])
        takedown_confirm_if_nothing_live(
            asset, how=f"{integration.name} withdrew {cms_reference!r}: {reason}"[:300]
        )
        audit_record(
            actor=None,
            action="asset.unpublished_by_cms",
            obj=asset,
            details={
                "integration_id": integration.pk,
                "integration": integration.name,
                "publication_id": publication.pk,
                "cms_reference": cms_reference,
                "reason": reason,
            },
        )
        return Answer(200, publication_body(publication, asset))

    digest = request_sha256("unpublication", asset_id, body)
    return _idempotent(
        integration, idempotency_key, digest, asset_id, write, read_uncleared=read_uncleared
    )


def takedown_confirm_if_nothing_live(asset: Asset, *, how: str) -> list[int]:
    """Under the asset's lock: once no publication of it is live in any CMS, its takedowns are
    confirmed (incidents.services.takedown_confirm). Returns the incidents confirmed."""
    if Publication.objects.filter(asset=asset, unpublished_at__isnull=True).exists():
        return []
    return takedown_confirm(asset_id=asset.pk, how=how)


def comparable_url(url: str) -> str:
    """A page's address as two people would agree it is the same page: scheme and host in
    lower case, no default port, no fragment, no trailing slash, no tracking query."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not pair.startswith("utm_")
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(
        ("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, query, "")
    )


def asset_for_public_url(url: str) -> int | None:
    """The asset a CMS published at `url` (the most recent publication, live or withdrawn), or
    None. Compared as `comparable_url`, on the publications whose address shares its host."""
    wanted = comparable_url(url)
    host = urlsplit(url.strip()).hostname or ""
    if not host:
        return None
    candidates = Publication.objects.filter(public_url__icontains=host).order_by("-published_at")
    for asset_id, public_url in candidates.values_list("asset_id", "public_url")[:500]:
        if comparable_url(public_url) == wanted:
            return int(asset_id)
    return None
