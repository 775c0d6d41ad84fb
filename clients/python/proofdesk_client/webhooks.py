"""Verifying Proofdesk's webhooks (Standard Webhooks, `whsec_` secrets) and reading them as
typed events.

    verifier = WebhookVerifier(["whsec_..."])          # two secrets during a rotation
    event = verifier.verify(request.body, request.headers)   # raises WebhookVerificationFailed
    if isinstance(event, TakedownRequested): ...

Verify the raw body bytes, before any parsing. `event.id` is the `webhook-id` header: the same
on every retry and redelivery of the event, so use it to handle each event once.
`event.sequence` numbers each asset's events (1, 2, 3 ...): ignore one that is not above the
last you applied for that asset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from proofdesk_client.errors import ProofdeskError
from proofdesk_client.models import ResponseShapeError, parse


class WebhookVerificationFailed(ProofdeskError):
    """Not a request Proofdesk signed with one of our secrets (or older than five minutes)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebhookLabel:
    version: int
    language: str
    term: str
    name: str
    text: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """What every event carries. `data` is the event's whole `data` object as sent."""

    TYPE: ClassVar[str] = ""

    id: str
    type: str
    timestamp: datetime
    asset_id: int
    sequence: int
    data: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class AssetEvent(WebhookEvent):
    asset_uid: str
    story_ref: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AssetCleared(AssetEvent):
    TYPE: ClassVar[str] = "asset.cleared"

    signoff_id: int
    cleared_at: datetime
    second_approval: bool
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClearanceRevoked(AssetEvent):
    TYPE: ClassVar[str] = "asset.clearance_revoked"

    signoff_id: int
    revoked_at: datetime
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class LabelChanged(AssetEvent):
    TYPE: ClassVar[str] = "asset.label_changed"

    label: WebhookLabel


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentRevoked(AssetEvent):
    TYPE: ClassVar[str] = "consent.revoked"

    kind: str
    effective_at: datetime
    party_role: str
    alert: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentDecided(AssetEvent):
    incident_id: int
    decision: str
    harm_category: str
    severity: str
    public_note: str
    decided_at: datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class TakedownRequested(IncidentDecided):
    TYPE: ClassVar[str] = "asset.takedown_requested"


@dataclasses.dataclass(frozen=True, kw_only=True)
class CorrectionIssued(IncidentDecided):
    """A correction or a relabel; after a relabel `label` is the new label."""

    TYPE: ClassVar[str] = "asset.correction_issued"

    label: WebhookLabel | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnknownEvent(WebhookEvent):
    """A type this client does not know yet: acknowledge it, or read `data` yourself."""


EVENT_CLASSES: dict[str, type[WebhookEvent]] = {
    cls.TYPE: cls
    for cls in (
        AssetCleared,
        ClearanceRevoked,
        LabelChanged,
        ConsentRevoked,
        TakedownRequested,
        CorrectionIssued,
    )
}

_ENVELOPE = frozenset({"id", "type", "timestamp", "data"})


def parse_event(payload: Mapping[str, Any], *, webhook_id: str) -> WebhookEvent:
    """The typed event for a verified payload (`{"type", "timestamp", "data"}`); raises
    ResponseShapeError when a field the type promises is missing or of the wrong type."""
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise ResponseShapeError("webhook: `data` is missing")
    event_type = str(payload.get("type", ""))
    cls = EVENT_CLASSES.get(event_type, UnknownEvent)
    values: dict[str, Any] = {
        "id": webhook_id,
        "type": event_type,
        "timestamp": payload.get("timestamp"),
        "data": dict(data),
    }
    # The event's own fields come from `data`; the same type-driven parser as the API's
    # answers checks them, so a CMS never meets a half-filled event.
    for field in dataclasses.fields(cls):
        if field.name not in _ENVELOPE and field.name in data:
            values[field.name] = data[field.name]
    return parse(cls, values)


class WebhookVerifier:
    """Checks Proofdesk's signature with any of `secrets` (`whsec_...`; two during a
    rotation) and returns the typed event."""

    def __init__(self, secrets: str | Sequence[str]) -> None:
        found = [secrets] if isinstance(secrets, str) else list(secrets)
        found = [s for s in found if s]
        if not found:
            raise ValueError("At least one webhook secret (whsec_...) is needed.")
        self._webhooks = [Webhook(secret) for secret in found]

    def verify_payload(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The verified JSON payload as sent."""
        lowered = {name.lower(): value for name, value in headers.items()}
        problem = "no signature matched"
        for webhook in self._webhooks:
            try:
                payload = webhook.verify(body, lowered)
            except (WebhookVerificationError, ValueError) as exc:
                # ValueError: a malformed signature header, bad base64, a body not in UTF-8.
                problem = str(exc) or type(exc).__name__
                continue
            if not isinstance(payload, dict):
                raise WebhookVerificationFailed("the body is not a JSON object")
            return payload
        raise WebhookVerificationFailed(problem)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        payload = self.verify_payload(body, headers)
        webhook_id = {name.lower(): value for name, value in headers.items()}["webhook-id"]
        try:
            return parse_event(payload, webhook_id=webhook_id)
        except ResponseShapeError as exc:
            raise WebhookVerificationFailed(f"signed, but not an event: {exc}") from None
