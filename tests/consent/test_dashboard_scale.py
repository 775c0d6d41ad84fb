"""Legal's dashboard on a big desk (issue 15): `consent.desk.selectors.legal_dashboard` judges
the consent of the longest-waiting assets in review only, by the same rules as the asset page,
counts the rest up to a cap, and reads in a fixed number of queries however many assets wait.
The limits are lowered here, so that a handful of assets stands for a million."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.completeness import consent_completeness
from consent.desk import selectors as desk_selectors
from consent.desk.selectors import legal_dashboard
from consent.models import PartyRole
from consent.services import consent_revoke
from review.models import Asset, AssetStatus
from tests.consent.helpers import record_consent
from tests.consent.test_dashboard import _varied_assets, add_party

pytestmark = pytest.mark.django_db


def _aged(asset: Asset, days: int) -> Asset:
    Asset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - timedelta(days=days))
    asset.refresh_from_db()
    return asset


def test_on_a_small_desk_every_asset_in_review_is_judged_as_its_own_page_would(
    make_asset, reporter, legal
):
    _varied_assets(make_asset, reporter, legal, 8)
    make_asset(status=AssetStatus.CHANGES_REQUESTED)
    make_asset(status=AssetStatus.APPROVED)
    pending = Asset.objects.filter(
        status__in=[AssetStatus.IN_REVIEW, AssetStatus.CHANGES_REQUESTED]
    ).order_by("created_at", "pk")
    expected = [
        (asset.pk, verdict.missing)
        for asset in pending
        if not (verdict := consent_completeness(asset)).complete
    ]

    board = legal_dashboard()

    assert expected, "the desk has assets with consent missing"
    assert [(p.asset_id, p.missing) for p in board.incomplete] == expected
    assert (board.pending_total, board.pending_capped) == (pending.count(), False)
    assert board.checked == pending.count() and board.all_checked


def test_only_the_longest_waiting_are_judged(make_asset, reporter, monkeypatch):
    monkeypatch.setattr(desk_selectors, "PENDING_CHECK", 2)
    oldest = _aged(make_asset(original_filename="oldest.jpg"), 30)
    sent_back = _aged(make_asset(status=AssetStatus.CHANGES_REQUESTED), 20)
    newest = make_asset(original_filename="newest.jpg")
    complete = _aged(make_asset(), 25)
    record_consent(add_party(complete, reporter, "Cy Creator", PartyRole.CREATOR))

    board = legal_dashboard()

    # The two longest waiting (one in each pending status) are judged; the newest is not.
    assert board.checked == 2
    assert [p.asset_id for p in board.incomplete] == [oldest.pk]
    assert newest.pk not in [p.asset_id for p in board.incomplete]
    assert sent_back.pk not in [p.asset_id for p in board.incomplete]
    assert (board.pending_total, board.all_checked) == (4, False)


def test_the_page_says_when_only_the_longest_waiting_were_judged(
    make_asset, legal_client, monkeypatch
):
    monkeypatch.setattr(desk_selectors, "PENDING_CHECK", 2)
    for days in (30, 20, 10):
        _aged(make_asset(), days)
    page = legal_client.get(reverse("consent:dashboard")).content.decode()
    assert (
        "2 of the 2 longest-waiting of 3 assets in review or sent back for changes; "
        "the others are judged on their own consent pages." in page
    )


def test_the_count_in_review_stops_at_its_cap(make_asset, monkeypatch):
    monkeypatch.setattr(desk_selectors, "PENDING_COUNT_CAP", 2)
    for _ in range(3):
        make_asset()
    board = legal_dashboard()
    assert (board.pending_total, board.pending_capped, board.pending_label) == (2, True, "2+")


@pytest.mark.parametrize("n_assets", [3, 20])
def test_query_count_does_not_grow_with_assets(make_asset, reporter, legal, n_assets):
    _varied_assets(make_asset, reporter, legal, n_assets)
    # expiring, lapses, alerts, waivers; the count in review; the longest waiting per pending
    # status (two); their parties with the parties' records (one).
    with CaptureQueriesContext(connection) as captured:
        legal_dashboard()
    assert len(captured.captured_queries) == 8


def test_only_the_oldest_open_alerts_are_listed(
    make_asset, reporter, legal, legal_client, monkeypatch
):
    monkeypatch.setattr(desk_selectors, "DASHBOARD_LIMIT", 2)
    alerted = []
    for name in ("Al First", "Bo Second", "Cy Third"):
        asset = make_asset(status=AssetStatus.PUBLISHED)
        record = record_consent(add_party(asset, reporter, name, PartyRole.CREATOR))
        consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
        alerted.append(asset)

    board = legal_dashboard()

    assert [alert.asset_id for alert in board.alerts] == [a.pk for a in alerted[:2]]
    assert board.alerts_more
    page = legal_client.get(reverse("consent:dashboard")).content.decode()
    section = page[page.index('<section id="dashboard-alerts"') :]
    section = section[: section.index("</section>")]
    assert "Al First" in section and "Bo Second" in section and "Cy Third" not in section
    assert "The 2 oldest are shown; the next ones appear as these are resolved." in page
    # The hand-written field is labelled and described like the form's own.
    first = board.alerts[0]
    assert f'<label for="resolve-{first.pk}-resolution">What was done</label>' in page
    assert f'aria-describedby="resolve-{first.pk}-resolution-help"' in page
