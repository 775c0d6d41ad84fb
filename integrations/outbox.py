"""The outbox: events for the CMS, written in the same transaction as the change that caused
them, and the deliveries that carry them to each subscribed endpoint.

An event is never deleted and never edited. Its deliveries are queued only once the
transaction commits; a delivery whose message is lost anyway (broker down at that moment, a
worker killed) still has `next_attempt_at` set, and the periodic sweep picks it up.

Payloads follow the Standard Webhooks convention `{"type", "timestamp", "data"}` and carry no
personal data: no names, contacts or descriptions of the people depicted.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consent.models import ConsentRecord, Party
from incidents.models import Decision, Incident
from integrations.models import Delivery, EventType, OutboxEvent, WebhookEndpoint
from integrations.tasks import queue_delivery
from labeling.models import Label
from review.models import Asset, AssetStatus
from signoff.models import SignOff


class OutboxError(Exception):
    """An event that cannot be written the way the outbox promises."""


def new_event_id() -> str:
    """`msg_` + milliseconds since the epoch (hex, so ids sort by creation) + 80 random bits."""
    return f"msg_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    # What the database stores is what every attempt sends: datetimes become strings once here.
    result: dict[str, Any] = json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))
    return result


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.event_types or event_type in endpoint.event_types


def outbox_emit(*, type: str, asset: Asset, data: Mapping[str, Any]) -> OutboxEvent:
    """Write one event and a delivery per subscribed endpoint. Call inside the transaction of
    the change the event reports, so that both commit or roll back together."""
    if type not in EventType.values:
        raise OutboxError(f"Unknown event type {type!r}.")
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the event would commit even if the change it reports fails.
        raise OutboxError("outbox_emit must run inside the transaction of the change.")
    # The asset row is the sequence's lock: two transactions emitting for one asset would
    # otherwise read the same maximum and collide on the unique (asset, sequence).
    Asset.objects.select_for_update().filter(pk=asset.pk).values_list("pk", flat=True).get()
    last = OutboxEvent.objects.filter(asset_id=asset.pk).aggregate(last=Max("sequence"))["last"]
    sequence = (last or 0) + 1
    now = timezone.now()
    payload = {
        "type": type,
        "timestamp": iso(now),
        "data": {**_json_safe(data), "asset_id": asset.pk, "sequence": sequence},
    }
    event = OutboxEvent.objects.create(
        event_id=new_event_id(), type=type, asset_id=asset.pk, sequence=sequence, payload=payload
    )
    endpoints = WebhookEndpoint.objects.filter(active=True, integration__active=True)
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=endpoint, next_attempt_at=now)
        for endpoint in endpoints
        if subscribed(endpoint, type)
    )
    for delivery in deliveries:
        # After the commit: a worker must find the rows, and a rollback must send nothing.
        transaction.on_commit(partial(queue_delivery, delivery.pk))
    return event


# --- the events ---------------------------------------------------------------------------


def emit_asset_cleared(*, asset: Asset, signoff: Any, reason: str) -> OutboxEvent:
    return outbox_emit(
        type=EventType.ASSET_CLEARED,
        asset=asset,
        data={
            "asset_uid": asset.uid.hex,
            "story_ref": asset.story_ref,
            "signoff_id": signoff.pk,
            "cleared_at": signoff.cleared_at,
            "second_approval": bool(signoff.requires_second),
            "reason": reason,
        },
    )


def emit_clearance_revoked(*, asset: Asset, signoff: Any, reason: str) -> OutboxEvent:
    return outbox_emit(
        type=EventType.CLEARANCE_REVOKED,
        asset=asset,
        data={
            "asset_uid": asset.uid.hex,
            "story_ref": asset.story_ref,
            "signoff_id": signoff.pk,
            "revoked_at": signoff.voided_at or timezone.now(),
            "reason": without_personal_data(asset, reason),
        },
    )


def was_ever_cleared(asset: Asset) -> bool:
    """Only cleared assets ever reach the CMS (the API lists nothing else)."""
    return SignOff.objects.filter(asset_id=asset.pk, cleared_at__isnull=False).exists()


def emit_consent_revoked(*, asset: Asset, lapse: Any, alert: Any) -> OutboxEvent | None:
    """For an asset the CMS may know (cleared at some point); the person stays anonymous."""
    if not was_ever_cleared(asset):
        return None
    return outbox_emit(
        type=EventType.CONSENT_REVOKED,
        asset=asset,
        data={
            "asset_uid": asset.uid.hex,
            "story_ref": asset.story_ref,
            "kind": lapse.kind,
            "effective_at": lapse.effective_at,
            "party_role": lapse.record.party.role,
            "alert": alert is not None,
        },
    )


def cms_may_show(asset: Asset) -> bool:
    """Published, or cleared by its latest sign-off, whether that sign-off is still in force or
    was just voided: a label change voids the sign-off it changes in the same transaction
    (labeling.services.label_set re-checks before sending `label_changed`), and the CMS that
    was told of the clearance still shows the old label."""
    status = Asset.objects.filter(pk=asset.pk).values_list("status", flat=True).get()
    if status == AssetStatus.PUBLISHED:
        return True
    latest = (
        SignOff.objects.filter(asset_id=asset.pk)
        .order_by("-approved_at", "-pk")
        .values_list("cleared_at", flat=True)
        .first()
    )
    return latest is not None


def emit_label_changed(*, asset: Asset, label: Label) -> OutboxEvent | None:
    """Only when the CMS has something to update (see cms_may_show)."""
    if not cms_may_show(asset):
        return None
    return outbox_emit(
        type=EventType.LABEL_CHANGED,
        asset=asset,
        data={
            "asset_uid": asset.uid.hex,
            "story_ref": asset.story_ref,
            "label": label_payload(label),
        },
    )


def label_payload(label: Label) -> dict[str, Any]:
    return {
        "version": label.version,
        "language": label.language,
        "term": label.term.key,
        "name": label.name,
        "text": label.text,
    }


def without_personal_data(asset: Asset, text: str) -> str:
    """Free text written for the desk (a void reason) may name the people depicted; the CMS
    gets it with every name, contact and description of the asset's parties masked."""
    parties = Party.objects.filter(asset_id=asset.pk).select_related("person")
    found: set[str] = set()
    for party in parties:
        found.add(party.description)
        if party.person is not None:
            found.update((party.person.full_name, party.person.email, party.person.phone))
    records = ConsentRecord.objects.filter(asset_id=asset.pk).select_related("signer")
    for record in records:
        found.add(record.signed_name)
        if record.signer is not None:
            found.update((record.signer.full_name, record.signer.email, record.signer.phone))
    # Longest first, so "Ann Lee" is masked before "Ann" could split it.
    for secret in sorted((s.strip() for s in found if s and s.strip()), key=len, reverse=True):
        text = text.replace(secret, "[a person depicted]")
    return text


# What the CMS is told for each incident decision; no_action changes nothing the CMS shows.
DECISION_EVENTS: dict[str, str] = {
    Decision.TAKEDOWN: EventType.TAKEDOWN_REQUESTED,
    Decision.CORRECTION: EventType.CORRECTION_ISSUED,
    Decision.RELABEL: EventType.CORRECTION_ISSUED,
}


def emit_incident_decided(*, incident: Incident, decided_at: datetime) -> OutboxEvent | None:
    event_type = DECISION_EVENTS.get(incident.decision)
    if event_type is None:
        return None
    asset = incident.asset
    data = {
        "asset_uid": asset.uid.hex,
        "story_ref": asset.story_ref,
        "incident_id": incident.pk,
        "decision": incident.decision,
        "harm_category": incident.harm_category,
        "severity": incident.severity,
        "public_note": incident.public_note,
        "decided_at": decided_at,
    }
    if incident.decision == Decision.RELABEL:
        # The label the relabel set, so the CMS can show it with the notice at once; the
        # re-signed rendition follows with the next `asset.cleared`.
        label = Label.objects.filter(asset_id=asset.pk).select_related("term").latest("version")
        data["label"] = label_payload(label)
    return outbox_emit(type=event_type, asset=asset, data=data)
