"""Sign-offs react to consent lapsing: a revoked or expired consent voids the approval in the
same transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from consent.events import consent_lapsed


@receiver(consent_lapsed, dispatch_uid="signoff.void_on_consent_lapse")
def void_on_consent_lapse(sender: Any, lapse: Any, asset: Any, **kwargs: Any) -> None:
    from signoff.services import signoff_void

    signoff_void(
        asset_id=asset.pk,
        reason=f"Consent {lapse.get_kind_display().lower()}: {lapse.record.signed_name}.",
        actor=lapse.recorded_by,
    )
