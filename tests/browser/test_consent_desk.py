"""The desk's consent pages end to end in chromium: a reporter adds the creator and a person
depicted, collects one consent on the signature pad (after an empty pad is refused) and one by
an uploaded release, and the asset's consent becomes complete; legal then waives consent for an
unidentified person and records a revocation. Every form on the pages is labelled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from audit.models import AuditEvent
from consent.models import ConsentLapse, ConsentMethod, ConsentRecord, ConsentWaiver, Party
from tests.browser.helpers import assert_same_document, log_in, mark_document, screenshot
from tests.consent.helpers import release_pdf
from tests.factories import AssetFactory

pytestmark = pytest.mark.browser

# The names of the form fields under `selector` that have neither a <label> nor an aria-label.
UNLABELLED = """(selector) => [...document.querySelectorAll(
        selector + " input:not([type=hidden]), " + selector + " select, "
        + selector + " textarea")]
    .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
    .map((el) => el.name)"""


def verdict(page: Page) -> Locator:
    return page.locator("#consent-summary h2")


def party_card(page: Page, name: str) -> Locator:
    return page.locator("article.party").filter(has=page.get_by_role("heading", name=name))


def add_new_person(page: Page, role: str, name: str, email: str) -> None:
    form = page.locator("#add-party")
    form.get_by_label("Part in the media").select_option(label=role)
    form.get_by_label("A new person").check()
    form.get_by_label("Full name", exact=True).fill(name)
    form.get_by_label("E-mail", exact=True).fill(email)
    form.get_by_role("button", name="Add to this asset").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added {name}")


def fill_scope_and_points(page: Page, signed_name: str) -> None:
    page.get_by_label("Uses").fill("Illustration of the harbour story")
    page.get_by_label("Channels").fill("web, social")
    for point in [
        "The content is synthetic or has been altered",
        "Where and how it will be used",
        "It will be labeled as synthetic or altered for the audience",
        "They may revoke their consent, and how",
    ]:
        page.get_by_label(point).check()
    page.get_by_label("Name typed by the person signing").fill(signed_name)


def draw_signature(page: Page) -> None:
    """A scribble with the mouse, as a finger or stylus would draw it on the pad."""
    pad = page.locator("canvas#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + width * 0.1, top + height * 0.7)
    page.mouse.down()
    for i in range(1, 13):
        x = left + width * (0.1 + 0.065 * i)
        y = top + height * (0.25 if i % 2 else 0.75)
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    expect(page.locator(".signature-field.signed")).to_have_count(1)


def test_reporter_collects_consent_and_legal_waives_and_revokes(
    new_context, reporter, legal, tmp_path
):
    asset = AssetFactory.create(uploaded_by=reporter, original_filename="harbour-fake.jpg")
    release = tmp_path / "signed-release.pdf"
    release.write_bytes(release_pdf().read())

    # The reporter opens the asset: its consent card loads after the page and says what is
    # missing, and leads to the consent page.
    page = new_context().new_page()
    log_in(page, reporter.username)
    page.goto(f"/assets/{asset.pk}/")
    expect(verdict(page)).to_have_text("Consent: incomplete")
    expect(page.locator("#consent-summary")).to_contain_text("No creator recorded")
    page.get_by_role("link", name="Open the consent record").click()
    expect(
        page.get_by_role("heading", name=f"Consent for #{asset.pk} harbour-fake.jpg")
    ).to_be_visible()
    assert page.evaluate(UNLABELLED, "#add-party") == []

    # Two people, entered in place.
    mark_document(page)
    add_new_person(page, "Creator", "Cy Creator", "cy@example.org")
    add_new_person(page, "Person depicted", "Ada Subject", "ada@example.org")
    assert_same_document(page)
    expect(party_card(page, "Ada Subject")).to_contain_text("Missing: no consent recorded")
    assert Party.objects.filter(asset=asset).count() == 2

    # Ada signs on the pad. First the pad is left empty: refused, nothing saved.
    party_card(page, "Ada Subject").get_by_role("link", name="Record consent").click()
    expect(page.get_by_role("heading", name="Consent of Ada Subject")).to_be_visible()
    assert page.evaluate(UNLABELLED, "#record-form") == []
    fill_scope_and_points(page, "Ada Subject")
    # The text to be stored follows the scope as it is typed.
    expect(page.locator("#statement-preview")).to_contain_text(
        "Uses: Illustration of the harbour story."
    )
    mark_document(page)
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator("#record-errors").get_by_role("alert")).to_contain_text(
        "Sign in the box first"
    )
    # ... and beside the pad, where the person signing is looking (issue 14, item 4).
    beside_pad = page.locator(".method-signature #signature-error")
    expect(beside_pad).to_be_visible()
    expect(beside_pad).to_contain_text("Sign in the box first")
    assert_same_document(page)  # only the error box changed: what was typed is still there
    expect(page.get_by_label("Uses")).to_have_value("Illustration of the harbour story")
    assert not ConsentRecord.objects.exists()

    draw_signature(page)
    page.get_by_role("button", name="Record consent").click()
    expect(page).to_have_url(re.compile(rf"/assets/{asset.pk}/consent/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Consent of Ada Subject (person depicted) recorded"
    )
    expect(party_card(page, "Ada Subject").locator(".consent-state")).to_have_text(
        "Covered: consent version 1"
    )
    signed = ConsentRecord.objects.get(party__person__full_name="Ada Subject")
    assert signed.method == ConsentMethod.SIGNED_IN_PERSON
    assert signed.signature_sha256 and signed.ip_address == "127.0.0.1"
    assert "Chrome" in signed.user_agent
    # The thumbnail is served through the audited evidence view.
    thumbnail = party_card(page, "Ada Subject").get_by_role("img", name="Signature of Ada Subject")
    expect(thumbnail).to_be_visible()
    # Visible is not loaded: wait for the image itself (it came through the evidence view).
    thumbnail.element_handle().wait_for_element_state("stable")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert AuditEvent.objects.filter(action="consent.evidence_viewed").exists()

    # Cy's consent comes as a signed paper release.
    party_card(page, "Cy Creator").get_by_role("link", name="Record consent").click()
    fill_scope_and_points(page, "Cy Creator")
    page.get_by_label("Signed release (uploaded)").check()
    expect(page.locator("canvas#signature-pad")).to_be_hidden()
    page.get_by_label("Signed release (PDF or image)").set_input_files(release)
    page.get_by_role("button", name="Record consent").click()
    expect(page).to_have_url(re.compile(rf"/assets/{asset.pk}/consent/$"))
    expect(verdict(page)).to_have_text("Consent: complete")
    expect(party_card(page, "Cy Creator")).to_contain_text("Signed release (uploaded)")
    expect(
        party_card(page, "Cy Creator").get_by_role("link", name="signed-release.pdf")
    ).to_be_visible()
    assert ConsentRecord.objects.get(party__person__full_name="Cy Creator").evidence_sha256

    # Back on the asset page, the card says so too.
    page.goto(f"/assets/{asset.pk}/")
    expect(verdict(page)).to_have_text("Consent: complete")

    # Legal: a person nobody could identify is added, then waived; Ada revokes.
    lawyer = new_context().new_page()
    log_in(lawyer, legal.username)
    lawyer.get_by_role("navigation", name="Main").get_by_role("link", name="Consent").click()
    expect(lawyer.get_by_role("heading", name="Consent dashboard")).to_be_visible()
    lawyer.goto(f"/assets/{asset.pk}/consent/")
    mark_document(lawyer)
    form = lawyer.locator("#add-party")
    form.get_by_label("Part in the media").select_option(label="Person depicted")
    form.get_by_label("An unidentified person").check()
    form.get_by_label("Where they appear").fill("Man in a red cap, background right")
    form.get_by_role("button", name="Add to this asset").click()
    expect(verdict(lawyer)).to_have_text("Consent: incomplete")

    unknown = party_card(lawyer, "Unidentified person")
    unknown.get_by_text("Waive consent (legal)").click()
    unknown.get_by_label("Basis").select_option(label="Satire or parody")
    unknown.get_by_label("Justification").fill(
        "Background figure in a labeled satirical composite; not recognisable."
    )
    unknown.get_by_role("button", name=re.compile("Waive consent for")).click()
    expect(verdict(lawyer)).to_have_text("Consent: complete")
    expect(lawyer.locator("#consent-summary .waiver")).to_contain_text("Satire or parody")
    expect(lawyer.locator("#consent-summary .waiver")).to_contain_text("Granted by lena_legal")

    ada = party_card(lawyer, "Ada Subject")
    ada.get_by_text("Record a revocation").click()
    ada.get_by_label("How the revocation reached us").fill("E-mail to the desk")
    asked: list[str] = []
    lawyer.on("dialog", lambda dialog: answer_yes(dialog, asked))
    ada.get_by_role("button", name=re.compile("Record the revocation")).click()
    expect(verdict(lawyer)).to_have_text("Consent: incomplete")
    assert asked and asked[0].startswith("Record that Ada Subject revoked their consent?")
    expect(party_card(lawyer, "Ada Subject").locator(".consent-state")).to_contain_text(
        "Missing: consent revoked on"
    )
    assert_same_document(lawyer)
    screenshot(lawyer, "screenshot-consent.png")

    waiver = ConsentWaiver.objects.get()
    assert (waiver.basis, waiver.granted_by) == ("satire", legal)
    lapse = ConsentLapse.objects.get()
    assert (lapse.record, lapse.how, lapse.recorded_by) == (signed, "E-mail to the desk", legal)
    assert ConsentRecord.objects.count() == 2  # the revoked record stays


def test_legal_dashboard_and_statements_are_labelled(page, legal):
    log_in(page, legal.username)
    page.goto("/consent/")
    expect(page.get_by_role("heading", name="Consent dashboard")).to_be_visible()
    page.get_by_role("link", name="Consent statements").click()
    expect(page.get_by_role("heading", name="Consent statements")).to_be_visible()
    assert page.evaluate(UNLABELLED, "#statements") == []
    page.go_back()
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    assert page.evaluate(UNLABELLED, "main") == []


def test_reporter_picks_a_person_on_file_and_is_warned_of_a_duplicate(page, reporter):
    from consent.services import party_add, person_create

    earlier = AssetFactory.create(uploaded_by=reporter, original_filename="earlier.jpg")
    asset = AssetFactory.create(uploaded_by=reporter, original_filename="today.jpg")
    noor = person_create(actor=reporter, full_name="Noor Haddad", email="noor@example.org")
    party_add(asset_id=earlier.pk, actor=reporter, role="creator", person=noor)

    log_in(page, reporter.username)
    page.goto(f"/assets/{asset.pk}/consent/")
    form = page.locator("#add-party")

    # Typing a new person's name that is already on file offers the entry on file.
    form.get_by_label("A new person").check()
    form.get_by_label("Full name", exact=True).fill("noor  haddad")
    expect(form.locator("#duplicates")).to_contain_text("Already on file?")
    expect(form.get_by_role("button", name="Use Noor Haddad")).to_be_visible()

    # Searching picks them instead; Enter in the search box does not submit the form.
    form.get_by_label("Someone already on file").check()
    search = form.get_by_label("Search by name, e-mail or phone")
    search.fill("noor@")
    search.press("Enter")
    form.get_by_label(re.compile("^Noor Haddad")).check()
    assert not Party.objects.filter(asset=asset).exists()
    form.get_by_role("button", name="Add to this asset").click()
    expect(party_card(page, "Noor Haddad")).to_contain_text("Creator")
    party = Party.objects.get(asset=asset)
    assert party.person == noor
    assert Party.objects.filter(person=noor).count() == 2


def answer_yes(dialog, asked: list[str]) -> None:
    """A person who meant to click answers the confirmation "OK"; the question is kept."""
    asked.append(dialog.message)
    dialog.accept()
