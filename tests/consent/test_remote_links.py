"""Remote consent links: the desk makes and cancels them, the person signs on the public page
without an account. For each endpoint: who may, who may not (403), the wrong method (405), and
the rows written or not written."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from consent.errors import LinkProblem
from consent.evidence.records import text_sha256
from consent.models import ConsentLink, ConsentMethod, ConsentRecord, InformedPoint
from consent.remote.selectors import links_panel, links_panels
from consent.remote.services import (
    consent_link_cancel,
    consent_link_create,
    consent_link_open,
)
from consent.remote.texts import point_labels, remote_statement_text
from review.access import can_collect_consent
from tests.consent.helpers import (
    ALL_POINTS,
    default_statement,
    record_consent,
    scope,
    signature_data_url,
)

TOKEN_IN_URL = re.compile(r"/c/([A-Za-z0-9_-]{40,})/")
HTMX = {"HX-Request": "true"}


def token_in(html: str) -> str:
    found = TOKEN_IN_URL.search(html)
    assert found, "no consent link URL in the page"
    return found.group(1)


def create_url(party) -> str:
    return reverse("consent:link_create", args=[party.pk])


def cancel_url(link) -> str:
    return reverse("consent:link_cancel", args=[link.pk])


def sign_url(token: str) -> str:
    return reverse("consent:remote_sign", args=[token])


def link_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "statement": default_statement().pk,
        "uses": "Illustration of the story\nSocial video, Illustration of the story",
        "channels": "web, social",
        "territories": "",
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "lifetime_days": "7",
    }
    data.update(overrides)
    return data


def make_link(party, actor) -> tuple[ConsentLink, str]:
    return consent_link_create(
        party_id=party.pk, actor=actor, statement=default_statement(), scope=scope()
    )


def sign_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "acknowledged": ALL_POINTS,
        "signed_name": "Ada Subject",
        "signature": signature_data_url(),
        "shown_sha256": "",
    }
    data.update(overrides)
    return data


def assert_private(response) -> None:
    """The headers every public page carries: its URL is the credential."""
    assert "no-store" in response["Cache-Control"]
    # The path (the token) never goes out in a Referer; see consent.remote.views._token_in_url.
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]


# --- the desk: making a link ----------------------------------------------------------------


def test_reporter_makes_a_link_and_sees_its_url_once(reporter_client, subject_party, asset):
    response = reporter_client.post(create_url(subject_party), link_form(), headers=HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "consent/_links.html"
    html = response.content.decode()
    token = token_in(html)
    # No SITE_URL (the laptop default): the address this request came to, port included.
    assert f'value="http://testserver{sign_url(token)}"' in html
    assert "Copy" in html
    assert "no-store" in response["Cache-Control"]

    link = ConsentLink.objects.get()
    # Only the hash is kept: nothing on the row can give the link back.
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ConsentLink.objects.values().get())
    assert link.party == subject_party
    assert link.statement == default_statement()
    assert link.uses == ["Illustration of the story", "Social video"]
    assert link.channels == ["web", "social"]
    assert link.territories == []
    assert link.valid_until == date.today() + timedelta(days=365)
    assert abs(link.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    event = AuditEvent.objects.for_object(asset).get(action="consent.link_created")
    assert event.details["link_id"] == link.pk
    assert token not in str(event.details)

    # The same list rendered again (the desk page, the next answer) never shows the URL.
    again = render_to_string(
        "consent/_links.html",
        {"party": subject_party, "links": links_panel(link.created_by, subject_party)},
    )
    assert token not in again
    assert "Waiting for signature" in again


def test_a_plain_post_gets_a_page_with_the_url_and_a_mailto(reporter_client, subject_party):
    response = reporter_client.post(create_url(subject_party), link_form())

    assert response.status_code == 200  # not a redirect: the URL would be lost
    assert [t.name for t in response.templates][0] == "consent/remote_links.html"
    html = response.content.decode()
    token = token_in(html)
    assert "Consent links for Ada Subject" in html
    assert 'href="mailto:ada@example.org?subject=' in html
    assert f'href="{reverse("consent:asset", args=[subject_party.asset_id])}"' in html
    assert ConsentLink.objects.get().token_sha256 == hashlib.sha256(token.encode()).hexdigest()


def test_no_mailto_without_an_email(reporter_client, unidentified_party):
    response = reporter_client.post(create_url(unidentified_party), link_form(), headers=HTMX)

    assert response.status_code == 200
    assert TOKEN_IN_URL.search(response.content.decode())
    assert "mailto:" not in response.content.decode()


def test_an_editor_may_make_a_link(editor_client, subject_party):
    response = editor_client.post(create_url(subject_party), link_form(), headers=HTMX)

    assert response.status_code == 200
    assert ConsentLink.objects.count() == 1


@pytest.mark.parametrize("persona", ["other_reporter_client", "standards_client"])
def test_who_cannot_collect_consent_cannot_make_a_link(request, persona, subject_party):
    client = request.getfixturevalue(persona)

    response = client.post(create_url(subject_party), link_form(), headers=HTMX)

    # Standards see the asset but not its consent; another reporter does not see the asset.
    assert response.status_code == (403 if persona == "standards_client" else 404)
    assert not ConsentLink.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, subject_party):
    response = client.post(create_url(subject_party), link_form())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ConsentLink.objects.exists()


def test_making_a_link_is_post_only(reporter_client, subject_party):
    assert reporter_client.get(create_url(subject_party)).status_code == 405
    assert not ConsentLink.objects.exists()


def test_an_unknown_party_is_404(reporter_client):
    response = reporter_client.post(reverse("consent:link_create", args=[999999]), link_form())

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lifetime_days": "31"}, "less than or equal to 30"),
        ({"lifetime_days": "0"}, "greater than or equal to 1"),
        ({"uses": " , \n"}, "at least one use"),
        ({"uses": ""}, "at least one use"),
        ({"valid_until": (date.today() - timedelta(days=3)).isoformat()}, "end before it starts"),
        ({"statement": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_link_input_is_refused_and_nothing_saved(
    reporter_client, subject_party, overrides, message
):
    response = reporter_client.post(create_url(subject_party), link_form(**overrides), headers=HTMX)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TOKEN_IN_URL.search(response.content.decode())
    assert not ConsentLink.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.link_created").exists()


def test_a_minor_cannot_be_sent_a_link(reporter_client, reporter, minor_party):
    response = reporter_client.post(create_url(minor_party), link_form(), headers=HTMX)

    assert response.status_code == 400
    assert "A minor cannot sign by link" in response.content.decode()
    plain = reporter_client.post(create_url(minor_party), link_form())
    assert plain.status_code == 400
    assert [t.name for t in plain.templates][0] == "consent/remote_links.html"
    assert "A minor cannot sign by link" in plain.content.decode()
    assert not ConsentLink.objects.exists()
    # The desk shows why in place of the form, from the same answer the service gives.
    panel = links_panel(reporter, minor_party)
    assert panel.refusal.startswith("A minor cannot sign by link")
    assert not panel.can_send


def test_the_panel_is_read_only_for_who_may_not_collect(standards, legal, subject_party):
    assert links_panel(standards, subject_party).form is None
    assert links_panel(legal, subject_party).can_send


@pytest.mark.parametrize("n_parties", [1, 3])
def test_panels_read_in_fixed_queries(
    reporter, asset, make_asset, n_parties, django_assert_num_queries
):
    from consent.models import Party, PartyRole
    from consent.services import party_add, person_create

    for i in range(n_parties):
        person = person_create(actor=reporter, full_name=f"Person {i}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
        make_link(party, reporter)
    parties = list(Party.objects.select_related("asset", "person").filter(asset=asset))
    can_collect_consent(reporter, asset)  # warms the per-request role and permission caches

    with django_assert_num_queries(2):  # the links (with their creators), the statements
        panels = links_panels(reporter, parties)
    assert [len(p.rows) for p in panels] == [1] * n_parties


# --- the desk: cancelling a link ------------------------------------------------------------


def test_reporter_cancels_a_waiting_link(reporter_client, reporter, subject_party, asset):
    link, token = make_link(subject_party, reporter)

    response = reporter_client.post(cancel_url(link), headers=HTMX)

    assert response.status_code == 200
    assert "Link cancelled" in response.content.decode()
    assert "Cancelled" in response.content.decode()
    link.refresh_from_db()
    assert link.cancelled_at is not None
    assert AuditEvent.objects.for_object(asset).filter(action="consent.link_cancelled").exists()
    assert Client().get(sign_url(token)).status_code == 410


def test_cancel_without_htmx_goes_back_to_the_desk(reporter_client, reporter, subject_party):
    link, _ = make_link(subject_party, reporter)

    response = reporter_client.post(cancel_url(link))

    assert response.status_code == 302
    assert response["Location"] == reverse("consent:asset", args=[subject_party.asset_id])
    link.refresh_from_db()
    assert link.cancelled_at is not None


def test_a_used_link_cannot_be_cancelled(reporter_client, reporter, subject_party):
    link, token = make_link(subject_party, reporter)
    Client().post(sign_url(token), sign_form())

    response = reporter_client.post(cancel_url(link), headers=HTMX)

    assert response.status_code == 409
    assert "already used" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is not None and link.cancelled_at is None


def test_another_reporter_cannot_cancel(other_reporter_client, reporter, subject_party):
    link, _ = make_link(subject_party, reporter)

    assert other_reporter_client.post(cancel_url(link)).status_code == 404
    assert other_reporter_client.get(cancel_url(link)).status_code == 405
    link.refresh_from_db()
    assert link.cancelled_at is None


# --- the public page: opening the link --------------------------------------------------------


def test_the_link_opens_without_an_account(client, reporter, subject_party, creator_party):
    link, token = make_link(subject_party, reporter)

    response = client.get(sign_url(token))

    assert response.status_code == 200
    assert_private(response)
    assert settings.CSRF_COOKIE_NAME in response.cookies  # the form can be posted
    html = response.content.decode()
    text = remote_statement_text(link.statement, link, subject_party)
    assert escape(text) in html  # exactly what will be stored
    assert f'name="shown_sha256" value="{text_sha256(text)}"' in html
    for value, label in point_labels("en"):
        assert f'value="{value}" required' in html
        assert escape(label) in html
    assert 'name="signed_name"' in html
    assert 'name="signature"' in html
    assert "signature_pad-5.1.4.umd.min.js" in html
    # Nothing about the desk: not the other people, the file, or who sent the link.
    assert "Cy Creator" not in html
    assert reporter.username not in html
    assert reverse("review:asset_media", args=[subject_party.asset_id]) not in html
    assert "Review queue" not in html
    assert settings.NEWSROOM_NAME in html


def test_an_unknown_link_is_404(client, db):
    response = client.get(sign_url("not-a-real-token"))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert_private(response)


def test_an_expired_link_is_410(client, reporter, subject_party, time_machine):
    _, token = make_link(subject_party, reporter)
    time_machine.move_to(timezone.now() + timedelta(days=7, minutes=1))

    response = client.get(sign_url(token))

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert_private(response)
    assert client.post(sign_url(token), sign_form()).status_code == 410
    assert not ConsentRecord.objects.exists()


def test_a_link_works_until_just_before_it_expires(client, reporter, subject_party, time_machine):
    time_machine.move_to(timezone.now())
    _, token = make_link(subject_party, reporter)
    time_machine.shift(timedelta(days=7) - timedelta(minutes=1))

    assert client.get(sign_url(token)).status_code == 200


def test_a_cancelled_link_is_410(client, reporter, subject_party):
    link, token = make_link(subject_party, reporter)
    consent_link_cancel(link_id=link.pk, actor=reporter)

    response = client.get(sign_url(token))

    assert response.status_code == 410
    assert "cancelled" in response.content.decode()
    assert_private(response)


def test_the_public_page_is_get_and_post_only(client, reporter, subject_party):
    _, token = make_link(subject_party, reporter)

    response = client.put(sign_url(token))

    assert response.status_code == 405
    assert_private(response)


def test_the_public_page_reads_in_fixed_queries(
    client, reporter, subject_party, django_assert_num_queries
):
    _, token = make_link(subject_party, reporter)

    # The link with its party, asset, person and statement; the statement's translations.
    with django_assert_num_queries(2):
        client.get(sign_url(token))


# --- the public page: signing -------------------------------------------------------------------


def test_the_person_signs_and_gets_a_receipt(reporter, subject_party, asset):
    link, token = make_link(subject_party, reporter)
    browser = Client(enforce_csrf_checks=True, headers={"user-agent": "Phone/1.0"})
    browser.get(sign_url(token))
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post(
        sign_url(token), {**sign_form(), "csrfmiddlewaretoken": csrf}, REMOTE_ADDR="198.51.100.9"
    )

    assert response.status_code == 200
    assert_private(response)
    record = ConsentRecord.objects.get()
    assert record.method == ConsentMethod.SIGNED_REMOTELY
    assert record.party == subject_party
    assert record.signed_name == "Ada Subject"
    assert record.ip_address == "198.51.100.9"
    assert record.user_agent == "Phone/1.0"
    assert record.collected_by is None
    assert record.signature_sha256 and record.signature_image
    assert sorted(record.acknowledged) == sorted(ALL_POINTS)
    assert record.statement_text == remote_statement_text(link.statement, link, subject_party)
    link.refresh_from_db()
    assert link.used_at is not None and link.record == record
    html = response.content.decode()
    assert "Thank you, Ada Subject" in html
    assert record.record_sha256 in html
    assert "Reply to the person at " + settings.NEWSROOM_NAME in html  # no contact address set
    event = AuditEvent.objects.for_object(asset).get(action="consent.recorded")
    assert event.actor is None
    assert event.details["record_id"] == record.pk
    assert event.details["method"] == ConsentMethod.SIGNED_REMOTELY


def test_csrf_stays_on(reporter, subject_party):
    _, token = make_link(subject_party, reporter)
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(sign_url(token), sign_form())

    assert response.status_code == 403
    assert_private(response)
    assert not ConsentRecord.objects.exists()


def test_an_empty_pad_is_refused_and_the_link_still_works(
    client, reporter, subject_party, media_files
):
    _, token = make_link(subject_party, reporter)
    files_before = media_files()

    response = client.post(sign_url(token), sign_form(signature=signature_data_url(ink=False)))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Sign in the box first" in html
    assert 'role="alert"' in html
    assert 'value="Ada Subject"' in html  # what was typed is kept
    assert not ConsentRecord.objects.exists()
    assert media_files() == files_before
    assert consent_link_open(token).used_at is None
    assert client.post(sign_url(token), sign_form(signature="")).status_code == 400
    assert client.post(sign_url(token), sign_form()).status_code == 200


def test_every_informed_point_is_needed(client, reporter, subject_party):
    _, token = make_link(subject_party, reporter)
    some = [p for p in ALL_POINTS if p != InformedPoint.REVOCABLE]

    response = client.post(sign_url(token), sign_form(acknowledged=some))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Not ticked: " + escape(dict(point_labels("en"))[InformedPoint.REVOCABLE]) in html
    assert 'href="#point-synthetic"' in html  # the error summary links to the points
    # The ticked boxes stay ticked.
    assert f'value="{InformedPoint.SYNTHETIC.value}" required checked' in html
    assert f'value="{InformedPoint.REVOCABLE.value}" required>' in html
    assert not ConsentRecord.objects.exists()


def test_a_name_is_needed(client, reporter, subject_party):
    _, token = make_link(subject_party, reporter)

    response = client.post(sign_url(token), sign_form(signed_name="  "))

    assert response.status_code == 400
    assert "Type your full name." in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_second_submit_is_told_the_link_was_used(client, reporter, subject_party):
    _, token = make_link(subject_party, reporter)
    assert client.post(sign_url(token), sign_form()).status_code == 200

    response = client.post(sign_url(token), sign_form())

    assert response.status_code == 410
    html = response.content.decode()
    assert "already been used" in html
    assert "If you have just signed, your consent was received" in html
    assert_private(response)
    assert ConsentRecord.objects.count() == 1
    assert client.get(sign_url(token)).status_code == 410


def test_a_text_changed_since_the_page_opened_is_not_signed(client, reporter, legal, subject_party):
    """The person reads the Spanish translation; legal publishes a new version of it before
    they sign: the text they read is not the one that would be stored."""
    from consent.services import statement_publish

    _, token = make_link(subject_party, reporter)
    page = client.get(sign_url(token), {"lang": "es"}).content.decode()
    shown = re.search(r'name="shown_sha256" value="([0-9a-f]{64})"', page)
    assert shown and 'name="language" value="es"' in page
    statement_publish(
        actor=legal,
        key="synthetic-media-es",
        title="Consentimiento",
        body="Texto revisado por el departamento legal.",
        language="es",
    )

    response = client.post(sign_url(token), sign_form(shown_sha256=shown.group(1), language="es"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "The text changed after you opened this page" in html
    assert "Texto revisado por el departamento legal." in html  # the new text, to read again
    assert not ConsentRecord.objects.exists()
    fresh = re.search(r'name="shown_sha256" value="([0-9a-f]{64})"', html)
    assert fresh
    again = client.post(sign_url(token), sign_form(shown_sha256=fresh.group(1), language="es"))
    assert again.status_code == 200
    record = ConsentRecord.objects.get()
    assert record.statement.version == 2 and record.statement.language == "es"
    assert record.statement_text.startswith("Texto revisado por el departamento legal.")


def test_signing_again_by_link_supersedes_the_earlier_consent(client, reporter, subject_party):
    first = record_consent(subject_party, collected_by=reporter)
    _, token = make_link(subject_party, reporter)

    assert client.post(sign_url(token), sign_form()).status_code == 200

    second = ConsentRecord.objects.exclude(pk=first.pk).get()
    assert (second.version, second.supersedes) == (2, first)


def test_the_token_is_never_logged(client, reporter, subject_party, caplog, time_machine):
    caplog.set_level(logging.DEBUG)
    time_machine.move_to(timezone.now())
    _, token = make_link(subject_party, reporter)
    _, expired = make_link(subject_party, reporter)

    client.get(sign_url("unknown-token-value"))
    client.get(sign_url(token))
    client.post(sign_url(token), sign_form(signature=""))
    client.post(sign_url(token), sign_form())
    client.post(sign_url(token), sign_form())
    Client(enforce_csrf_checks=True).post(sign_url(token), sign_form())
    time_machine.shift(timedelta(days=8))
    client.get(sign_url(expired))

    assert "Remote consent link refused: used" in caplog.text
    assert "Remote consent link refused: expired" in caplog.text
    for secret in (token, expired, "unknown-token-value"):
        assert secret not in caplog.text


def test_link_problems_carry_their_reason(reporter, subject_party):
    from consent.errors import ConsentLinkError

    with pytest.raises(ConsentLinkError) as caught:
        consent_link_open("nothing-here")
    assert caught.value.reason == LinkProblem.UNKNOWN


def test_a_link_names_the_port_the_desk_was_reached_on(reporter_client, subject_party):
    """`make run PORT=8792` used to hand out http://127.0.0.1:8000/c/... links."""
    response = reporter_client.post(
        create_url(subject_party),
        link_form(),
        headers=HTMX,
        SERVER_NAME="127.0.0.1",
        SERVER_PORT="8792",
    )
    token = token_in(response.content.decode())
    assert f'value="http://127.0.0.1:8792{sign_url(token)}"' in response.content.decode()


def test_in_production_links_use_site_url_whatever_host_was_used(
    settings, reporter_client, subject_party
):
    settings.SITE_URL = "https://proofdesk.example.org"
    response = reporter_client.post(create_url(subject_party), link_form(), headers=HTMX)
    token = token_in(response.content.decode())
    expected = f'value="https://proofdesk.example.org{sign_url(token)}"'
    assert expected in response.content.decode()
