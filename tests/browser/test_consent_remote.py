"""Remote consent in chromium: the person opens the link on a phone without an account, is
refused with an empty signature pad, draws a signature, signs and gets a receipt; the used link
then says so. On the desk side, the reporter works on the asset's real consent page
(/assets/<id>/consent/): the party's links panel makes a link in place, shows its URL once,
makes a second one and cancels the first, which then no longer opens on a phone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Locator, Page, expect

from consent.models import ConsentLink, ConsentMethod, ConsentRecord, PartyRole
from consent.remote.services import consent_link_create
from consent.services import party_add, person_create, statement_publish
from tests.browser.helpers import (
    assert_same_document,
    log_in,
    mark_document,
    screenshot,
    serious_axe_violations,
)
from tests.consent.export_helpers import flat, pdf_text
from tests.consent.helpers import scope
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def statement(legal):
    # A transactional test starts from a flushed database: the statement the data migration
    # wrote is gone, so publish one (it becomes the latest version either way).
    return statement_publish(
        actor=legal,
        key="synthetic-media",
        title="Consent to the use of synthetic or altered media",
        body="I agree that the newsroom may publish the media described below.",
    )


@pytest.fixture
def subject_party(make_asset, reporter):
    asset = make_asset(
        original_filename="harbour-scene.jpg", description="Harbour at night, crowd at the quay"
    )
    person = person_create(actor=reporter, full_name="Ada Subject", email="ada@example.org")
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


def draw_signature(page: Page) -> None:
    """A scribble across the pad, stroke by stroke, as a finger or a mouse would draw it."""
    canvas = page.get_by_role("img", name=re.compile("Signature pad"))
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for fx, fy in [(0.2, 0.3), (0.3, 0.75), (0.45, 0.25), (0.6, 0.7), (0.75, 0.3), (0.9, 0.6)]:
        page.mouse.move(x + w * fx, y + h * fy, steps=8)
    page.mouse.up()


def tick_points_and_name(page: Page, name: str) -> None:
    points = page.get_by_role("group", name=re.compile("I understand each of these points"))
    for box in points.get_by_role("checkbox").all():
        box.check()
    page.get_by_label("Your full name").fill(name)


@pytest.mark.browser_context_args(viewport=PHONE, device_scale_factor=2)
def test_person_signs_on_a_phone_without_an_account(
    new_context, reporter, subject_party, statement
):
    link, token = consent_link_create(
        party_id=subject_party.pk,
        actor=reporter,
        statement=statement,
        scope=scope(
            channels=["web"],
            territories=[],
            valid_from=subject_party.added_at.date(),
            valid_until=None,
        ),
    )
    page = new_context().new_page()  # no login: the link is the credential
    referers: list[str] = []
    page.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    response = page.goto(f"/c/{token}/")
    assert response is not None and response.status == 200
    assert response.headers["referrer-policy"] == "strict-origin"
    assert "no-store" in response.headers["cache-control"]

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("asks for your consent"))
    statement_box = page.locator(".statement-full")
    expect(statement_box).to_contain_text(statement.body)
    expect(statement_box).to_contain_text(
        f"media item #{subject_party.asset_id}, in which I appear"
    )
    # The desk's own description and file name are not the person's business.
    expect(page.get_by_text("Harbour at night")).to_have_count(0)
    expect(page.get_by_text("harbour-scene.jpg")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(4)
    expect(page.locator("text=rita_reporter")).to_have_count(0)

    # Sending with nothing drawn: the server refuses, nothing is stored, the answers stay.
    tick_points_and_name(page, "Ada Subject")
    page.get_by_role("button", name="I agree and sign").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign in the box first")
    assert not ConsentRecord.objects.exists()
    expect(page.get_by_label("Your full name")).to_have_value("Ada Subject")
    for box in page.get_by_role("checkbox").all():
        expect(box).to_be_checked()

    draw_signature(page)
    expect(page.locator("#id_signature")).to_have_value(re.compile(r"^data:image/png;base64,"))
    expect(page.locator("[data-signature-field]")).to_have_class(re.compile(r"\bsigned\b"))
    screenshot(page, "screenshot-consent-remote.png")
    page.get_by_role("button", name="I agree and sign").click()

    expect(page.get_by_role("heading", name="Thank you, Ada Subject")).to_be_visible()
    record = ConsentRecord.objects.get()
    expect(page.locator("[data-receipt]")).to_have_text(record.record_sha256)
    expect(page.get_by_role("status")).to_contain_text("Your consent was recorded")
    screenshot(page, "screenshot-consent-remote-done.png")

    assert record.method == ConsentMethod.SIGNED_REMOTELY
    assert record.party == subject_party
    assert record.signed_name == "Ada Subject"
    assert record.collected_by is None
    assert record.ip_address == "127.0.0.1"
    assert "Chrome" in record.user_agent
    assert record.signature_sha256 and record.signature_image
    link.refresh_from_db()
    assert link.used_at is not None and link.record == record

    # The page's own requests (style, scripts, the form's POST) never carried the token.
    assert len(referers) > 3
    assert not [referer for referer in referers if token in referer]

    # Opening the link again (a second device, the history) says it was used.
    again = page.goto(f"/c/{token}/")
    assert again is not None and again.status == 410
    expect(page.get_by_role("alert")).to_contain_text("already been used")
    expect(page.get_by_role("button", name="I agree and sign")).to_have_count(0)
    assert ConsentRecord.objects.count() == 1


def create_link(panel: Locator, uses: str, days: str, *, links_before: int) -> str:
    """Open the panel's form, fill it and create the link; returns the URL shown once."""
    panel.get_by_text("Send a link to sign remotely").click()
    panel.get_by_label("Uses").fill(uses)
    panel.get_by_label("Link works for (days)").fill(days)
    panel.get_by_role("button", name="Create link").click()
    # The panel is replaced when the answer arrives: one row more than before.
    expect(panel.locator("tbody tr")).to_have_count(links_before + 1)
    expect(panel.get_by_role("status")).to_contain_text("shown only once")
    url = panel.get_by_label("Link for Ada Subject").input_value()
    assert re.fullmatch(r"http://[^/]+/c/[A-Za-z0-9_-]{40,}/", url), url
    return url


