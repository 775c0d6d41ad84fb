"""Provenance in the browser: every corpus file, uploaded one by one, shows the reference
reader's state with its explanation; a signed file turns from valid to trusted when a standards
editor uploads its root on the trust page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from provenance.explanations import explain_state
from review.models import Asset
from tests.browser.helpers import log_in, screenshot
from tests.provenance.media import make_signer, signed_jpeg
from tests.provenance.test_corpus import CORPUS, ROWS

pytestmark = pytest.mark.browser


def submit_upload(page: Page, path: Path) -> None:
    page.goto("/assets/upload/")
    page.set_input_files("#id_files", str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".upload-results h2")).to_be_visible()


def upload_one(page: Page, path: Path) -> Asset:
    submit_upload(page, path)
    expect(page.locator(".upload-results").get_by_role("heading", name="Received")).to_be_visible()
    return Asset.objects.filter(original_filename=path.name).latest("pk")


@pytest.mark.skipif(not ROWS, reason="no C2PA corpus here (set C2PA_CORPUS); CI fails instead")
def test_every_corpus_file_uploaded_in_the_browser_shows_its_state_and_explanation(
    new_context, reporter, editor
):
    reporter_page = new_context().new_page()
    log_in(reporter_page, reporter.username)
    editor_page = new_context().new_page()
    log_in(editor_page, editor.username)

    shown = 0
    for relative, state in ROWS:
        path = CORPUS / relative
        submit_upload(reporter_page, path)
        results = reporter_page.locator(".upload-results")
        if results.get_by_role("heading", name="Not uploaded").count():
            # The desk takes images, video and audio only (the corpus has a PDF): it says so.
            expect(results).to_contain_text("not an image, video or audio")
            continue
        asset = Asset.objects.filter(original_filename=path.name).latest("pk")
        editor_page.goto(f"/assets/{asset.pk}/")
        panel = editor_page.locator("#provenance")
        explanation = explain_state(state)
        expect(panel.locator(".prov-state")).to_have_attribute("data-state", state)
        expect(panel.locator(".prov-state")).to_have_text(explanation.title)
        expect(panel).to_contain_text(explanation.text)
        expect(panel).to_contain_text(explanation.hint)
        shown += 1
        if relative == "C.jpg":
            screenshot(editor_page, "screenshot-provenance-valid.png")
    assert shown >= len(ROWS) - 1  # all but the PDF


def test_signed_file_turns_trusted_when_its_root_is_uploaded(
    new_context, reporter, editor, standards, tmp_path
):
    signer = make_signer(organisation="Browser Test Wire")
    signed = tmp_path / "wire-photo.jpg"
    signed.write_bytes(signed_jpeg(signer, source_type="trainedAlgorithmicMedia"))
    root = tmp_path / "wire-root.pem"
    root.write_text(signer.certs.root_pem)

    reporter_page = new_context().new_page()
    log_in(reporter_page, reporter.username)
    asset = upload_one(reporter_page, signed)

    editor_page = new_context().new_page()
    log_in(editor_page, editor.username)
    editor_page.goto(f"/assets/{asset.pk}/")
    state = editor_page.locator("#provenance .prov-state")
    expect(state).to_have_attribute("data-state", "valid")
    expect(editor_page.locator("#provenance")).to_contain_text("Browser Test Wire")
    expect(editor_page.locator("#provenance")).to_contain_text("generative AI")
    # Editors do not manage trust.
    expect(editor_page.get_by_role("link", name="Trust lists")).to_have_count(0)

    standards_page = new_context().new_page()
    log_in(standards_page, standards.username)
    standards_page.get_by_role("link", name="Trust lists").click()
    standards_page.get_by_label("Kind").select_option("anchors")
    standards_page.get_by_label("Name").fill("Browser Test Wire root")
    standards_page.get_by_label("PEM bundle").set_input_files(str(root))
    standards_page.get_by_role("button", name="Upload and re-check").click()
    expect(standards_page.locator(".messages, [role=status]").first).to_contain_text(
        "Re-checking 1 asset in review"
    )
    expect(standards_page.locator(".recheck").first).to_contain_text("1/1")

    editor_page.reload()
    expect(state).to_have_attribute("data-state", "trusted")
    screenshot(editor_page, "screenshot-provenance-trusted.png")
