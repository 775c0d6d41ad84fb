"""Reads for legal's consent dashboard that stay fast on a desk of a million assets.

`consent.selectors.legal_dashboard` judges the consent of every asset in review, which on a big
desk is hundreds of thousands of assets read into Python on every visit. This one judges the
longest-waiting PENDING_CHECK of them (by `consent.completeness`'s rules, which stay the only
copy: no SQL version of them), counts the rest up to a cap, and reads every other section
through an index, in a fixed number of queries whatever the size of the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from consent.models import (
    ConsentAlert,
    ConsentLapse,
    ConsentRecord,
    ConsentWaiver,
    LapseKind,
    PartyRole,
    WaiverBasis,
    party_description,
)
from consent.selectors import (
    DASHBOARD_LIMIT,
    EXPIRY_WINDOW,
    PENDING_STATUSES,
    RECENT_LAPSES,
    completeness_for_assets,
)
from review.models import Asset

# Assets in review whose consent one visit judges, longest waiting first: judging one reads its
# parties, people, waivers and records (about half a millisecond each), so as many as the
# dashboard lists of everything else.
PENDING_CHECK = DASHBOARD_LIMIT
# The count of assets in review stops here ("10,000+"): a count reads every row it counts.
PENDING_COUNT_CAP = 10_000


# The lists are read as rows of values, not model instances, and worded here rather than in
# the template: loading 1,150 instances took a third of the page's time (13 ms of 55), and each
# `|date` filter costs several times a strftime (cProfile of bench/million.py's dashboard).


def desk_minute(moment: datetime) -> str:
    """A time as the desk reads it: in its time zone, to the minute (as `|date:"Y-m-d H:i"`)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ExpiringRow:
    pk: int  # the consent record's
    ends: str  # ISO date
    who: str  # who signed, and for whom when that was someone else (a guardian)
    asset_id: int
    filename: str
    version: int


@dataclass(frozen=True)
class LapseRow:
    pk: int
    when: str
    what: str  # revoked or expired, and how
    who: str  # who had signed
    asset_id: int
    filename: str
    recorded_by: str


@dataclass(frozen=True)
class WaiverRow:
    pk: int
    asset_id: int
    filename: str
    party: str  # as Party's own str(): the name (or "Unidentified person") and the role
    basis: str
    justification: str
    granted_by: str
    when: str
    when_iso: str


@dataclass(frozen=True)
class PendingRow:
    """An asset in review whose consent is incomplete, with what is missing."""

    asset_id: int
    filename: str
    reporter: str
    status: str
    missing: list[str]


@dataclass(frozen=True)
class DeskDashboard:
    expiring: list[ExpiringRow]
    lapses: list[LapseRow]
    alerts: list[ConsentAlert]  # the oldest open ones, up to DASHBOARD_LIMIT
    alerts_more: bool  # more are open than shown
    waivers: list[WaiverRow]
    incomplete: list[PendingRow]  # among the `checked` longest-waiting assets in review
    checked: int
    pending_total: int  # assets in review or sent back, up to PENDING_COUNT_CAP
    pending_capped: bool  # there are more than pending_total
    until: date

    @property
    def pending_label(self) -> str:
        return f"{self.pending_total:,}+" if self.pending_capped else f"{self.pending_total:,}"

    @property
    def all_checked(self) -> bool:
        return not self.pending_capped and self.checked == self.pending_total


def _longest_waiting(limit: int) -> list[tuple[int, datetime, str, str, str]]:
    """The `limit` assets in review (or sent back) received longest ago, as (id, received,
    status, file name, reporter): a query per status, each reading that status's index in
    order, rather than one over both statuses that would sort every asset in review."""
    oldest: list[tuple[int, datetime, str, str, str]] = []
    for status in PENDING_STATUSES:
        oldest += (
            Asset.objects.filter(status=status)
            .order_by("created_at", "pk")
            .values_list(
                "pk", "created_at", "status", "original_filename", "uploaded_by__username"
            )[:limit]
        )
    oldest.sort(key=lambda row: (row[1], row[0]))
    return oldest[:limit]


