"""The remote signing page as the person consenting meets it (issue 14, item 2): a watermarked
preview served only through a valid token, the statement in full, first-person points, the
newsroom's contact, no internal description, a Spanish statement and a switch between
languages, and a PDF receipt for a limited time. On the desk side (item 1): a waiting link's
URL again (a new token) and e-mailed from the app."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from audit.models import AuditEvent
from consent.evidence.records import text_sha256
from consent.models import ConsentLink, ConsentRecord, ConsentStatement, PartyRole
from consent.remote.preview import PREVIEW_EDGE
from consent.remote.receipt import receipt_token
from consent.remote.services import consent_link_cancel, consent_link_create
from consent.remote.texts import point_labels, remote_statement_text
from consent.services import party_add
from review.models import MediaKind
from tests.consent.export_helpers import flat, pdf_text
from tests.consent.helpers import ALL_POINTS, default_statement, scope, signature_data_url
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

INTERNAL = "INTERNAL: minister deepfake, do not tell subject"
TOLD = "Photo of the harbour protest, 12 May"
HTMX = {"HX-Request": "true"}
TOKEN_IN_URL = re.compile(r"/c/([A-Za-z0-9_-]{40,})/")


@pytest.fixture
def photo_party(make_asset, reporter, person):
    asset = make_asset(
        original_filename="minister_fake_v3.jpg",
        description=INTERNAL,
        file=ContentFile(jpeg_bytes((40, 160, 60), size=(1600, 1200)), name="x.jpg"),
        width=1600,
        height=1200,
    )
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


def spanish() -> ConsentStatement:
    return ConsentStatement.objects.get(key="synthetic-media-es", version=1)


def make_link(party, actor, *, statement=None, told=TOLD):
    return consent_link_create(
        party_id=party.pk,
        actor=actor,
        statement=statement or default_statement(),
        scope=scope(),
        media_description=told,
    )


def sign_url(token: str) -> str:
    return reverse("consent:remote_sign", args=[token])


def preview_url(token: str) -> str:
    return reverse("consent:remote_preview", args=[token])


def sign_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "acknowledged": ALL_POINTS,
        "signed_name": "Ada Subject",
        "signature": signature_data_url(),
        "shown_sha256": "",
        "language": "",
    }
    data.update(overrides)
    return data


def assert_private_file(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin"


# --- the preview ------------------------------------------------------------------------------


def test_the_page_shows_a_watermarked_preview_never_the_original(client, reporter, photo_party):
    _, token = make_link(photo_party, reporter)

    html = client.get(sign_url(token)).content.decode()
    assert f'src="{preview_url(token)}"' in html
    assert reverse("review:asset_media", args=[photo_party.asset_id]) not in html

    response = client.get(preview_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert_private_file(response)
    with photo_party.asset.file.open("rb") as handle:
        original = handle.read()
    assert response.content != original
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    assert max(image.size) == PREVIEW_EDGE  # downscaled from 1600×1200
    assert not image.getexif()  # nothing of the original's metadata
    rgb = image.convert("RGB")
    # The band at the bottom is dark, the picture above it green: the watermark is there.
    bottom = rgb.getpixel((5, image.height - 3))
    assert isinstance(bottom, tuple) and max(bottom) < 40, bottom
    # And across the picture: the plain green of the original is broken by the diagonal text.
    colours = {rgb.getpixel((x, y)) for x in range(0, image.width, 7) for y in range(0, 400, 7)}
    assert len(colours) > 20


@pytest.mark.parametrize("problem", ["unknown", "cancelled", "used", "expired"])
def test_the_preview_needs_a_link_that_still_works(
    client, reporter, photo_party, problem, time_machine, caplog
):
    caplog.set_level(logging.DEBUG)
    time_machine.move_to(timezone.now())
    link, token = make_link(photo_party, reporter)
    if problem == "unknown":
        token = "x" * 43
    elif problem == "cancelled":
        consent_link_cancel(link_id=link.pk, actor=reporter)
    elif problem == "used":
        assert client.post(sign_url(token), sign_form()).status_code == 200
    else:
        time_machine.shift(timedelta(days=8))

    response = client.get(preview_url(token))

    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] != "image/jpeg"
    assert token not in caplog.text  # the path holds the token: never logged


def test_the_preview_is_get_only(client, reporter, photo_party):
    _, token = make_link(photo_party, reporter)

    assert client.post(preview_url(token)).status_code == 405


AUDIO_BYTES = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def media_url(token: str) -> str:
    return reverse("consent:remote_media", args=[token])


@pytest.fixture
def audio_party(make_asset, reporter, person):
    """Audio with no sound in it ffmpeg can decode: nothing to preview."""
    asset = make_asset(
        media_kind=MediaKind.AUDIO,
        media_type="audio/mpeg",
        description=INTERNAL,
        file=ContentFile(AUDIO_BYTES, name="voice.mp3"),
    )
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


def test_audio_without_a_preview_is_never_served_as_it_is(client, settings, reporter, audio_party):
    """The original used to play on the page; now only a marked copy made with ffmpeg does
    (tests/consent/test_remote_media_preview.py). A file ffmpeg cannot read has none: the page
    says so and names the contact, and nothing is served."""
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    _, token = make_link(audio_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert "A preview of this recording is not available" in html
    assert 'href="mailto:consent@news.example"' in html
    assert media_url(token) not in html and "<audio" not in html
    assert preview_url(token) not in html
    assert client.get(preview_url(token)).status_code == 404
    media = client.get(media_url(token))
    assert media.status_code == 404
    assert AUDIO_BYTES not in media.content


def test_the_media_is_only_there_while_the_link_can_be_signed(client, reporter, audio_party):
    link, token = make_link(audio_party, reporter)
    consent_link_cancel(link_id=link.pk, actor=reporter)
    assert client.get(media_url(token)).status_code == 404
    assert client.get(media_url("not-a-token")).status_code == 404
    assert client.post(media_url(token)).status_code == 405


def test_images_never_get_the_original_and_the_setting_turns_playback_off(
    settings, client, reporter, photo_party, audio_party
):
    _, image_token = make_link(photo_party, reporter)
    assert client.get(media_url(image_token)).status_code == 404  # the watermarked preview only
    settings.REMOTE_CONSENT_PLAY_MEDIA = False
    _, token = make_link(audio_party, reporter)
    html = client.get(sign_url(token)).content.decode()
    assert "cannot be previewed" in html and media_url(token) not in html
    assert client.get(media_url(token)).status_code == 404


def test_an_unreadable_image_has_no_preview(client, reporter, make_asset, person):
    asset = make_asset(file=ContentFile(b"not an image at all", name="x.jpg"))
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    _, token = make_link(party, reporter)

    assert client.get(preview_url(token)).status_code == 404


# --- what the page says ------------------------------------------------------------------------


def test_the_page_never_shows_the_internal_description(client, reporter, photo_party):
    link, token = make_link(photo_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert INTERNAL not in html
    assert "minister_fake_v3.jpg" not in html
    assert escape(TOLD) in html
    text = remote_statement_text(link.statement, link, photo_party)
    assert INTERNAL not in text and "minister_fake_v3" not in text
    assert f"media item #{photo_party.asset_id} (“{TOLD}”), in which I appear." in text


def test_the_statement_is_on_the_page_in_full_without_a_scroll_box(client, reporter, photo_party):
    link, token = make_link(photo_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    text = remote_statement_text(link.statement, link, photo_party)
    assert f'<div class="statement statement-full">{escape(text)}</div>' in html
    # The old box was a focusable scroll region (tabindex, role=document).
    assert 'role="document"' not in html


def test_the_points_are_in_the_first_person(client, reporter, photo_party):
    _, token = make_link(photo_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert "I understand I may revoke my consent at any time, and how" in html
    assert "They may revoke" not in html
    for _, label in point_labels("en"):
        assert label.startswith("I understand")


def test_the_contact_is_on_the_page_the_done_page_and_the_invalid_page(
    client, settings, reporter, photo_party
):
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    _, token = make_link(photo_party, reporter)

    page = client.get(sign_url(token)).content.decode()
    done = client.post(sign_url(token), sign_form()).content.decode()
    used = client.get(sign_url(token)).content.decode()

    for html in (page, done, used):
        assert 'href="mailto:consent@news.example"' in html
    assert "You may revoke your consent at any time" in done


def test_an_error_summary_links_to_each_field(client, reporter, photo_party):
    _, token = make_link(photo_party, reporter)

    response = client.post(sign_url(token), sign_form(acknowledged=[], signed_name=""))

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#point-synthetic"' in html and 'href="#id_signed_name"' in html
    assert "autofocus" in html
    assert not ConsentRecord.objects.exists()


# --- languages ---------------------------------------------------------------------------------


def test_a_spanish_default_statement_ships():
    statement = spanish()
    assert statement.language == "es"
    assert statement.body.startswith("Acepto que la redacción")
    assert statement.sha256 == text_sha256(statement.body)


def test_the_link_chooses_spanish_and_the_person_may_switch(client, reporter, photo_party):
    link, token = make_link(photo_party, reporter, statement=spanish())

    html = client.get(sign_url(token)).content.decode()

    assert 'name="language" value="es"' in html
    assert escape(remote_statement_text(spanish(), link, photo_party)) in html
    assert "Entiendo que puedo revocar mi consentimiento" in html
    assert "Usos: Illustration of the story." in html
    assert 'lang="es"' in html
    assert f'href="{sign_url(token)}?lang=en"' in html  # the switch to English

    english = client.get(sign_url(token), {"lang": "en"}).content.decode()
    assert escape(remote_statement_text(default_statement(), link, photo_party)) in english
    assert 'name="language" value="en"' in english


def test_signing_in_spanish_stores_the_spanish_text_and_its_hash(client, reporter, photo_party):
    link, token = make_link(photo_party, reporter)
    html = client.get(sign_url(token), {"lang": "es"}).content.decode()
    shown = re.search(r'name="shown_sha256" value="([0-9a-f]{64})"', html)
    assert shown

    response = client.post(sign_url(token), sign_form(language="es", shown_sha256=shown[1]))

    assert response.status_code == 200
    record = ConsentRecord.objects.get()
    assert record.statement == spanish()
    text = remote_statement_text(spanish(), link, photo_party)
    assert record.statement_text == text
    assert record.statement_sha256 == shown[1] == text_sha256(text)
    assert "Entiendo que el contenido es sintético" in response.content.decode()


def test_an_unknown_language_falls_back_to_the_links_own(client, reporter, photo_party):
    link, token = make_link(photo_party, reporter)

    assert client.post(sign_url(token), sign_form(language="xx")).status_code == 200
    assert ConsentRecord.objects.get().statement == link.statement


# --- the receipt ------------------------------------------------------------------------------


def _receipt_url(html: str) -> str:
    found = re.search(r'href="(/c/receipt/[^"/]+/)"', html)
    assert found, "no receipt link on the page"
    return found[1]


def test_the_signer_downloads_a_pdf_receipt(client, settings, reporter, photo_party, tmp_path):
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    _, token = make_link(photo_party, reporter)
    done = client.post(sign_url(token), sign_form()).content.decode()
    record = ConsentRecord.objects.get()

    response = client.get(_receipt_url(done))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_private_file(response)
    text = pdf_text(response.content, tmp_path)
    words = flat(text)
    assert record.statement_sha256 in text
    assert record.record_sha256 in text
    assert flat(record.statement_text.split("\n")[0]) in words  # the statement as signed
    assert f"Media item #{photo_party.asset_id}: {TOLD}" in words
    assert "I understand I may revoke my consent at any time, and how" in words
    assert "consent@news.example" in words
    assert "Ada Subject" in words
    assert INTERNAL not in words and "minister_fake_v3" not in words


def test_the_receipt_link_expires(client, reporter, photo_party, time_machine):
    time_machine.move_to(timezone.now())
    _, token = make_link(photo_party, reporter)
    url = _receipt_url(client.post(sign_url(token), sign_form()).content.decode())
    time_machine.shift(timedelta(hours=1, minutes=1))

    response = client.get(url)

    assert response.status_code == 410
    assert "receipt link has expired" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_receipt_url_cannot_be_made_for_another_record(client, reporter, photo_party):
    _, token = make_link(photo_party, reporter)
    url = _receipt_url(client.post(sign_url(token), sign_form()).content.decode())
    record = ConsentRecord.objects.get()
    forged = signing.dumps({"r": record.pk, "h": record.record_sha256[:16]}, salt="other")

    assert client.get(reverse("consent:remote_receipt", args=[forged])).status_code == 410
    assert client.get(url.replace(url[-6:-1], "AAAAA")).status_code == 410
    assert (
        client.get(reverse("consent:remote_receipt", args=[receipt_token(record)])).status_code
        == 200
    )


# --- the desk: the URL again, and by e-mail ------------------------------------------------------


def reissue_url(link: ConsentLink) -> str:
    return reverse("consent:link_reissue", args=[link.pk])


def test_a_waiting_links_url_is_emailed_again_with_a_new_token(
    reporter_client, reporter, photo_party, django_capture_on_commit_callbacks
):
    link, old = make_link(photo_party, reporter)

    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(
            reissue_url(link),
            {"send": "email"},
            headers=HTMX,
            SERVER_NAME="127.0.0.1",
            SERVER_PORT="8792",
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A new link was e-mailed to ada@example.org" in html
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    new = TOKEN_IN_URL.search(str(message.body))
    assert new
    assert f"http://127.0.0.1:8792{sign_url(new[1])}" in message.body
    assert f'value="http://127.0.0.1:8792{sign_url(new[1])}"' in html
    assert new[1] != old
    client = Client()
    assert client.get(sign_url(old)).status_code == 404  # the old URL no longer works
    assert client.get(sign_url(new[1])).status_code == 200
    event = AuditEvent.objects.get(action="consent.link_reissued")
    assert event.details == {"link_id": link.pk, "party_id": photo_party.pk, "emailed": True}
    assert new[1] not in str(event.details) and new[1] not in str(ConsentLink.objects.values())


def test_a_new_url_is_shown_again_without_mail(
    reporter_client, reporter, photo_party, django_capture_on_commit_callbacks
):
    link, old = make_link(photo_party, reporter)

    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(reissue_url(link), {"send": "show"}, headers=HTMX)

    html = response.content.decode()
    new = TOKEN_IN_URL.search(html)
    assert response.status_code == 200 and new and new[1] != old
    assert f'value="http://testserver{sign_url(new[1])}"' in html
    assert mail.outbox == []


def test_a_link_is_emailed_when_it_is_made(
    reporter_client, photo_party, django_capture_on_commit_callbacks
):
    form = {
        "statement": spanish().pk,
        "media_description": TOLD,
        "uses": "Illustration of the story",
        "valid_from": timezone.localdate().isoformat(),
        "lifetime_days": "7",
        "send_email": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(
            reverse("consent:link_create", args=[photo_party.pk]), form, headers=HTMX
        )

    assert response.status_code == 200
    link = ConsentLink.objects.get()
    assert link.media_description == TOLD and link.statement == spanish()
    assert len(mail.outbox) == 1
    token = TOKEN_IN_URL.search(str(mail.outbox[0].body))
    assert token and f"http://testserver{sign_url(token[1])}" in mail.outbox[0].body
    assert "It was e-mailed to ada@example.org" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("other_reporter_client", 404), ("standards_client", 403)]
)
def test_who_cannot_collect_cannot_reissue(request, reporter, photo_party, persona, status):
    link, token = make_link(photo_party, reporter)
    client = request.getfixturevalue(persona)

    assert client.post(reissue_url(link), {"send": "email"}).status_code == status
    assert Client().get(sign_url(token)).status_code == 200  # unchanged
    assert mail.outbox == []


def test_reissue_is_post_only_and_refused_for_a_used_link(reporter_client, reporter, photo_party):
    link, token = make_link(photo_party, reporter)
    assert reporter_client.get(reissue_url(link)).status_code == 405
    assert Client().post(sign_url(token), sign_form()).status_code == 200

    response = reporter_client.post(reissue_url(link), {"send": "show"}, headers=HTMX)

    assert response.status_code == 409
    assert "already been used" in response.content.decode()
    assert not TOKEN_IN_URL.search(response.content.decode())
    assert not AuditEvent.objects.filter(action="consent.link_reissued").exists()


def test_the_panel_offers_the_url_again_for_waiting_links(reporter_client, reporter, photo_party):
    make_link(photo_party, reporter)

    html = reporter_client.get(
        reverse("consent:asset", args=[photo_party.asset_id])
    ).content.decode()

    assert "E-mail a new link" in html
    assert 'name="send" value="show"' in html
