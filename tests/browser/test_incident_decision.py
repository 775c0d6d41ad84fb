"""A standards editor deciding an incident is asked first (issue 14, item 8: decisions that
publish a notice and reach the CMS had no confirmation). Cancelling sends nothing."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Decision, Incident, IncidentStatus
from review.models import AssetStatus
from tests.browser.helpers import (
    assert_same_document,
    fits,
    log_in,
    mark_document,
)
from tests.incidents.helpers import decide, report_mislabeled

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


def answer_cancel(dialog, asked: list[str]) -> None:
    """A person who changed their mind: "Cancel"."""
    asked.append(dialog.message)
    dialog.dismiss()


def test_the_cms_confirmation_appears_without_a_reload(page, make_asset, editor, standards):
    """A takedown waits for the CMS: the incident says so, then shows the confirmation when it
    arrives, in place (a live region), while the standards editor watches."""
    asset = make_asset(status=AssetStatus.PUBLISHED)
    incident = decide(report_mislabeled(asset, editor), standards, Decision.TAKEDOWN)
    Incident.objects.filter(pk=incident.pk).update(takedown_confirmed_at=None)  # a CMS had it
    log_in(page, standards.username)
    page.goto(f"/assets/{asset.pk}/incidents/")
    removal = page.locator(f"#incident-{incident.pk}-removal")
    expect(removal).to_contain_text("waiting for the CMS")
    mark_document(page)

    Incident.objects.filter(pk=incident.pk).update(takedown_confirmed_at=timezone.now())

    expect(removal).to_contain_text("confirmed", timeout=15_000)
    expect(removal).not_to_have_attribute("hx-get", re.compile(".*"))  # and it stops asking
    assert_same_document(page)