def legal_dashboard(today: date | None = None) -> DeskDashboard:
    today = today or timezone.localdate()
    until = today + EXPIRY_WINDOW
    # The first DASHBOARD_LIMIT of each list by id, then their rows with what they show: joined
    # first, the database would join every record in the window (or every party, for the
    # waivers) before keeping fifty.
    expiring_ids = (
        ConsentRecord.objects.standing()
        .filter(
            valid_until__gte=today,
            valid_until__lte=until,
        )
        .order_by("valid_until", "pk")
        .values("pk")[:DASHBOARD_LIMIT]
    )
    # Each list reads only the columns templates/consent/dashboard.html shows: a record's
    # statement text and JSON lists, read for 150 records, were a third of the page's time.
    expiring = [
        ExpiringRow(
            pk=pk,
            ends=ends.isoformat(),
            who=signed if not person or person == signed else f"{signed} (for {person})",
            asset_id=asset_id,
            filename=filename,
            version=version,
        )
        for pk, ends, signed, person, asset_id, filename, version in (
            ConsentRecord.objects.filter(pk__in=expiring_ids)
            .order_by("valid_until", "pk")
            .values_list(
                "pk",
                "valid_until",
                "signed_name",
                "person__full_name",
                "asset_id",
                "asset__original_filename",
                "version",
            )
        )
    ]
    kinds = dict(LapseKind.choices)
    lapses = [
        LapseRow(
            pk=pk,
            when=desk_minute(effective_at),
            what=f"{kinds.get(kind, kind)} ({how})" if how else kinds.get(kind, kind),
            who=signed,
            asset_id=asset_id,
            filename=filename,
            recorded_by=recorded_by or "system (end of term)",
        )
        for pk, effective_at, kind, how, signed, asset_id, filename, recorded_by in (
            ConsentLapse.objects.filter(effective_at__gte=timezone.now() - RECENT_LAPSES)
            .order_by("-effective_at", "-pk")
            .values_list(
                "pk",
                "effective_at",
                "kind",
                "how",
                "record__signed_name",
                "record__asset_id",
                "record__asset__original_filename",
                "recorded_by__username",
            )[:DASHBOARD_LIMIT]
        )
    ]
    # One more than shown says whether there are more, without counting them all.
    alerts = list(
        ConsentAlert.objects.filter(resolved_at__isnull=True)
        .select_related("lapse__record")
        .only(
            "asset_id",
            "asset_status",
            "created_at",
            "resolved_at",
            "lapse__kind",
            "lapse__effective_at",
            "lapse__record__signed_name",
        )
        .order_by("created_at", "pk")[: DASHBOARD_LIMIT + 1]
    )
    newest_waivers = ConsentWaiver.objects.order_by("-created_at", "-pk").values("pk")
    roles, bases = dict(PartyRole.choices), dict(WaiverBasis.choices)
    waivers = [
        WaiverRow(
            pk=pk,
            asset_id=asset_id,
            filename=filename,
            party=party_description(person, roles.get(role, role)),
            basis=bases.get(basis, basis),
            justification=justification,
            granted_by=granted_by,
            when=desk_minute(created_at),
            when_iso=timezone.localtime(created_at).isoformat(),
        )
        for (
            pk,
            asset_id,
            filename,
            role,
            person,
            basis,
            justification,
            granted_by,
            created_at,
        ) in ConsentWaiver.objects.filter(pk__in=newest_waivers[:DASHBOARD_LIMIT])
        .order_by("-created_at", "-pk")
        .values_list(
            "pk",
            "asset_id",
            "asset__original_filename",
            "party__role",
            "party__person__full_name",
            "basis",
            "justification",
            "granted_by__username",
            "created_at",
        )
    ]
    pending = Asset.objects.filter(status__in=PENDING_STATUSES).order_by()
    pending_total = pending.values("pk")[: PENDING_COUNT_CAP + 1].count()
    checked = _longest_waiting(PENDING_CHECK)
    verdicts = completeness_for_assets([pk for pk, *_ in checked], today)
    incomplete = [
        PendingRow(pk, filename, reporter, status, verdicts[pk].missing)
        for pk, _, status, filename, reporter in checked
        if not verdicts[pk].complete
    ]
    return DeskDashboard(
        expiring=expiring,
        lapses=lapses,
        alerts=alerts[:DASHBOARD_LIMIT],
        alerts_more=len(alerts) > DASHBOARD_LIMIT,
        waivers=waivers,
        incomplete=incomplete,
        checked=len(checked),
        pending_total=min(pending_total, PENDING_COUNT_CAP),
        pending_capped=pending_total > PENDING_COUNT_CAP,
        until=until,
    )
