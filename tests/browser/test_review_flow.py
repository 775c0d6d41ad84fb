"""The desk's main paths, end to end in chromium: a reporter uploads, an editor approves once
the sign-off checklist is complete and cannot before, the uploader cannot approve their own
asset, the queue filters in place, the forms are labelled.

Tasks run in-process here (see tests/conftest.py), so an upload has been checked and is in
review by the time its response reaches the browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from review.access import Action
from review.models import Asset, AssetSource, AssetStatus
from tests.browser.helpers import (
    assert_same_document,
    forced_post,
    log_in,
    mark_document,
    screenshot,
    wait_for_htmx,
)
from tests.conftest import PASSWORD
from tests.factories import AssetFactory
from tests.readiness import classify_plainly_captured, record_creator_consent
from workflow.views import CONFIRMATIONS

pytestmark = pytest.mark.browser


def make_jpeg(folder: Path, name: str) -> Path:
    """A picture with something in it, so the preview in the screenshot shows an image."""
    image = Image.new("RGB", (640, 400), (40, 70, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 400), fill=(30, 110, 60))
    draw.ellipse((460, 50, 560, 150), fill=(250, 200, 60))
    draw.polygon([(120, 300), (250, 130), (380, 300)], fill=(200, 60, 40))
    path = folder / name
    image.save(path, format="JPEG", quality=85)
    return path


def status_badge(page: Page):
    return page.locator("#workflow h2 .status")


def queue_rows(page: Page):
    return page.locator("#results table.queue tbody tr")


def test_reporter_uploads_and_editor_approves_in_place(new_context, reporter, editor, tmp_path):
    # The reporter logs in through the form and uploads a picture.
    reporter_page = new_context().new_page()
    log_in(reporter_page, reporter.username)
    reporter_page.get_by_role("link", name="Upload media").click()
    expect(reporter_page.get_by_role("heading", name="Upload media")).to_be_visible()
    reporter_page.set_input_files("#id_files", make_jpeg(tmp_path, "harbour-fire.jpg"))
    expect(reporter_page.locator("#chosen-files")).to_contain_text("harbour-fire.jpg")
    reporter_page.get_by_label("Story reference").fill("harbour-blaze")
    reporter_page.get_by_role("button", name="Upload").click()

    results = reporter_page.locator(".upload-results")
    expect(results.get_by_role("heading", name="Received")).to_be_visible()
    asset = Asset.objects.get()
    link_name = f"#{asset.pk} harbour-fire.jpg"
    expect(results.get_by_role("link", name=link_name)).to_be_visible()
    assert asset.uploaded_by == reporter
    assert asset.story_ref == "harbour-blaze"
    assert asset.status == AssetStatus.IN_REVIEW  # checks ran in-process after the commit

    # ... and follows it in the queue.
    reporter_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Review queue"
    ).click()
    row = queue_rows(reporter_page).filter(has_text="harbour-fire.jpg")
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("In review")

    # The rest of the sign-off checklist, done through the services: the provenance check
    # already ran on intake; the asset is classified and its creator's consent recorded.
    classify_plainly_captured(asset)
    record_creator_consent(asset)

    # An editor opens it from the queue and approves it; only the workflow panel changes.
    editor_page = new_context().new_page()
    log_in(editor_page, editor.username)
    editor_page.get_by_role("link", name=link_name).click()
    expect(editor_page).to_have_url(re.compile(rf"/assets/{asset.pk}/$"))
    expect(status_badge(editor_page)).to_have_text("In review")
    expect(
        editor_page.get_by_role("img", name=re.compile("Preview of harbour-fire.jpg"))
    ).to_be_visible()
    expect(editor_page.locator("#signoff")).to_contain_text(
        "Everything is in place: an editor may approve."
    )
    mark_document(editor_page)
    asked: list[str] = []
    editor_page.on("dialog", lambda dialog: answer_yes(dialog, asked))
    editor_page.get_by_role("button", name="Approve", exact=True).click()

    expect(status_badge(editor_page)).to_have_text("Approved")
    expect(editor_page.locator("#workflow").get_by_role("status")).to_have_text(
        "Approved: cleared for publication."
    )
    # It asked first: approving lets the CMS publish.
    assert asked == [CONFIRMATIONS[Action.APPROVE]]
    # Focus is on what happened, not lost on <body>.
    editor_page.wait_for_function(
        "() => document.activeElement.innerText === 'Approved: cleared for publication.'"
    )
    expect(editor_page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    # In words, not the raw code "asset.approve".
    expect(editor_page.locator(".timeline")).to_contain_text(
        f"{editor.username}: Approved (In review → Approved)"
    )
    expect(editor_page.locator("#signoff")).to_contain_text(f"Approved by {editor.username}")
    expect(editor_page.locator("#signoff")).to_contain_text("Cleared for publication.")
    assert_same_document(editor_page)
    expect(editor_page).to_have_url(re.compile(rf"/assets/{asset.pk}/$"))
    screenshot(editor_page, "screenshot-asset.png")

    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED
    approval = AuditEvent.objects.for_object(asset).get(action="asset.approve")
    assert (approval.actor, approval.from_state, approval.to_state) == (
        editor,
        AssetStatus.IN_REVIEW,
        AssetStatus.APPROVED,
    )

    # The reporter sees the new status on their next look at the queue.
    reporter_page.reload()
    expect(
        queue_rows(reporter_page).filter(has_text="harbour-fire.jpg").locator(".status")
    ).to_have_text("Approved")


@pytest.mark.parametrize("uploader_persona", ["reporter", "editor"])
def test_uploader_cannot_approve_own_asset(page, request, uploader_persona):
    uploader = request.getfixturevalue(uploader_persona)
    asset = AssetFactory.create(uploaded_by=uploader, original_filename="own-shot.jpg")
    log_in(page, uploader.username)
    page.goto(f"/assets/{asset.pk}/")

    expect(status_badge(page)).to_have_text("In review")
    # The panel rendered their own actions, and Approve is not among them.
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    if uploader_persona == "editor":
        expect(page.locator("#workflow")).to_contain_text(
            "You uploaded this asset, so another editor must review it."
        )

    # Forcing the POST anyway is refused, and nothing changes.
    assert forced_post(page, f"/assets/{asset.pk}/actions/approve/") == 403
    page.reload()
    expect(status_badge(page)).to_have_text("In review")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert not AuditEvent.objects.for_object(asset).filter(action="asset.approve").exists()


def test_editor_cannot_approve_before_the_checklist_is_complete(page, reporter, editor):
    asset = AssetFactory.create(uploaded_by=reporter, original_filename="unchecked.jpg")
    log_in(page, editor.username)
    page.goto(f"/assets/{asset.pk}/")

    # Approve is there but disabled, described by the pointer to the checklist.
    approve = page.get_by_role("button", name="Approve", exact=True)
    expect(approve).to_be_disabled()
    expect(approve).to_have_accessible_description(re.compile("sign-off checklist below"))
    checklist = page.locator("#signoff")
    expect(checklist).to_contain_text("Approve is disabled")
    for missing in ["Provenance checked", "Consent complete or waived", "Label set"]:
        expect(checklist.locator("li.missing").filter(has_text=missing)).to_have_count(1)
        expect(
            checklist.locator("li.missing").filter(has_text=missing).get_by_role("link")
        ).to_have_text("Fix")

    # Forcing the POST anyway is refused with the checklist's reasons, and nothing changes.
    assert forced_post(page, f"/assets/{asset.pk}/actions/approve/") == 409
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert not AuditEvent.objects.for_object(asset).filter(action="asset.approve").exists()


def test_queue_search_narrows_results_in_place(page, reporter, editor):
    AssetFactory.create(
        uploaded_by=reporter, original_filename="harbour-fire.jpg", story_ref="harbour-blaze"
    )
    AssetFactory.create(
        uploaded_by=reporter,
        original_filename="council-vote.jpg",
        story_ref="council",
        status=AssetStatus.APPROVED,
    )
    AssetFactory.create(
        uploaded_by=reporter,
        original_filename="flood-aerial.jpg",
        story_ref="floods",
        source=AssetSource.AGENCY,
        status=AssetStatus.CHANGES_REQUESTED,
    )
    log_in(page, editor.username)
    expect(queue_rows(page)).to_have_count(3)
    screenshot(page, "screenshot-queue.png")

    mark_document(page)
    search = page.get_by_label("Search")
    search.fill("harbour")
    search.press("Enter")
    expect(queue_rows(page)).to_have_count(1)
    expect(queue_rows(page)).to_contain_text("harbour-fire.jpg")
    expect(page).to_have_url(re.compile(r"[?&]q=harbour(&|$)"))
    assert_same_document(page)
    # Enter fires the form's request twice (its search and submit triggers); let both land
    # before clicking on, or the late one overwrites the next swap.
    wait_for_htmx(page)

    # The status tabs keep the search and count under it.
    tabs = page.get_by_role("navigation", name="Filter by status")
    expect(tabs.locator("a.active")).to_contain_text("All 1")
    tabs.locator('[data-status="approved"]').click()
    expect(page.locator("#results")).to_contain_text("No assets match these filters.")
    expect(page).to_have_url(re.compile(r"q=harbour.*status=approved|status=approved.*q=harbour"))
    assert_same_document(page)

    # Back restores the previous result (a history restore gets the whole page back).
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=harbour(&|$)"))
    expect(queue_rows(page)).to_have_count(1)

    # The same URL loaded directly (a bookmark, a refresh) gives the same result.
    page.goto("/queue/?q=flood")
    expect(queue_rows(page)).to_have_count(1)
    expect(queue_rows(page)).to_contain_text("flood-aerial.jpg")
    expect(page.get_by_label("Search")).to_have_value("flood")


def test_upload_form_is_labelled_and_works_from_the_keyboard(page, reporter, tmp_path):
    # Log in with the keyboard alone: the username field has focus when the page opens.
    page.goto("/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(reporter.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

    page.goto("/assets/upload/")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll(
                "#upload-form input:not([type=hidden]), #upload-form select, "
                + "#upload-form textarea")]
            .filter((el) => el.labels.length === 0).map((el) => el.name)"""
    )
    assert unlabelled == []

    page.get_by_label("Files").set_input_files(make_jpeg(tmp_path, "storm.jpg"))
    page.get_by_label("Source").select_option(label="Agency / wire")
    page.get_by_label("Description").fill("Storm front over the bay")
    story = page.get_by_label("Story reference")
    story.fill("storm-2026")
    mark_document(page)
    story.press("Enter")  # submits the form, as a keyboard user would

    expect(
        page.locator(".upload-results").get_by_role("link", name=re.compile(r"storm\.jpg"))
    ).to_be_visible()
    assert_same_document(page)
    asset = Asset.objects.get()
    assert (asset.source, asset.story_ref, asset.description) == (
        AssetSource.AGENCY,
        "storm-2026",
        "Storm front over the bay",
    )
    # The form is ready for the next file, keeping the source and story.
    expect(page.get_by_label("Source")).to_have_value(AssetSource.AGENCY)
    expect(page.get_by_label("Story reference")).to_have_value("storm-2026")


def answer_yes(dialog, asked: list[str]) -> None:
    """A person who meant to click answers the confirmation "OK"; the question is kept."""
    asked.append(dialog.message)
    dialog.accept()