def test_desk_consent_page_makes_a_link_shows_it_once_and_cancels(
    new_context, settings, live_server, reporter, subject_party, statement
):
    # The link shown must open on this test server.
    settings.SITE_URL = live_server.url
    page = new_context().new_page()
    log_in(page, reporter.username)
    response = page.goto(f"/assets/{subject_party.asset_id}/consent/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Consent for #\d+ harbour-scene\.jpg")
    )
    panel = page.locator(f"#links-{subject_party.pk}")
    expect(panel.get_by_text("No link sent yet.")).to_be_visible()
    mark_document(page)

    # The first link: the panel is replaced in place, with the URL, the e-mail and the copy.
    first_url = create_link(panel, "Illustration", "7", links_before=0)
    expect(
        panel.get_by_role("link", name=re.compile("Write to ada@example.org"))
    ).to_have_attribute("href", re.compile(r"^mailto:ada@example\.org\?"))
    panel.get_by_role("button", name="Copy").click()
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    assert_same_document(page)
    assert first_url.startswith(f"{live_server.url}/c/")

    # A second one from the same panel: a new URL, two links waiting.
    second_url = create_link(panel, "Illustration of the story, Social video", "3", links_before=1)
    assert second_url != first_url
    expect(panel.get_by_text("Waiting for signature")).to_have_count(2)
    assert_same_document(page)
    assert ConsentLink.objects.count() == 2
    assert ConsentLink.objects.latest("pk").uses == ["Illustration of the story", "Social video"]

    # Cancelling the first link: its row says so, and the URL is shown nowhere any more.
    first = ConsentLink.objects.earliest("pk")
    panel.locator(f"tr[data-link='{first.pk}']").get_by_role(
        "button", name=re.compile("^Cancel")
    ).click()
    expect(panel.locator(f"tr[data-link='{first.pk}'] .link-state")).to_have_text("Cancelled")
    expect(panel.get_by_role("status")).to_have_text("Link cancelled: it can no longer be used.")
    expect(page.locator("input[readonly]")).to_have_count(0)
    assert_same_document(page)
    screenshot(page, "screenshot-consent-links-panel.png")

    # Reloaded, the page lists both links and shows neither URL: it was shown once.
    page.reload()
    expect(panel.locator("tbody tr")).to_have_count(2)
    expect(panel.get_by_text("Cancelled")).to_have_count(1)
    assert first_url not in page.content() and second_url not in page.content()

    phone = new_context().new_page()
    gone = phone.goto(first_url)
    assert gone is not None and gone.status == 410
    expect(phone.get_by_role("alert")).to_contain_text("cancelled")
    works = phone.goto(second_url)
    assert works is not None and works.status == 200
    expect(phone.get_by_role("button", name="I agree and sign")).to_be_visible()


