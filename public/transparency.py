"""The transparency page's figures: per month, assets labeled (by label term), reports received,
corrections, takedowns, and how long the desk took from a report to the takedown. Counts only;
nothing of a person."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.models import Decision, Incident, IncidentStatus, PublicReport
from labeling.models import Label

MONTHS = 12


@dataclass
class Month:
    start: date
    labeled: dict[str, int] = field(default_factory=dict)  # label name → assets
    reports: int = 0
    corrections: int = 0
    takedowns: int = 0
    minutes_to_takedown: list[float] = field(default_factory=list)

    @property
    def labeled_total(self) -> int:
        return sum(self.labeled.values())

    @property
    def median_minutes(self) -> float | None:
        values = self.minutes_to_takedown
        return statistics.median(values) if values else None

    @property
    def p90_minutes(self) -> float | None:
        values = sorted(self.minutes_to_takedown)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _month_starts(today: date, count: int) -> list[date]:
    starts = []
    year, month = today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def _key(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def transparency(today: date | None = None) -> list[Month]:
    """The last twelve calendar months, oldest first. Four queries."""
    today = today or timezone.localdate()
    months = {start: Month(start) for start in _month_starts(today, MONTHS)}
    first = min(months)
    since = timezone.make_aware(datetime(first.year, first.month, 1))

    # An asset counts as labeled in the month of its first label (version 1), under its name.
    # Counted by the database: a busy desk labels thousands of assets a year.
    labels = (
        Label.objects.filter(version=1, created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "name")
        .annotate(n=Count("pk"))
    )
    for label_month, name, count in labels:
        if (month := months.get(_key(label_month))) is not None:
            month.labeled[name] = month.labeled.get(name, 0) + count

    reported = (
        Incident.objects.filter(reported_at__gte=since)
        .annotate(month=TruncMonth("reported_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in reported:
        if (month := months.get(_key(row["month"]))) is not None:
            month.reports += row["n"]
    unmatched = (
        PublicReport.objects.filter(received_at__gte=since, incident__isnull=True)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in unmatched:
        if (month := months.get(_key(row["month"]))) is not None:
            month.reports += row["n"]

    decided = Incident.objects.filter(
        status=IncidentStatus.DECIDED,
        decided_at__gte=since,
        decision__in=[Decision.CORRECTION, Decision.RELABEL, Decision.TAKEDOWN],
    ).values_list("decision", "reported_at", "decided_at", "takedown_deadline")
    for decision, reported_at, decided_at, deadline in decided:
        month = months.get(_key(timezone.localtime(decided_at))) if decided_at else None
        if month is None or decided_at is None:
            continue
        if decision == Decision.TAKEDOWN:
            if deadline is None:
                continue  # a takedown of an asset already taken down took nothing down
            month.takedowns += 1
            month.minutes_to_takedown.append((decided_at - reported_at) / timedelta(minutes=1))
        else:
            month.corrections += 1
    return list(months.values())
