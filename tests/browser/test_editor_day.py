"""An editor's day, on a phone and at a desk (issue 14, Done when): find the upload under
"Needs me", label it in its panel (the checklist follows without a reload), approve it after
the confirmation, with focus on what happened. The page fits the width and has no serious
axe-core finding at every step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from review.access import Action
from review.models import AssetStatus
from tests.browser.helpers import (
    assert_same_document,
    fits,
    log_in,
    mark_document,
    wait_for_htmx,
)
from tests.browser.test_asset_page import generated  # noqa: F401  (a fixture, used below)
from tests.labeling.conftest import signing_keys  # noqa: F401  (a fixture, used below)
from tests.readiness import record_creator_consent
from workflow.views import CONFIRMATIONS

pytestmark = pytest.mark.browser


def say_yes(dialog, asked: list[str]) -> None:
    asked.append(dialog.message)
    dialog.accept()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_editors_day(page: Page, editor, generated, signing_keys, width: int):  # noqa: F811
    record_creator_consent(generated)
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, editor.username)

    page.goto("/queue/?needs=on")
    rows = page.locator("#results table.queue tbody tr")
    expect(rows.filter(has_text=generated.original_filename)).to_have_count(1)
    fits(page, width)
    rows.filter(has_text=generated.original_filename).get_by_role(
        "link", name=re.compile(re.escape(generated.original_filename))
    ).click()

    labeling = page.locator("#labeling")
    expect(labeling.get_by_role("form", name="Classification")).to_be_visible()
    fits(page, width)
    mark_document(page)
    label_item = page.locator("#signoff li", has_text="Label set where required")
    expect(label_item).to_have_class("missing")
    approve = page.get_by_role("button", name="Approve", exact=True)
    expect(approve).to_be_disabled()

    form = labeling.get_by_role("form", name="Classification")
    form.get_by_label("A wholly synthetic scene or soundscape").check()
    form.get_by_label("Purpose").select_option("illustration")
    form.get_by_role("button", name="Save classification").click()
    expect(labeling.get_by_role("status")).to_contain_text("Classified as")
    wait_for_htmx(page)
    labeling.get_by_role("button", name="Set label").click()
    expect(label_item).to_have_class("ok")  # the checklist followed, no reload
    wait_for_htmx(page)
    labeling.get_by_role("button", name="Make the signed rendition").click()
    expect(labeling.locator("figure.audience-preview")).to_be_visible(timeout=20_000)
    expect(page.locator("#signoff li.missing")).to_have_count(0)
    expect(approve).to_be_enabled()
    assert_same_document(page)
    fits(page, width)

    asked: list[str] = []
    page.on("dialog", lambda dialog: say_yes(dialog, asked))
    approve.click()
    expect(page.locator("#workflow-title")).to_contain_text("Approved")
    page.wait_for_function("() => document.activeElement.innerText.startsWith('Approved')")
    assert asked == [CONFIRMATIONS[Action.APPROVE]]
    assert_same_document(page)
    fits(page, width)
    generated.refresh_from_db()
    assert generated.status == AssetStatus.APPROVED
