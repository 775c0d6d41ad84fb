"""Sign-off reacts to changes below it, in the transaction that made them: a change to what an
approval covers re-checks it against its snapshot; a revoked or expired consent voids it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.dispatch import receiver

from consent.events import consent_lapsed
from review.events import asset_changed
from signoff.services import signoff_recheck, signoff_void


@receiver(asset_changed, dispatch_uid="signoff.recheck_on_asset_change")
def recheck_on_asset_change(
    sender: Any, asset_id: int, reason: str, actor: User | None, **kwargs: Any
) -> None:
    signoff_recheck(asset_id=asset_id, reason=reason, actor=actor)


@receiver(consent_lapsed, dispatch_uid="signoff.void_on_consent_lapse")
def void_on_consent_lapse(sender: Any, lapse: Any, asset: Any, **kwargs: Any) -> None:
    signoff_void(
        asset_id=asset.pk,
        reason=f"Consent {lapse.get_kind_display().lower()}: {lapse.record.signed_name}.",
        actor=lapse.recorded_by,
    )
