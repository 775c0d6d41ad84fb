"""Writes for sign-off: recording an approval against the gate, the second approval, the
editor's acknowledgement of failing credentials, and voiding a sign-off when what it covered
changes."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from review.access import can_review, can_second_approve
from review.models import Asset, AssetStatus
from review.transitions import asset_transition
from signoff.events import asset_cleared, clearance_revoked
from signoff.gate import Gate, load_state, snapshot, snapshot_hash
from signoff.models import ProvenanceAcknowledgement, SignOff

# Statuses in which an asset carries a sign-off in force.
SIGNED_OFF = (AssetStatus.APPROVED, AssetStatus.PUBLISHED)


class SignOffError(Exception):
    """A sign-off action that cannot be done; the message is shown as is."""


def signoff_record(*, asset: Asset, actor: User, gate: Gate, note: str = "") -> SignOff:
    """Inside the approve transition's transaction (the asset row is locked)."""
    now = timezone.now()
    signoff = SignOff.objects.create(
        asset=asset,
        approved_by=actor,
        note=note,
        snapshot=gate.snapshot,
        content_hash=snapshot_hash(gate.snapshot),
        requires_second=bool(gate.second_approval),
        second_reason=gate.second_approval,
        cleared_at=None if gate.second_approval else now,
    )
    audit_record(
        actor=actor,
        action="signoff.recorded",
        obj=asset,
        details={
            "signoff_id": signoff.pk,
            "content_hash": signoff.content_hash,
            "snapshot": gate.snapshot,
            "second_approval": gate.second_approval,
        },
    )
    if signoff.cleared_at is not None:
        asset_cleared.send(sender=SignOff, asset=asset, signoff=signoff, reason="approved")
    return signoff


def active_signoff(asset: Asset) -> SignOff | None:
    return SignOff.objects.filter(asset=asset, voided_at__isnull=True).first()


def signoff_second_approve(*, asset_id: int, actor: User, note: str = "") -> SignOff:
    if not can_second_approve(actor):
        raise SignOffError("Only legal or standards editors give the second approval.")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        signoff = active_signoff(asset)
        if signoff is None or asset.status not in SIGNED_OFF:
            raise SignOffError("This asset has no approval waiting for a second approval.")
        if not signoff.requires_second or signoff.second_by_id is not None:
            raise SignOffError("This approval needs no (further) second approval.")
        if signoff.approved_by_id == actor.pk or asset.uploaded_by_id == actor.pk:
            raise SignOffError("The second approval must come from someone else.")
        if snapshot_hash(snapshot(asset, load_state(asset))) != signoff.content_hash:
            raise SignOffError("The asset changed since it was approved; it must be re-approved.")
        now = timezone.now()
        SignOff.objects.filter(pk=signoff.pk).update(second_by=actor, second_at=now, cleared_at=now)
        signoff.refresh_from_db()
        audit_record(
            actor=actor,
            action="signoff.second_approved",
            obj=asset,
            details={"signoff_id": signoff.pk, "note": note.strip()},
        )
        asset_cleared.send(sender=SignOff, asset=asset, signoff=signoff, reason="second_approval")
    return signoff


def _void(asset: Asset, signoff: SignOff, *, reason: str, actor: User | None) -> None:
    """`asset` is locked by the caller. An approved or published asset goes back to review; one
    that already left (withdrawn, rejected) keeps its status and the void is only recorded."""
    SignOff.objects.filter(pk=signoff.pk).update(voided_at=timezone.now(), void_reason=reason)
    signoff.refresh_from_db()
    details = {"signoff_id": signoff.pk, "reason": reason}
    if asset.status in SIGNED_OFF:
        asset_transition(
            asset=asset,
            to_state=AssetStatus.IN_REVIEW,
            from_states=SIGNED_OFF,
            actor=actor,
            event="signoff.voided",
            details=details,
        )
    else:
        audit_record(actor=actor, action="signoff.voided", obj=asset, details=details)
    if signoff.cleared_at is not None:
        clearance_revoked.send(sender=SignOff, asset=asset, signoff=signoff, reason=reason)


# Both open their own transaction so that the void, the asset's return to review, the audit
# entry and the outbox event commit together even for a caller with none (a shell, a command).
# Inside a caller's transaction, which is the usual case (the change and the recheck must
# commit together too), savepoint=False joins it: a failure here fails the whole change anyway,
# and a savepoint would add two round trips to every change of every asset.


def signoff_recheck(*, asset_id: int, reason: str, actor: User | None = None) -> bool:
    """Call inside the transaction of any change to what a sign-off covers: if the asset's
    state no longer matches the approved snapshot, the sign-off is voided and the asset goes
    back to review. Returns whether it voided one."""
    with transaction.atomic(savepoint=False):
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        signoff = active_signoff(asset)
        if signoff is None:
            return False
        current = snapshot_hash(snapshot(asset, load_state(asset)))
        if current == signoff.content_hash:
            return False
        _void(asset, signoff, reason=reason, actor=actor)
        return True


def signoff_void(*, asset_id: int, reason: str, actor: User | None = None) -> bool:
    """Void the sign-off in force whatever changed (a consent revoked, a takedown)."""
    with transaction.atomic(savepoint=False):
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        signoff = active_signoff(asset)
        if signoff is None:
            return False
        _void(asset, signoff, reason=reason, actor=actor)
        return True


def provenance_acknowledge(*, asset_id: int, actor: User, note: str) -> ProvenanceAcknowledgement:
    note = note.strip()
    if not can_review(actor):
        raise SignOffError("Only an editor can acknowledge failing credentials.")
    if len(note) < 10:
        raise SignOffError("Say why the asset may go ahead despite its credentials (a sentence).")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        report = asset.provenance_reports.order_by("-created_at", "-pk").first()
        if report is None:
            raise SignOffError("There is no provenance report to acknowledge yet.")
        ack = ProvenanceAcknowledgement.objects.create(
            report=report, asset=asset, by=actor, note=note
        )
        audit_record(
            actor=actor,
            action="signoff.provenance_acknowledged",
            obj=asset,
            details={"report_id": report.pk, "state": report.state, "note": note},
        )
    return ack
