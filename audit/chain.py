"""How an audit event is hashed. One function, used by the writer and the verifier alike."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Protocol

GENESIS_HASH = "0" * 64


class HashedEvent(Protocol):
    """What of an audit event its hash covers (an AuditEvent has these fields)."""

    seq: int
    created_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    from_state: str
    to_state: str
    details: dict[str, Any]
    prev_hash: str


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    from_state: str,
    to_state: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": canonical_time(created_at),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "from_state": from_state,
        "to_state": to_state,
        "details": details,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def hash_of_event(event: HashedEvent) -> str:
    """`event_hash` of an event's own fields: the writer's (once it has set the sequence, time
    and previous hash) and the verifier's."""
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
