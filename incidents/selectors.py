"""Reads of incidents: the desk's list (with who reported and decided) and the CMS's view."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from incidents.models import Decision, Incident, IncidentStatus, PublicReport
from review.events import AssetMarker

# While an incident is open its `type` in the API is "report"; once decided it is the decision
# (correction, relabel, takedown, no_action).
OPEN_TYPE = "report"


def incidents_for_asset(*, asset_id: int) -> QuerySet[Incident]:
    """An asset's incidents, newest first, with the people behind them (desk pages only)."""
    return (
        Incident.objects.filter(asset_id=asset_id)
        .select_related("reported_by", "triaged_by", "decided_by", "public_report")
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
    unmatched = PublicReport.objects.filter(
        incident__isnull=True, dismissed_at__isnull=True
    ).order_by("-received_at")[:200]
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


def incident_markers(asset_ids: Collection[int]) -> dict[int, list[AssetMarker]]:
    """For the desk's lists: assets with a report waiting for a decision, or taken down with
    the CMS's removal unconfirmed (urgent once past its deadline). One query."""
    now = timezone.now()
    rows = (
        Incident.objects.filter(asset_id__in=list(asset_ids))
        .filter(
            Q(status=IncidentStatus.OPEN)
            | Q(takedown_deadline__isnull=False, takedown_confirmed_at__isnull=True)
        )
        .order_by("asset_id", "pk")
        .values_list("asset_id", "status", "takedown_deadline")
    )
    open_reports: dict[int, int] = {}
    unconfirmed: dict[int, bool] = {}  # asset -> past its deadline
    for asset_id, status, deadline in rows:
        if status == IncidentStatus.OPEN:
            open_reports[asset_id] = open_reports.get(asset_id, 0) + 1
        else:
            unconfirmed[asset_id] = unconfirmed.get(asset_id, False) or (
                deadline is not None and deadline < now
            )
    markers: dict[int, list[AssetMarker]] = {}
    for asset_id in sorted(open_reports.keys() | unconfirmed.keys()):
        url = reverse("incidents:asset_incidents", args=[asset_id])
        flags = markers.setdefault(asset_id, [])
        if asset_id in unconfirmed:
            overdue = unconfirmed[asset_id]
            flags.append(
                AssetMarker(
                    "Takedown past deadline" if overdue else "Takedown unconfirmed", url, overdue
                )
            )
        if asset_id in open_reports:
            count = open_reports[asset_id]
            flags.append(
                AssetMarker(f"{count} open incident" + ("s" if count > 1 else ""), url, True)
            )
    return markers


def time_between(start: datetime, end: datetime) -> str:
    """A duration in words a desk reads at a glance: "40 s", "12 min", "1 h 05 min"."""
    seconds = max(0, int((end - start).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@dataclass(frozen=True)
class IncidentStep:
    """One step of an incident's path, for the desk: when it happened (None: not yet), who
    took it if a desk member did, and how long after the report."""

    name: str
    at: datetime | None
    by: str = ""
    pending: str = ""  # why it has not happened yet, when it has not
    after_report: str = ""


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


def incident_steps(incident: Incident) -> list[IncidentStep]:
    """Reported, triaged, decided, CMS notified and, for a takedown, CMS confirmed. Reads the
    incident's own fields only (load `reported_by`, `triaged_by` and `decided_by` with it)."""
    steps = [
        (
            "Reported",
            incident.reported_at,
            _username(incident.reported_by) or incident.get_source_display(),
            "",
        ),
        ("Triaged", incident.triaged_at, _username(incident.triaged_by), "not triaged yet"),
        ("Decided", incident.decided_at, _username(incident.decided_by), "not decided yet"),
    ]
    if incident.status == IncidentStatus.OPEN or incident.decision != Decision.NO_ACTION:
        pending = (
            "no CMS has acknowledged the webhook yet"
            if incident.status == IncidentStatus.DECIDED
            else "after the decision"
        )
        steps.append(("CMS notified", incident.cms_notified_at, "", pending))
    if incident.decision == Decision.TAKEDOWN:
        pending = "waiting for every live publication to be withdrawn"
        steps.append(("CMS confirmed removal", incident.takedown_confirmed_at, "", pending))
    return [
        IncidentStep(
            name,
            at,
            by,
            pending,
            time_between(incident.reported_at, at) if at is not None and index else "",
        )
        for index, (name, at, by, pending) in enumerate(steps)
    ]
