"""A reporter's day, on a phone and at a desk (issue 14, Done when): upload two batches and see
both, open the asset from the results, find its status first, comment, get it sent back by an
editor, find it under "Needs me", resubmit it. At every step the page fits the width, has no
serious axe-core finding, and changes happen in place with focus on what changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from review.models import Asset, AssetStatus
from tests.browser.helpers import (
    assert_same_document,
    fits,
    log_in,
    mark_document,
)
from tests.browser.test_review_flow import make_jpeg
from workflow import services

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_a_reporters_day(page: Page, reporter, editor, tmp_path: Path, width: int):
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, reporter.username)

    # Two batches: the second does not replace the first.
    page.goto("/assets/upload/")
    fits(page, width)
    mark_document(page)
    for name in ("harbour-fire.jpg", "council-vote.jpg"):
        page.set_input_files("#id_files", make_jpeg(tmp_path, name))
        page.get_by_label("Story reference").fill("harbour")
        page.get_by_role("button", name="Upload").click()
        expect(page.locator("#upload-history")).to_contain_text(name)
    batches = page.locator("#upload-history .upload-batch")
    expect(batches).to_have_count(2)
    expect(batches.first).to_contain_text("council-vote.jpg")  # the newest on top
    expect(batches.nth(1)).to_contain_text("harbour-fire.jpg")
    expect(batches.nth(1).locator(".status")).to_have_text("in review")  # checks finished
    assert_same_document(page)
    fits(page, width)

    # The asset page: the status before anything else.
    asset = Asset.objects.get(original_filename="harbour-fire.jpg")
    batches.nth(1).get_by_role("link", name=re.compile("harbour-fire.jpg")).click()
    status = page.locator("#workflow-title")
    expect(status).to_contain_text("In review")
    box = status.bounding_box()
    assert box is not None and box["y"] < 844
    fits(page, width)

    mark_document(page)
    page.get_by_label("Add a comment").fill("Shot from the north quay at 06:10.")
    page.get_by_role("button", name="Comment", exact=True).click()
    page.wait_for_function("() => document.activeElement.innerText === 'Comment added.'")
    assert_same_document(page)

    # An editor sends it back; the reporter finds it under "Needs me".
    services.asset_request_changes(asset_id=asset.pk, actor=editor, note="Crop the watermark.")
    page.goto("/queue/")
    page.get_by_label("Needs me").check()
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#results table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("harbour-fire.jpg")
    fits(page, width)

    # Resubmitted in place, the status follows, focus on what happened.
    rows.first.get_by_role("link", name=re.compile("harbour-fire.jpg")).click()
    expect(page.locator("#timeline")).to_contain_text("Changes requested")
    mark_document(page)
    page.get_by_role("button", name="Resubmit for review").click()
    expect(status).to_contain_text("In review")
    page.wait_for_function("() => document.activeElement.innerText === 'Resubmitted for review.'")
    assert_same_document(page)
    fits(page, width)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
