"""The domain's events, turned into outbox events for the CMS. Each receiver runs inside the
transaction that sent the signal, so the outbox row commits or rolls back with the change;
what each event carries (and when it is worth sending) is decided in integrations.outbox."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from consent.events import consent_lapsed
from incidents.events import incident_decided
from incidents.models import Decision
from integrations import outbox
from integrations.publications import takedown_confirm_if_nothing_live
from labeling.events import label_changed
from signoff.events import asset_cleared, clearance_revoked


@receiver(asset_cleared, dispatch_uid="integrations.asset_cleared")
def on_asset_cleared(sender: Any, asset: Any, signoff: Any, reason: str, **kwargs: Any) -> None:
    outbox.emit_asset_cleared(asset=asset, signoff=signoff, reason=reason)


@receiver(clearance_revoked, dispatch_uid="integrations.clearance_revoked")
def on_clearance_revoked(sender: Any, asset: Any, signoff: Any, reason: str, **kwargs: Any) -> None:
    outbox.emit_clearance_revoked(asset=asset, signoff=signoff, reason=reason)


@receiver(consent_lapsed, dispatch_uid="integrations.consent_lapsed")
def on_consent_lapsed(sender: Any, lapse: Any, asset: Any, alert: Any, **kwargs: Any) -> None:
    outbox.emit_consent_revoked(asset=asset, lapse=lapse, alert=alert)


@receiver(label_changed, dispatch_uid="integrations.label_changed")
def on_label_changed(sender: Any, asset: Any, label: Any, **kwargs: Any) -> None:
    outbox.emit_label_changed(asset=asset, label=label)


@receiver(incident_decided, dispatch_uid="integrations.incident_decided")
def on_incident_decided(sender: Any, incident: Any, decided_at: Any, **kwargs: Any) -> None:
    outbox.emit_incident_decided(incident=incident, decided_at=decided_at)
    if incident.decision == Decision.TAKEDOWN:
        # Nothing live in any CMS: the takedown is done as far as the newsroom can know.
        takedown_confirm_if_nothing_live(incident.asset, how="No publication was live.")
