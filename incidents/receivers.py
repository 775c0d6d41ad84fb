"""Incidents react to what happens below them, in the transaction that caused it: a consent
revoked or expired on a published asset opens an incident by itself. And they flag their
assets in the desk's lists (an open report, a takedown the CMS has not confirmed)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from consent.events import consent_lapsed
from incidents.selectors import incident_markers
from incidents.services import incident_open_for_consent_lapse
from review.events import AssetMarker, asset_markers_wanted
from review.models import AssetStatus


@receiver(consent_lapsed, dispatch_uid="incidents.open_on_consent_lapse")
def open_on_consent_lapse(sender: Any, lapse: Any, asset: Any, alert: Any, **kwargs: Any) -> None:
    # The alert records the status when the consent lapsed (the sign-off's receiver may have
    # sent the asset back to review since).
    if alert is not None and alert.asset_status == AssetStatus.PUBLISHED:
        incident_open_for_consent_lapse(asset_id=asset.pk, kind=lapse.kind, lapse_id=lapse.pk)


@receiver(asset_markers_wanted, dispatch_uid="incidents.markers")
def markers(sender: Any, asset_ids: Any, **kwargs: Any) -> dict[int, list[AssetMarker]]:
    return incident_markers(asset_ids)
