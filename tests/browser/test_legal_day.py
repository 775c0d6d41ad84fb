"""A lawyer's day, on a phone and at a desk (issue 14, Done when): the consent dashboard, an
asset's consent record and its PDF, then the second approval an editor's approval waits for,
given in place with the status and checklist current and focus on what happened. The page
fits the width and has no serious axe-core finding at every step."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from review.models import AssetStatus
from signoff.models import SignOff
from tests.browser.helpers import (
    fits,
    give_second_approval_in_place,
    log_in,
)
from tests.readiness import make_ready_for_signoff
from workflow import services

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_a_lawyers_day(page: Page, settings, make_asset, editor, legal, width: int):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    asset = make_ready_for_signoff(make_asset(story_ref="harbour"))
    services.asset_approve(asset_id=asset.pk, actor=editor, note="")
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, legal.username)

    page.goto("/consent/")
    fits(page, width)
    page.goto(f"/assets/{asset.pk}/consent/")
    expect(page.get_by_role("link", name="Download consent record (PDF)").first).to_be_visible()
    fits(page, width)
    response = page.request.get(f"/assets/{asset.pk}/consent.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"

    give_second_approval_in_place(page, asset.pk, width)
    signoff = SignOff.objects.get(asset=asset)
    assert signoff.cleared_at is not None and signoff.second_by == legal
    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED
