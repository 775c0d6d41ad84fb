"""The account page in a browser, as a standards editor finds it from the header: on a phone
and at a desk it fits, reads without a serious axe-core finding, and saving a choice says so
and sticks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import NotificationSettings
from accounts.roles import Role
from tests.browser.helpers import log_in, screenshot, serious_axe_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_standards_editor_turns_off_incident_emails(page: Page, width):
    UserFactory(username="sam", roles=[Role.STANDARDS])
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, "sam")

    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("link", name="Change your password")).to_be_visible()
    expect(page.get_by_role("link", name="Two-factor sign-in")).to_be_visible()
    incidents = page.get_by_label("An incident was reported on an asset")
    second = page.get_by_label("An approved asset waits for a second approval")
    expect(incidents).to_be_checked()
    expect(second).to_be_checked()
    expect(page.get_by_label("An editor sent my upload back for changes")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    screenshot(page, f"account-{width}.png")

    incidents.uncheck()
    page.get_by_role("button", name="Save e-mail settings").click()
    expect(page.get_by_role("status")).to_contain_text("Your e-mail settings are saved.")
    expect(page.get_by_label("An incident was reported on an asset")).not_to_be_checked()
    expect(page.get_by_label("An approved asset waits for a second approval")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    row = NotificationSettings.objects.get(user__username="sam")
    assert (row.incident_reported, row.second_approval) == (False, True)
