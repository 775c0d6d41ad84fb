"""Reads of incidents: the desk's list (with who reported and decided) and the CMS's view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import Decision, Incident, IncidentStatus, PublicReport

# While an incident is open its `type` in the API is "report"; once decided it is the decision
# (correction, relabel, takedown, no_action).
OPEN_TYPE = "report"


def incidents_for_asset(*, asset_id: int) -> QuerySet[Incident]:
    """An asset's incidents, newest first, with the people behind them (desk pages only)."""
    return (
        Incident.objects.filter(asset_id=asset_id)
        .select_related("reported_by", "decided_by", "public_report")
        .order_by("-reported_at", "-pk")
    )


def incident_api_items(*, asset_id: int) -> list[dict[str, Any]]:
    """An asset's incidents for the CMS, newest first, with the keys of
    `integrations.api_schemas.IncidentOut`. No personal data: not who reported or decided, not
    the description or the internal note; only the audience-facing public note."""
    rows = (
        Incident.objects.filter(asset_id=asset_id)
        .order_by("-reported_at", "-pk")
        .values_list("pk", "status", "decision", "reported_at", "public_note")
    )
    return [
        {
            "id": pk,
            "type": decision or OPEN_TYPE,
            "status": status,
            "opened_at": reported_at,
            "public_note": public_note,
        }
        for pk, status, decision, reported_at, public_note in rows
    ]


@dataclass(frozen=True)
class Inbox:
    open: list[Incident]  # waiting for a decision, oldest first
    unconfirmed: list[Incident]  # takedowns the CMS has not confirmed yet, soonest deadline first
    unmatched: list[PublicReport]  # public reports that named nothing we published, newest first
    now: datetime

    @cached_property
    def overdue(self) -> list[Incident]:
        return [
            i for i in self.unconfirmed if i.takedown_deadline and i.takedown_deadline < self.now
        ]


def incident_inbox() -> Inbox:
    """The standards desk's inbox. Three queries, however many incidents."""
    opened = (
        Incident.objects.filter(status=IncidentStatus.OPEN)
        .select_related("asset", "reported_by")
        .order_by("reported_at", "pk")
    )
    unconfirmed = (
        Incident.objects.filter(
            decision=Decision.TAKEDOWN,
            takedown_deadline__isnull=False,
            takedown_confirmed_at__isnull=True,
        )
        .select_related("asset", "decided_by")
        .order_by("takedown_deadline", "pk")
    )
    unmatched = PublicReport.objects.filter(incident__isnull=True).order_by("-received_at")[:200]
    return Inbox(
        open=list(opened),
        unconfirmed=list(unconfirmed),
        unmatched=list(unmatched),
        now=timezone.now(),
    )


def overdue_takedown_count(now: datetime | None = None) -> int:
    return Incident.objects.filter(
        takedown_deadline__lt=now or timezone.now(), takedown_confirmed_at__isnull=True
    ).count()
