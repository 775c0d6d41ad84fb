"""The asset page as an editor works it (issue 14, items 3 and 4): the status, the checklist and
the buttons are in view without scrolling, on a phone and at a desk; labeling the asset in its
panel brings the checklist up to date without a reload; after each change, focus lands on what
changed; and the page fits 390 px with no serious axe-core finding."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import Page, expect

from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from tests.browser.helpers import (
    assert_same_document,
    log_in,
    mark_document,
    screenshot,
    serious_axe_violations,
)
from tests.factories import AssetFactory

pytestmark = pytest.mark.browser

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (90, 140, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def generated(reporter):
    asset = AssetFactory.create(
        uploaded_by=reporter,
        original_filename="generated-flood-street-with-a-very-long-name-from-the-wire.jpg",
        file=ContentFile(picture(), name="generated.jpg"),
    )
    ProvenanceReport.objects.create(
        asset=asset,
        state=ProvenanceState.NO_MANIFEST,
        xmp_digital_source_type=DST,
        library_version="test",
        trust_fingerprint="0" * 64,
    )
    return asset


def checklist_item(page: Page, title: str):
    return page.locator("#signoff li", has_text=title)


def focused_text(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.innerText : ''"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_status_and_buttons_are_in_view_and_the_page_fits(page, editor, generated, width):
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, editor.username)
    page.goto(f"/assets/{generated.pk}/")
    status = page.locator("#workflow-title")
    expect(status).to_contain_text("Status: In review")
    assert status.bounding_box()["y"] < 844  # no scrolling to find it
    expect(page.get_by_role("navigation", name="On this page")).to_be_visible()
    expect(page.locator("#labeling form").first).to_be_visible()  # the panels have loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    screenshot(page, f"asset-page-{width}.png")
    if width == 1280:
        # At a desk the status card stays in view while the panels scroll by.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        box = page.locator("#workflow .status-card").bounding_box()
        assert box is not None and 0 <= box["y"] < 100


def test_labeling_in_the_panel_brings_the_checklist_up_to_date(page, editor, generated):
    log_in(page, editor.username)
    page.goto(f"/assets/{generated.pk}/")
    labeling = page.locator("#labeling")
    expect(labeling.get_by_role("form", name="Classification")).to_be_visible()
    mark_document(page)
    label_item = checklist_item(page, "Label set where required")
    expect(label_item).to_have_class("missing")

    form = labeling.get_by_role("form", name="Classification")
    form.get_by_label("A wholly synthetic scene or soundscape").check()
    form.get_by_label("Purpose").select_option("illustration")
    form.get_by_role("button", name="Save classification").click()
    expect(labeling.get_by_role("status")).to_contain_text("Classified as")
    # Focus follows the change: it is in the panel that changed, not on <body>.
    page.wait_for_function(
        "() => document.getElementById('labeling').contains(document.activeElement)"
    )
    expect(label_item).to_contain_text("Label set where required")

    labeling.get_by_role("button", name="Set label").click()
    expect(labeling.locator(".audience-label")).to_contain_text("AI-generated")
    # The checklist (and so Approve) followed, without a reload.
    expect(checklist_item(page, "Label set where required")).to_have_class("ok")
    assert_same_document(page)


def test_a_comment_lands_with_focus_on_what_happened(page, editor, generated):
    log_in(page, editor.username)
    page.goto(f"/assets/{generated.pk}/")
    mark_document(page)
    page.get_by_label("Add a comment").fill("Ask the agency for the original.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#comments").get_by_role("status")).to_have_text("Comment added.")
    page.wait_for_function("() => document.activeElement.innerText === 'Comment added.'")
    expect(page.locator("#comments")).to_contain_text("Ask the agency for the original.")
    assert "Comment added." in focused_text(page)
    assert_same_document(page)
