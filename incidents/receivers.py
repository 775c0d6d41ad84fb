"""Incidents react to what happens below them, in the transaction that caused it: a consent
revoked or expired on a published asset opens an incident by itself."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from consent.events import consent_lapsed
from incidents.services import incident_open_for_consent_lapse
from review.models import AssetStatus


@receiver(consent_lapsed, dispatch_uid="incidents.open_on_consent_lapse")
def open_on_consent_lapse(sender: Any, lapse: Any, asset: Any, alert: Any, **kwargs: Any) -> None:
    # The alert records the status when the consent lapsed (the sign-off's receiver may have
    # sent the asset back to review since).
    if alert is not None and alert.asset_status == AssetStatus.PUBLISHED:
        incident_open_for_consent_lapse(asset_id=asset.pk, kind=lapse.kind, lapse_id=lapse.pk)
