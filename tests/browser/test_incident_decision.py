"""A standards editor deciding an incident is asked first (issue 14, item 8: decisions that
publish a notice and reach the CMS had no confirmation). Cancelling sends nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from incidents.models import Incident, IncidentStatus
from review.models import AssetStatus
from tests.browser.helpers import log_in
from tests.incidents.helpers import report_mislabeled

pytestmark = pytest.mark.browser


def test_a_decision_is_confirmed_before_it_is_sent(page, make_asset, editor, standards):
    asset = make_asset(status=AssetStatus.PUBLISHED)
    incident = report_mislabeled(asset, editor)
    log_in(page, standards.username)
    page.goto(f"/assets/{asset.pk}/incidents/")
    form = page.locator("form.decide-form")
    form.get_by_label("No action").check()
    form.get_by_label("Internal note").fill("The label is right; the reader misread it.")

    asked: list[str] = []
    page.once("dialog", lambda dialog: answer_cancel(dialog, asked))
    form.get_by_role("button", name="Decide").click()
    page.wait_for_timeout(300)
    assert asked and asked[0].startswith("Record this decision?")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN  # cancelled: nothing sent
    expect(form.get_by_role("button", name="Decide")).to_be_enabled()  # and still usable

    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="Decide").click()
    expect(page.locator("form.decide-form")).to_have_count(0)
    incident.refresh_from_db()
    assert incident.status != IncidentStatus.OPEN
    assert Incident.objects.count() == 1


def answer_cancel(dialog, asked: list[str]) -> None:
    """A person who changed their mind: "Cancel"."""
    asked.append(dialog.message)
    dialog.dismiss()
