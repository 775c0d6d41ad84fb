"""The audit trail is append-only and hash-chained."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import pytest
import time_machine

from audit.chain import GENESIS_HASH, canonical_time, event_hash
from audit.models import AppendOnlyError, AuditChainHead, AuditEvent
from audit.services import audit_record
from audit.verification import audit_verify_chain
from tests.review.helpers import new_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(db):
    return new_asset()


def record(asset, n=1, **kwargs):
    return [
        audit_record(actor=None, action=f"test.event{i}", obj=asset, **kwargs) for i in range(n)
    ]


def _recompute(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq,
        created_at=event.created_at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        from_state=event.from_state,
        to_state=event.to_state,
        details=event.details,
        prev_hash=event.prev_hash,
    )


def test_events_are_chained_in_sequence(asset, editor):
    audit_record(
        actor=editor,
        action="asset.approve",
        obj=asset,
        from_state="in_review",
        to_state="approved",
        details={"note": "ok"},
    )
    record(asset, 3)

    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    # Each stored hash is the hash of what the database gives back.
    for event in events:
        event.refresh_from_db()
        assert _recompute(event) == event.hash
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (4, events[-1].hash)


def test_event_fields(asset, editor):
    moment = dt.datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        event = audit_record(
            actor=editor,
            action="asset.approve",
            obj=asset,
            from_state="in_review",
            to_state="approved",
        )
    event.refresh_from_db()
    assert event.created_at == moment
    assert (event.actor, event.actor_name) == (editor, "eddie_editor")
    assert (event.object_type, event.object_id) == ("review.asset", str(asset.pk))
    assert list(AuditEvent.objects.for_object(asset)) == [event]


def test_system_actor_is_named_system(asset):
    [event] = record(asset)
    assert event.actor is None
    assert event.actor_name == "system"


def test_details_are_stored_as_hashed(asset):
    """Details that are not plain JSON (times, UUIDs, decimals, non-ASCII text) are hashed in
    the form the database returns them, so the chain still verifies after a round trip."""
    audit_record(
        actor=None,
        action="test.rich",
        obj=asset,
        details={
            "when": dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC),
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "amount": decimal.Decimal("1.50"),
            "caption": "Überschwemmung in Köln — 東京",
            "nested": {"b": [1, 2, {"c": None}], "a": True},
        },
    )
    event = AuditEvent.objects.get()
    assert event.details["id"] == "12345678-1234-5678-1234-567812345678"
    assert event.details["caption"] == "Überschwemmung in Köln — 東京"
    assert _recompute(event) == event.hash
    assert audit_verify_chain().intact


def test_hash_changes_with_every_field():
    base: dict[str, Any] = {
        "seq": 1,
        "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "actor_id": 1,
        "actor_name": "a",
        "action": "x",
        "object_type": "review.asset",
        "object_id": "1",
        "from_state": "in_review",
        "to_state": "approved",
        "details": {"k": "v"},
        "prev_hash": GENESIS_HASH,
    }
    changed = {
        "seq": 2,
        "created_at": dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
        "actor_id": 2,
        "actor_name": "b",
        "action": "y",
        "object_type": "review.comment",
        "object_id": "2",
        "from_state": "checking",
        "to_state": "rejected",
        "details": {"k": "w"},
        "prev_hash": "1" * 64,
    }
    original = event_hash(**base)
    for field, value in changed.items():
        assert event_hash(**{**base, field: value}) != original, field


def test_canonical_time_is_utc_with_microseconds():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2026, 6, 1, 14, 0, 0, 5, tzinfo=plus_two)
    assert canonical_time(moment) == "2026-06-01T12:00:00.000005Z"


# --- append-only -----------------------------------------------------------------------------


def test_saving_an_existing_event_is_refused(asset):
    [event] = record(asset)
    event.to_state = "approved"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.to_state == ""


def test_deleting_an_event_is_refused(asset):
    [event] = record(asset)
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(asset):
    record(asset, 2)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(action="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=2).delete()
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "test.event0",
        "test.event1",
    ]


def test_audit_admin_is_read_only(admin_client, asset):
    [event] = record(asset)
    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    page = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
