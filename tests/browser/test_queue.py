"""The review queue in chromium (issue 14, item 7): at desk and phone width it fits the screen
and axe finds nothing serious; the filters compose (a new source keeps the status tab); a
column header sorts; an editor sends several assets back with one note."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from review.models import Asset, AssetSource, AssetStatus
from tests.browser.helpers import (
    assert_same_document,
    log_in,
    mark_document,
    screenshot,
    serious_axe_violations,
    wait_for_htmx,
)
from tests.factories import AssetFactory
from tests.readiness import make_ready_for_signoff

pytestmark = pytest.mark.browser


def rows(page: Page):
    return page.locator("#results table.queue tbody tr")


@pytest.fixture
def desk(reporter):
    made = {
        "ready": make_ready_for_signoff(
            AssetFactory.create(
                uploaded_by=reporter,
                original_filename="harbour-fire-with-a-rather-long-file-name-from-the-agency.jpg",
                story_ref="2026/harbour-blaze-night-two-follow-up",
            )
        ),
        "bare": AssetFactory.create(
            uploaded_by=reporter, original_filename="council-vote.jpg", story_ref="council"
        ),
        "agency_approved": AssetFactory.create(
            uploaded_by=reporter,
            original_filename="wire-flood.jpg",
            story_ref="floods",
            source=AssetSource.AGENCY,
            status=AssetStatus.APPROVED,
        ),
        "staff_approved": AssetFactory.create(
            uploaded_by=reporter,
            original_filename="staff-portrait.jpg",
            story_ref="almanac",
            status=AssetStatus.APPROVED,
        ),
    }
    return made


@pytest.mark.parametrize("width", [1280, 390])
def test_queue_fits_the_screen_and_passes_axe(page, editor, desk, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, editor.username)
    expect(rows(page)).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    # The readiness of each row is there at both widths.
    ready_row = rows(page).filter(has_text="harbour-fire")
    expect(ready_row).to_contain_text("Ready")
    expect(ready_row).to_contain_text("Complete")
    screenshot(page, f"screenshot-queue-{width}.png")


def test_filters_compose_and_columns_sort(page, editor, desk):
    log_in(page, editor.username)
    mark_document(page)
    tabs = page.get_by_role("navigation", name="Filter by status")
    tabs.locator('[data-status="approved"]').click()
    expect(rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"status=approved"))
    wait_for_htmx(page)

    # A new source keeps the status tab (it used to reset it).
    page.get_by_label("Source").select_option(label="Agency / wire")
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text("wire-flood.jpg")
    expect(page).to_have_url(re.compile(r"(?=.*status=approved)(?=.*source=agency)"))
    expect(tabs.locator("a.active")).to_contain_text("Approved")
    wait_for_htmx(page)

    # Back to every source and status; sort by story, then the other way round.
    page.get_by_label("Source").select_option(label="Any source")
    wait_for_htmx(page)
    tabs.get_by_role("link", name=re.compile(r"^All")).click()
    expect(rows(page)).to_have_count(4)
    wait_for_htmx(page)
    page.locator("table.queue thead").get_by_role("link", name="Story").click()
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Story")
    expect(rows(page).first).to_contain_text("harbour-fire")  # "2026/..." sorts first
    expect(page).to_have_url(re.compile(r"sort=story"))
    wait_for_htmx(page)
    page.locator("table.queue thead").get_by_role("link", name=re.compile("Story")).click()
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Story")
    expect(rows(page).first).to_contain_text("wire-flood.jpg")  # "floods" is last
    assert_same_document(page)
    wait_for_htmx(page)

    # A filter chosen now keeps the order.
    page.get_by_label("Search").fill("o")
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(r"(?=.*sort=-story)(?=.*q=o)"))

    # The same address loaded directly gives the same list (no JavaScript state).
    page.goto("/queue/?status=approved&source=agency")
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_label("Source")).to_have_value("agency")


def test_editor_sends_several_assets_back_with_one_note(page, editor, desk):
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(page, editor.username)
    page.goto("/queue/?status=in_review")
    expect(rows(page)).to_have_count(2)
    mark_document(page)
    for row in (rows(page).nth(0), rows(page).nth(1)):
        row.get_by_role("checkbox").check()
    page.get_by_label("Note for the uploader").fill("Add the photographer's name.")
    page.get_by_role("button", name="Request changes").click()

    report = page.locator(".bulk-report")
    expect(report.locator("li.done")).to_have_count(2)
    expect(report).to_contain_text("Sent back for changes")
    assert_same_document(page)
    expect(page).to_have_url(re.compile(r"status=in_review"))
    expect(rows(page)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_axe_violations(page) == []
    assert set(
        Asset.objects.filter(pk__in=[desk["ready"].pk, desk["bare"].pk]).values_list(
            "status", flat=True
        )
    ) == {AssetStatus.CHANGES_REQUESTED}
