"""The one writer of `Asset.status`.

Every status change on the desk (checks starting and ending, the editors' workflow actions, a
sign-off voided, the CMS reporting a publication) goes through `asset_transition`: it locks the
asset's row, checks the current state (and the caller's own guard, under the same lock), writes
the new status, and records the audit event, all in one transaction. Nothing else assigns
`status`; tests/test_architecture.py keeps it that way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from review.models import Asset, AssetStatus


class IllegalTransition(Exception):
    """The asset is not in a state this change may start from (someone else acted first, or a
    worker finished the check already). `asset` is the locked, current row."""

    def __init__(self, asset: Asset, message: str) -> None:
        super().__init__(message)
        self.asset = asset


def lock_asset(asset_id: int) -> Asset:
    """The asset's row, locked until the caller's transaction ends. Two editors acting at once
    take turns here: the second sees the first one's result."""
    return (
        Asset.objects.select_for_update(of=("self",)).select_related("uploaded_by").get(pk=asset_id)
    )


def asset_transition(
    *,
    asset: Asset | int,
    to_state: str,
    from_states: Collection[str],
    actor: User | None,
    event: str,
    details: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    guard: Callable[[Asset], None] | None = None,
    audit_unchanged: bool = False,
) -> Asset:
    """Move an asset to `to_state` and return the locked row.

    `asset` is an id, or a row the caller already locked in this transaction (saves a query
    when the caller needed the lock first, for its own checks). `guard(asset)` runs under the
    lock after the state check and raises to refuse. `fields` are other columns written with
    the status (the check's findings). When the asset is already in `to_state` and
    `audit_unchanged` is set, the event is still recorded, without a state change (a second
    publication of a published asset).

    Nearly every caller is already inside a transaction that must commit or roll back with the
    change (a comment, a sign-off record, an outbox row): the transition joins it, without a
    savepoint (two round trips on every change) and without `atomic(savepoint=False)`, which
    would doom the caller's transaction on a refusal the caller may want to handle. A failure
    once the writes have begun does doom it, so a half-written change can never commit. Without
    a transaction around it, it opens its own."""
    joining = transaction.get_connection().in_atomic_block
    with contextlib.nullcontext() if joining else transaction.atomic():
        return _move(
            asset,
            to_state=to_state,
            from_states=from_states,
            actor=actor,
            event=event,
            details=details,
            fields=fields,
            guard=guard,
            audit_unchanged=audit_unchanged,
        )


def _move(
    asset: Asset | int,
    *,
    to_state: str,
    from_states: Collection[str],
    actor: User | None,
    event: str,
    details: Mapping[str, Any] | None,
    fields: Mapping[str, Any] | None,
    guard: Callable[[Asset], None] | None,
    audit_unchanged: bool,
) -> Asset:
    locked = lock_asset(asset) if isinstance(asset, int) else asset
    previous = locked.status
    unchanged = audit_unchanged and previous == to_state
    if previous not in from_states and not unchanged:
        current = AssetStatus(previous).label.lower()
        raise IllegalTransition(locked, f"This asset is {current} now.")
    if guard is not None:
        guard(locked)
    try:
        return _write(
            locked,
            previous=previous,
            unchanged=unchanged,
            to_state=to_state,
            actor=actor,
            event=event,
            details=details,
            fields=fields,
        )
    except BaseException:
        # Joined to the caller's transaction, a caller catching this could otherwise commit
        # the status without its audit event.
        transaction.set_rollback(True)
        raise


def _write(
    locked: Asset,
    *,
    previous: str,
    unchanged: bool,
    to_state: str,
    actor: User | None,
    event: str,
    details: Mapping[str, Any] | None,
    fields: Mapping[str, Any] | None,
) -> Asset:
    update_fields = ["updated_at"]
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
        update_fields.append(name)
    if not unchanged:
        locked.status = to_state
        locked.status_changed_at = timezone.now()
        update_fields += ["status", "status_changed_at"]
    if len(update_fields) > 1:
        locked.save(update_fields=update_fields)
    audit_record(
        actor=actor,
        action=event,
        obj=locked,
        from_state="" if unchanged else previous,
        to_state="" if unchanged else to_state,
        details=dict(details or {}),
    )
    return locked
