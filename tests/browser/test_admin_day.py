"""An administrator's day, on a phone and at a desk (issue 14, Done when): their account, the
trust lists (adding a root re-checks what is in review, with its progress on the page), the
label vocabulary and the integrations. Every page fits the width and has no serious axe-core
finding."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from provenance.models import TrustList
from tests.browser.helpers import fits, log_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.labeling.conftest import signing_keys  # noqa: F401  (a fixture, used below)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_an_administrators_day(page: Page, signing_keys, width: int):  # noqa: F811
    UserFactory(username="ada_admin", roles=[Role.ADMIN], password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, "ada_admin")

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    fits(page, width)

    page.goto("/provenance/trust/")
    expect(
        page.get_by_role("heading", name="Who we trust to sign Content Credentials")
    ).to_be_visible()
    fits(page, width)
    page.get_by_label("Kind").select_option("anchors")
    page.get_by_label("Name").fill("Our own root, 2026")
    page.set_input_files("input[name=bundle]", str(signing_keys / "root.pem"))
    page.get_by_role("button", name="Upload and re-check").click()
    expect(page.locator("table.queue, table.stack").first).to_contain_text("Our own root, 2026")
    assert TrustList.objects.filter(name="Our own root, 2026", active=True).exists()
    fits(page, width)

    page.goto("/labeling/vocabulary/")
    fits(page, width)
    page.goto("/integrations/")
    expect(page.get_by_role("link", name="Create an integration")).to_be_visible()
    fits(page, width)
