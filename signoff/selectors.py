"""What the asset page shows about sign-off: the gate's checklist for this user, and the
sign-off in force."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from review.access import Readiness
from review.models import Asset, AssetStatus
from signoff.gate import Gate, signoff_gate
from signoff.models import SignOff

CHECKLIST_STATUSES = (AssetStatus.IN_REVIEW, AssetStatus.CHANGES_REQUESTED)


@dataclass(frozen=True)
class SignOffPanel:
    gate: Gate | None
    signoff: SignOff | None
    needs_acknowledgement: bool


def signoff_panel(asset: Asset, user: User | AnonymousUser) -> SignOffPanel:
    signoff = (
        SignOff.objects.filter(asset=asset, voided_at__isnull=True)
        .select_related("approved_by", "second_by")
        .first()
    )
    gate = signoff_gate(asset, user) if asset.status in CHECKLIST_STATUSES else None
    needs_ack = gate is not None and any(
        item.key == "provenance" and not item.ok and "acknowledge" in item.detail
        for item in gate.items
    )
    return SignOffPanel(gate=gate, signoff=signoff, needs_acknowledgement=needs_ack)


def readiness_of(*, gate: Gate | None, signoff: SignOff | None) -> Readiness:
    """What the access layer needs from sign-off to decide Approve (`gate`, computed for the
    acting user) and Mark as published (`signoff`, the one in force). Either may be None when
    the caller decides only the other action."""
    if gate is None:
        gate_reasons: tuple[str, ...] = ("Sign-off checklist: only for assets in review.",)
    else:
        gate_reasons = tuple(gate.reasons)
    if signoff is None:
        publish_problem = "This asset has no sign-off in force."
    elif signoff.cleared_at is None:
        publish_problem = f"Waiting for the second approval: {signoff.second_reason}"
    else:
        publish_problem = ""
    return Readiness(gate_reasons=gate_reasons, publish_problem=publish_problem)
