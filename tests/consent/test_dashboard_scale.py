"""Legal's dashboard on a big desk (issue 15): `consent.desk.selectors.legal_dashboard` judges
the consent of the longest-waiting assets in review only, by the same rules as the asset page,
counts the rest up to a cap, and reads in a fixed number of queries however many assets wait.
The limits are lowered here, so that a handful of assets stands for a million."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.completeness import consent_completeness
from consent.desk import selectors as desk_selectors
from consent.desk.selectors import legal_dashboard
from consent.models import PartyRole
from consent.selectors import legal_dashboard as whole_dashboard
from review.models import Asset, AssetStatus
from tests.consent.helpers import record_consent
from tests.consent.test_dashboard import _varied_assets, add_party

pytestmark = pytest.mark.django_db


def _aged(asset: Asset, days: int) -> Asset:
    Asset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - timedelta(days=days))
    asset.refresh_from_db()
    return asset


def test_it_agrees_with_the_whole_dashboard_on_a_small_desk(make_asset, reporter, legal):
    _varied_assets(make_asset, reporter, legal, 8)
    make_asset(status=AssetStatus.CHANGES_REQUESTED)
    make_asset(status=AssetStatus.APPROVED)

    fast, whole = legal_dashboard(), whole_dashboard()

    assert [p.asset.pk for p in fast.incomplete] == [p.asset.pk for p in whole.incomplete]
    assert [p.completeness.missing for p in fast.incomplete] == [
        p.completeness.missing for p in whole.incomplete
    ]
    assert (fast.pending_total, fast.pending_capped) == (whole.pending_total, False)
    assert fast.all_checked
    for name in ("expiring", "lapses", "alerts", "waivers"):
        assert getattr(fast, name) == getattr(whole, name)
    for item in fast.incomplete:
        assert item.completeness.missing == consent_completeness(item.asset).missing


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
    assert [p.asset.pk for p in board.incomplete] == [oldest.pk]
    assert newest.pk not in [p.asset.pk for p in board.incomplete]
    assert sent_back.pk not in [p.asset.pk for p in board.incomplete]
    assert (board.pending_total, board.all_checked) == (4, False)


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
    # status (two); their ids, parties and the parties' records.
    with CaptureQueriesContext(connection) as captured:
        legal_dashboard()
    assert len(captured.captured_queries) == 10
