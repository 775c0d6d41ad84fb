"""Writing audit events. Callers are services that already hold a transaction.

An event is written at once, or, inside `audit_batch()`, kept until the batch ends and then
written with the batch's other events: one lock of the chain head, one INSERT and one head
update for the lot, instead of those three statements per event. A busy path that records
several events in one transaction (a provenance check records its report and the end of the
checks) uses a batch.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, hash_of_event
from audit.models import AuditChainHead, AuditEvent

# The events of the batch open in this thread (or task), in the order they were recorded.
_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


def _json_safe(details: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so the hash covers exactly what the database will return.
    result: dict[str, Any] = json.loads(json.dumps(details, cls=DjangoJSONEncoder))
    return result


def _written(events: list[AuditEvent]) -> None:
    """Write the events in the caller's transaction, without a savepoint (two statements saved
    per write), or in one of their own when the caller holds none. Joined, a failure dooms the
    caller's transaction: a caller that caught the error could otherwise commit a change whose
    events were never written."""
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            _write(events)
        return
    try:
        _write(events)
    except BaseException:
        transaction.set_rollback(True)
        raise


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    from_state: str = "",
    to_state: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one event. Inside `audit_batch()` it is written when the batch ends: the event
    returned gets its sequence number, hash and id then."""
    user = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        actor_id=user.pk if user is not None else None,
        actor_name=user.get_username() if user is not None else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        from_state=from_state,
        to_state=to_state,
        details=_json_safe(details or {}),
    )
    pending = _batch.get()
    if pending is not None:
        pending.append(event)
        return event
    _written([event])
    return event


@contextlib.contextmanager
def audit_batch() -> Iterator[None]:
    """Keep the events recorded inside and write them in one go when the block ends without an
    error (an error writes none, and the change they describe rolls back). It joins the
    caller's transaction, or opens one, so the events commit with the change; a batch inside a
    batch joins it. An event recorded inside a savepoint that then rolls back is still written,
    so a batch goes only around code that never undoes part of itself."""
    if _batch.get() is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic(), audit_batch():
            yield
        return
    pending: list[AuditEvent] = []
    token = _batch.set(pending)
    try:
        yield
    except BaseException:
        if pending and transaction.get_connection().in_atomic_block:
            # Changes were written whose events now never will be: a caller that caught the
            # error must not be able to commit them.
            transaction.set_rollback(True)
        raise
    finally:
        _batch.reset(token)
    if pending:
        _written(pending)  # joined, since the batch always runs inside a transaction


def _chain_head() -> AuditChainHead:
    # The head row is the chain's lock: two writers would otherwise both read the same last
    # hash and fork the chain. Only the very first event finds no row to lock.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _write(events: list[AuditEvent]) -> None:
    """Chain the events after the head and insert them, under the head's lock. Taken last in
    the caller's transaction, the lock is held only for these three statements."""
    head = _chain_head()
    # The time is read under the lock, so that the chain's order is the order of the times.
    created_at = timezone.now()
    seq, prev_hash = head.last_seq, head.last_hash
    for event in events:
        seq += 1
        event.seq, event.created_at, event.prev_hash = seq, created_at, prev_hash
        event.hash = hash_of_event(event)
        prev_hash = event.hash
    # bulk_create bypasses AuditEvent.save(), which only refuses updates: these are new rows.
    AuditEvent.objects.bulk_create(events)
    head.last_seq, head.last_hash = seq, prev_hash
    head.save(update_fields=["last_seq", "last_hash"])