# --- issue 14.2: the person sees the media, the whole text, and takes a receipt away ----------


@pytest.fixture
def photo_party(make_asset, reporter):
    asset = make_asset(
        original_filename="minister_fake_v3.jpg",
        description="INTERNAL: do not show the subject",
        file=ContentFile(jpeg_bytes((40, 160, 60), size=(1600, 1200)), name="x.jpg"),
        width=1600,
        height=1200,
    )
    person = person_create(actor=reporter, full_name="Ada Subject", email="ada@example.org")
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


@pytest.mark.parametrize("width", [390, 1280])
def test_signer_sees_preview_and_whole_statement_signs_and_downloads_receipt(
    new_context, settings, reporter, legal, photo_party, statement, width, tmp_path
):
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    # The flushed database lost the Spanish default too: publish its translation again.
    statement_publish(
        actor=legal,
        key="synthetic-media-es",
        title="Consentimiento para el uso de contenido sintético o alterado",
        body="Acepto que la redacción publique el contenido descrito a continuación.",
        language="es",
    )
    _, token = consent_link_create(
        party_id=photo_party.pk,
        actor=reporter,
        statement=statement,
        scope=scope(
            channels=["web"],
            territories=[],
            valid_from=photo_party.added_at.date(),
            valid_until=None,
        ),
        media_description="Photo of the harbour protest, 12 May",
    )
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"/c/{token}/")

    # The media: a watermarked preview that loaded, described in the desk's words only.
    preview = page.get_by_role("img", name=re.compile("Preview of the image"))
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_text("Photo of the harbour protest, 12 May").first).to_be_visible()
    expect(page.get_by_text("INTERNAL")).to_have_count(0)

    # The whole text on the page: no inner scroll box, nothing cut off, no sideways scroll.
    text = page.locator(".statement-full")
    expect(text).to_contain_text("Statement synthetic-media version")
    assert text.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_text("I understand I may revoke my consent at any time")).to_be_visible()
    expect(page.get_by_role("link", name="consent@news.example").first).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, f"screenshot-consent-remote-preview-{width}.png")

    # The Spanish text is one link away, and back.
    page.get_by_role("link", name="Español").click()
    expect(page.locator(".statement-full")).to_contain_text("Acepto que la redacción")
    expect(page.get_by_text("Entiendo que puedo revocar")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.locator(".statement-full")).to_contain_text(statement.body)

    tick_points_and_name(page, "Ada Subject")
    draw_signature(page)
    page.get_by_role("button", name="I agree and sign").click()
    expect(page.get_by_role("heading", name="Thank you, Ada Subject")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_axe_violations(page) == []
    record = ConsentRecord.objects.get()
    assert record.statement.language == "en"

    with page.expect_download() as caught:
        page.get_by_role("link", name="Download your receipt (PDF)").click()
    pdf = Path(caught.value.path()).read_bytes()
    words = flat(pdf_text(pdf, tmp_path))
    assert record.record_sha256 in words and record.statement_sha256 in words
    assert "Photo of the harbour protest, 12 May" in words
    assert "consent@news.example" in words
    assert "INTERNAL" not in words
