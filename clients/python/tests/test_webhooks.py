"""Webhook verification with `whsec_` secrets and parsing into typed events. Requests are
signed the way Proofdesk signs them (the Standard Webhooks library, one signature per valid
secret); the documented examples in docs/cms-integration.md are parsed as they stand."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from proofdesk_client import (
    AssetCleared,
    ClearanceRevoked,
    ConsentRevoked,
    CorrectionIssued,
    LabelChanged,
    TakedownRequested,
    UnknownEvent,
    WebhookVerificationFailed,
    WebhookVerifier,
    parse_event,
)
from proofdesk_fakes import CMS_DOC_PATH
from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()

TAKEDOWN: dict[str, Any] = {
    "type": "asset.takedown_requested",
    "timestamp": "2026-11-28T12:40:11.020Z",
    "data": {
        "asset_id": 1842,
        "asset_uid": "5b0c3e7d0f6a4f0e9f3e2f7d6a1c9b21",
        "sequence": 4,
        "story_ref": "flood-2026-11",
        "incident_id": 9,
        "decision": "takedown",
        "harm_category": "privacy",
        "severity": "high",
        "public_note": "",
        "decided_at": "2026-11-28T12:40:11.003Z",
    },
}


def signed(
    payload: Mapping[str, Any], *secrets: str, at: datetime | None = None, msg_id: str = "msg_1"
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, separators=(",", ":"))
    when = at or datetime.now(UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(msg_id, when, body) for s in secrets),
        "content-type": "application/json",
    }
    return body.encode(), headers


def test_a_signed_takedown_becomes_a_typed_event() -> None:
    body, headers = signed(TAKEDOWN, SECRET)

    event = WebhookVerifier(SECRET).verify(body, headers)

    assert isinstance(event, TakedownRequested)
    assert event.id == "msg_1"
    assert (event.asset_id, event.sequence, event.incident_id) == (1842, 4, 9)
    assert event.decided_at == datetime(2026, 11, 28, 12, 40, 11, 3000, UTC)
    assert event.data["harm_category"] == "privacy"


def test_header_names_are_case_insensitive_as_http_says() -> None:
    body, headers = signed(TAKEDOWN, SECRET)
    shouted = {name.upper(): value for name, value in headers.items()}
    assert WebhookVerifier(SECRET).verify(body, shouted).id == "msg_1"


def test_during_a_rotation_either_secret_verifies() -> None:
    body, headers = signed(TAKEDOWN, SECRET, OTHER_SECRET)  # Proofdesk signs with both
    assert WebhookVerifier([OTHER_SECRET]).verify(body, headers).asset_id == 1842
    body, headers = signed(TAKEDOWN, OTHER_SECRET)  # after the overlap, only the new one
    assert WebhookVerifier([SECRET, OTHER_SECRET]).verify(body, headers).asset_id == 1842


def test_an_altered_body_is_refused() -> None:
    body, headers = signed(TAKEDOWN, SECRET)
    with pytest.raises(WebhookVerificationFailed):
        WebhookVerifier(SECRET).verify(body.replace(b"1842", b"1843"), headers)


def test_another_secret_is_refused() -> None:
    body, headers = signed(TAKEDOWN, OTHER_SECRET)
    with pytest.raises(WebhookVerificationFailed, match="No matching signature"):
        WebhookVerifier(SECRET).verify(body, headers)


def test_an_old_request_is_refused_so_it_cannot_be_replayed_later() -> None:
    body, headers = signed(TAKEDOWN, SECRET, at=datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(WebhookVerificationFailed, match="too old"):
        WebhookVerifier(SECRET).verify(body, headers)


@pytest.mark.parametrize("signature", ["v1,!!notbase64", "garbage", ""])
def test_a_malformed_signature_header_is_a_verification_failure_not_a_crash(signature: str) -> None:
    body, headers = signed(TAKEDOWN, SECRET)
    headers["webhook-signature"] = signature
    with pytest.raises(WebhookVerificationFailed):
        WebhookVerifier(SECRET).verify(body, headers)


def test_a_signed_body_missing_an_event_field_is_refused() -> None:
    broken = json.loads(json.dumps(TAKEDOWN))
    del broken["data"]["incident_id"]
    body, headers = signed(broken, SECRET)
    with pytest.raises(WebhookVerificationFailed, match="incident_id: missing"):
        WebhookVerifier(SECRET).verify(body, headers)


def test_an_event_type_the_client_does_not_know_is_kept_not_refused() -> None:
    payload = {"type": "asset.something_new", "timestamp": "2026-11-28T12:40:11Z",
               "data": {"asset_id": 3, "sequence": 1, "extra": True}}  # fmt: skip
    event = parse_event(payload, webhook_id="msg_9")
    assert isinstance(event, UnknownEvent)
    assert event.data["extra"] is True


def test_no_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        WebhookVerifier([""])


def documented_events() -> list[dict[str, Any]]:
    text = CMS_DOC_PATH.read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    found = [json.loads(b) for b in blocks]
    return [b for b in found if isinstance(b, dict) and "type" in b and "data" in b]


def test_every_event_documented_for_cms_developers_parses_into_its_class() -> None:
    expected = {
        "asset.cleared": AssetCleared,
        "asset.clearance_revoked": ClearanceRevoked,
        "asset.label_changed": LabelChanged,
        "consent.revoked": ConsentRevoked,
    }
    events = documented_events()
    assert {e["type"] for e in events} == set(expected)
    for payload in events:
        event = parse_event(payload, webhook_id="msg_doc")
        assert type(event) is expected[str(payload["type"])]
        assert event.asset_id == 1842


def test_a_relabel_correction_carries_the_new_label() -> None:
    payload = json.loads(json.dumps(TAKEDOWN))
    payload["type"] = "asset.correction_issued"
    payload["data"].update(decision="relabel", public_note="We relabeled this image.")
    payload["data"]["label"] = {"version": 2, "language": "en", "term": "ai-edited",
                                "name": "AI-edited", "text": "Edited with AI."}  # fmt: skip
    event = parse_event(payload, webhook_id="msg_2")
    assert isinstance(event, CorrectionIssued)
    assert event.label is not None and event.label.name == "AI-edited"
    del payload["data"]["label"]
    correction = parse_event(payload, webhook_id="msg_3")
    assert isinstance(correction, CorrectionIssued) and correction.label is None
