"""Two-factor sign-in in a browser, as a lawyer whose role requires it meets it: on a phone and
at a desk, the set-up page fits, reads without a serious axe-core finding, runs under the CSP,
and the code typed from the app leads to the queue; the next sign-in asks for the code."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.browser.helpers import screenshot, serious_axe_violations
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_with_password(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_lawyer_sets_up_and_uses_an_authenticator(page, settings, width):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["legal", "admin"]
    UserFactory(username="lou", roles=[Role.LEGAL], password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 844})

    sign_in_with_password(page, "lou")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.get_by_text("Your role requires two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    screenshot(page, f"two-factor-setup-{width}.png")

    device = TOTPDevice.objects.get(user__username="lou")
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"
    page.get_by_label("Six-digit code").fill(wrong)
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("That code did not match")
    assert serious_axe_violations(page) == []
    page.wait_for_timeout(1100)  # a wrong code makes the next one wait a second
    page.get_by_label("Six-digit code").fill(current_code(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()

    # Next time: the password, then the code.
    page.get_by_role("button", name="Log out").click()
    sign_in_with_password(page, "lou")
    expect(page.get_by_role("heading", name="Enter your authenticator code")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    # The code just used is refused for good; the app's next one (moved on a step) works.
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 1)
    page.get_by_label("Six-digit code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
