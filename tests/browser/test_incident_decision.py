"""A standards editor deciding an incident is asked first (issue 14, item 8: decisions that
publish a notice and reach the CMS had no confirmation). Cancelling sends nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident, IncidentStatus
from review.models import AssetStatus
from tests.browser.helpers import log_in, serious_axe_violations
from tests.incidents.helpers import report_mislabeled

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_a_decision_is_confirmed_before_it_is_sent(page, make_asset, editor, standards, width):
    """Part of a standards editor's day, on a phone and at a desk: the inbox, the incident,
    the decision; the pages fit the width and have no serious axe-core finding."""
    asset = make_asset(status=AssetStatus.PUBLISHED)
    incident = report_mislabeled(asset, editor)
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, standards.username)
    page.goto("/incidents/")
    expect(page.get_by_role("link", name=re.compile(f"#{asset.pk}")).first).to_be_visible()
    fits(page, width)
    page.goto(f"/assets/{asset.pk}/incidents/")
    fits(page, width)
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
    fits(page, width)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert serious_axe_violations(page) == [], page.url


def answer_cancel(dialog, asked: list[str]) -> None:
    """A person who changed their mind: "Cancel"."""
    asked.append(dialog.message)
    dialog.dismiss()
