"""Reads for legal's consent dashboard that stay fast on a desk of a million assets.

`consent.selectors.legal_dashboard` judges the consent of every asset in review, which on a big
desk is hundreds of thousands of assets read into Python on every visit. This one judges the
longest-waiting PENDING_CHECK of them (by `consent.completeness`'s rules, which stay the only
copy: no SQL version of them), counts the rest up to a cap, and reads every other section
through an index, in a fixed number of queries whatever the size of the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from consent.models import ConsentAlert, ConsentLapse, ConsentRecord, ConsentWaiver
from consent.selectors import (
    DASHBOARD_LIMIT,
    EXPIRY_WINDOW,
    PENDING_STATUSES,
    RECENT_LAPSES,
    PendingAsset,
    completeness_for_assets,
)
from review.models import Asset

# Assets in review whose consent one visit judges, longest waiting first: judging one reads its
# parties, people, waivers and records (about half a millisecond each), so as many as the
# dashboard lists of everything else.
PENDING_CHECK = DASHBOARD_LIMIT
# The count of assets in review stops here ("10,000+"): a count reads every row it counts.
PENDING_COUNT_CAP = 10_000


@dataclass(frozen=True)
class DeskDashboard:
    expiring: list[ConsentRecord]
    lapses: list[ConsentLapse]
    alerts: list[ConsentAlert]  # the oldest open ones, up to DASHBOARD_LIMIT
    alerts_more: bool  # more are open than shown
    waivers: list[ConsentWaiver]
    incomplete: list[PendingAsset]  # among the `checked` longest-waiting assets in review
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


def _longest_waiting(limit: int) -> list[Asset]:
    """The `limit` assets in review (or sent back) received longest ago: a query per status,
    each reading that status's index in order, rather than one over both statuses that would
    sort every asset in review."""
    oldest: list[Asset] = []
    for status in PENDING_STATUSES:
        oldest += (
            Asset.objects.filter(status=status)
            .select_related("uploaded_by")
            .only("created_at", "status", "original_filename", "uploaded_by__username")
            .order_by("created_at", "pk")[:limit]
        )
    oldest.sort(key=lambda asset: (asset.created_at, asset.pk))
    return oldest[:limit]


def legal_dashboard(today: date | None = None) -> DeskDashboard:
    today = today or timezone.localdate()
    until = today + EXPIRY_WINDOW
    # The first DASHBOARD_LIMIT of each list by id, then their rows with what they show: joined
    # first, the database would join every record in the window (or every party, for the
    # waivers) before keeping fifty.
    expiring_ids = (
        ConsentRecord.objects.filter(
            lapse__isnull=True,
            superseded_by__isnull=True,
            valid_until__gte=today,
            valid_until__lte=until,
        )
        .order_by("valid_until", "pk")
        .values("pk")[:DASHBOARD_LIMIT]
    )
    # Each list reads only the columns templates/consent/dashboard.html shows: a record's
    # statement text and JSON lists, read for 150 records, were a third of the page's time.
    expiring = list(
        ConsentRecord.objects.filter(pk__in=expiring_ids)
        .select_related("asset", "person")
        .only(
            "valid_until",
            "signed_name",
            "version",
            "asset__original_filename",
            "person__full_name",
        )
        .order_by("valid_until", "pk")
    )
    lapses = list(
        ConsentLapse.objects.filter(effective_at__gte=timezone.now() - RECENT_LAPSES)
        .select_related("record__asset", "recorded_by")
        .only(
            "kind",
            "effective_at",
            "how",
            "record__signed_name",
            "record__asset__original_filename",
            "recorded_by__username",
        )
        .order_by("-effective_at", "-pk")[:DASHBOARD_LIMIT]
    )
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
    waivers = list(
        ConsentWaiver.objects.filter(pk__in=newest_waivers[:DASHBOARD_LIMIT])
        .select_related("asset", "party__person", "granted_by")
        .only(
            "basis",
            "justification",
            "created_at",
            "asset__original_filename",
            "party__role",
            "party__person__full_name",
            "granted_by__username",
        )
        .order_by("-created_at", "-pk")
    )
    pending = Asset.objects.filter(status__in=PENDING_STATUSES).order_by()
    pending_total = pending.values("pk")[: PENDING_COUNT_CAP + 1].count()
    checked = _longest_waiting(PENDING_CHECK)
    verdicts = completeness_for_assets([asset.pk for asset in checked], today)
    incomplete = [
        PendingAsset(asset, verdicts[asset.pk])
        for asset in checked
        if not verdicts[asset.pk].complete
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
