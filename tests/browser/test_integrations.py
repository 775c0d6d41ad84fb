"""A standards editor connects a CMS from the browser, on a laptop and on a phone: the form
explains a refused webhook address next to the field, the integration's token and webhook secret
are shown once with a copy button, a reload or the back button does not show them again, and
the token opens the API. Each page fits the width, runs under the CSP and has no serious
axe-core finding."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.roles import Role
from integrations.models import ApiToken, Integration, WebhookEndpoint
from integrations.tokens import token_sha256
from tests.browser.helpers import log_in, screenshot, serious_axe_violations
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_gone_back_without(page: Page, secret: str, url: str) -> None:
    try:
        page.go_back()
    except PlaywrightError as exc:
        assert "ERR_CACHE_MISS" in str(exc), exc
    # Chromium's "Confirm form resubmission" error page, or (were the page kept in the
    # back-forward cache) the page itself, its secrets blanked by secret-once.js.
    page.wait_for_url(lambda at: at.startswith("chrome-error://") or at.endswith(url))
    page.wait_for_load_state()
    assert secret not in page.content()
    for field in page.locator("[data-secret-once]").all():
        assert field.input_value() == ""


def assert_fits_and_reads(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []


@pytest.mark.parametrize("width", [390, 1280])
def test_a_standards_editor_connects_a_cms(page: Page, live_server, width):
    UserFactory(username="sam", roles=[Role.STANDARDS], password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, "sam")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="CMS integrations")).to_be_visible()
    assert_fits_and_reads(page, width)
    page.get_by_role("link", name="Create an integration").click()

    expect(page.get_by_role("heading", name="New integration")).to_be_visible()
    expect(page.get_by_role("checkbox", name="assets:read:")).to_be_checked()
    expect(page.get_by_role("checkbox", name="assets:publish")).to_be_checked()
    expect(page.get_by_role("checkbox", name="assets:read-uncleared")).not_to_be_checked()
    assert_fits_and_reads(page, width)

    # A private address is refused, the reason next to the field and in the summary, focused.
    page.get_by_label("Name").fill("Main CMS")
    page.get_by_label("Webhook URL (optional)").fill("https://10.0.0.8/hooks")
    page.get_by_role("button", name="Create the integration").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.locator("#id_webhook_url_error")).to_contain_text("private address")
    assert not Integration.objects.exists()
    assert_fits_and_reads(page, width)
    screenshot(page, f"integrations-create-error-{width}.png")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Webhook URL (optional)")).to_be_focused()

    receiver = f"{live_server.url}/hooks-that-nobody-answers"
    page.get_by_label("Webhook URL (optional)").fill(receiver)
    page.get_by_role("button", name="Create the integration").click()

    expect(page.get_by_role("heading", name="Integration “Main CMS” created")).to_be_visible()
    expect(page.get_by_text("you will not see them again")).to_be_visible()
    token_field = page.get_by_label("API token")
    secret_field = page.get_by_label("Webhook signing secret")
    plaintext = token_field.input_value()
    integration = Integration.objects.get(name="Main CMS")
    assert token_sha256(plaintext) == ApiToken.objects.get(integration=integration).token_sha256
    assert secret_field.input_value() == WebhookEndpoint.objects.get(integration=integration).secret
    copy = page.locator("button[data-copy='token-secret']")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert_fits_and_reads(page, width)
    screenshot(page, f"integrations-created-{width}.png")

    # The token opens the API (on the live server, over loopback).
    answer = requests.get(
        f"{live_server.url}/api/v1/assets",
        headers={"Authorization": f"Bearer {plaintext}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    refused = requests.get(
        f"{live_server.url}/api/v1/assets", headers={"Authorization": "Bearer pd_x"}, timeout=10
    )
    assert refused.status_code == 401

    # Leaving and coming back does not show it again: the answer was no-store, so chromium
    # will not show it from its cache (ERR_CACHE_MISS), and a page kept in the back-forward
    # cache has had its secrets blanked.
    # What secret-once.js does as the tab leaves, were chromium to keep the page for Back.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    expect(token_field).to_have_value("")
    expect(secret_field).to_have_value("")
    page.get_by_role("link", name="Done: back to integrations").click()
    expect(page.get_by_role("heading", name="CMS integrations")).to_be_visible()
    assert plaintext not in page.content()
    assert_gone_back_without(page, plaintext, reverse("integrations:create"))

    # Another token for the same CMS, read only.
    page.goto("/integrations/")
    page.get_by_role("link", name="Add an API token to Main CMS").click()
    page.get_by_role("checkbox", name="assets:publish").uncheck()
    assert_fits_and_reads(page, width)
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_text("you will not see it again")).to_be_visible()
    second = page.get_by_label("API token").input_value()
    assert second != plaintext
    assert ApiToken.objects.get(token_sha256=token_sha256(second)).scopes == ["assets:read"]
    assert_fits_and_reads(page, width)

    # A reload posts the same form again: nothing new is made and no secret is shown.
    page.reload()
    expect(page.get_by_role("heading", name="This form was already sent")).to_be_visible()
    assert second not in page.content()
    assert ApiToken.objects.count() == 2
    assert_fits_and_reads(page, width)
