"""The desk's consent pages: for every endpoint the allowed case, 403 for the wrong role or
another reporter, 405 for the wrong method, the rows each change writes, and bad input refused
with the service's message (400) while nothing is saved, neither rows nor files."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from consent.completeness import consent_completeness
from consent.models import (
    ConsentAlert,
    ConsentLapse,
    ConsentMethod,
    ConsentRecord,
    ConsentRole,
    ConsentStatement,
    ConsentWaiver,
    InformedPoint,
    Party,
    PartyRole,
    Person,
    WaiverBasis,
)
from consent.selectors import normalised_name, person_duplicates
from consent.services import (
    consent_revoke,
    party_add,
    person_create,
    statement_text,
    waiver_grant,
)
from review.models import AssetStatus
from tests.consent import media
from tests.consent.helpers import (
    ALL_POINTS,
    default_statement,
    record_consent,
    release_pdf,
    scope,
    signature_data_url,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HTMX_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
WAIVER_WHY = "Satirical sketch about the minister, clearly labeled; public-interest reporting."
CONSENT_DENIED = b"Consent records are personal data"


def page_url(asset):
    return reverse("consent:asset", args=[asset.pk])


def record_url(party):
    return reverse("consent:record", args=[party.pk])


def evidence_url(record, kind="signature"):
    return reverse("consent:evidence", args=[record.pk, kind])


def record_data(**overrides):
    """The in-person form as a browser sends it after the person signed on the pad."""
    data = {
        "statement": default_statement().pk,
        "acknowledged": ALL_POINTS,
        "uses": "Illustration of the story\nSocial teaser",
        "channels": "web, social",
        "territories": "",
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "method": ConsentMethod.SIGNED_IN_PERSON,
        "signature": signature_data_url(),
        "signed_name": "Ada Subject",
        "witness_name": "Wanda Witness",
        "role": "",
        "supersedes": "",
    }
    data.update(overrides)
    return data


def consent_files(media_files):
    return [p for p in media_files() if "consent" in p.parts]


# --- who may see the consent pages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("reporter_client", 200),  # the uploader
        ("editor_client", 200),
        ("legal_client", 200),
        ("standards_client", 403),  # sees the asset, not its consent
        ("other_reporter_client", 404),  # may not see the asset: as if there were none
        ("outsider_client", 403),
    ],
)
def test_consent_page_access_by_role(request, asset, subject_party, client_fixture, status):
    response = request.getfixturevalue(client_fixture).get(page_url(asset))
    assert response.status_code == status
    if status == 200:
        assert b"Ada Subject" in response.content
    else:
        assert b"Ada Subject" not in response.content


def test_standards_is_told_why(asset, standards_client):
    response = standards_client.get(page_url(asset))
    assert CONSENT_DENIED in response.content


def test_anonymous_is_sent_to_login(client, asset):
    response = client.get(page_url(asset))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_missing_asset_is_404(editor_client, db):
    assert editor_client.get(reverse("consent:asset", args=[424242])).status_code == 404


def _endpoints(asset, party, record, alert):
    return {
        "asset": ("get", page_url(asset)),
        "summary": ("get", reverse("consent:summary", args=[asset.pk])),
        "party_add": ("post", reverse("consent:party_add", args=[asset.pk])),
        "party_remove": ("post", reverse("consent:party_remove", args=[party.pk])),
        "waive": ("post", reverse("consent:waive", args=[party.pk])),
        "record": ("get", record_url(party)),
        "record_preview": ("get", reverse("consent:record_preview", args=[party.pk])),
        "revoke": ("post", reverse("consent:revoke", args=[record.pk])),
        "evidence": ("get", evidence_url(record)),
        "alert_resolve": ("post", reverse("consent:alert_resolve", args=[alert.pk])),
    }


@pytest.fixture
def alert_setup(make_asset, reporter, legal):
    """An approved asset whose creator's consent was revoked: an open alert."""
    approved = make_asset(status=AssetStatus.APPROVED)
    person = person_create(actor=reporter, full_name="Al Alerted")
    party = party_add(asset_id=approved.pk, actor=reporter, role=PartyRole.CREATOR, person=person)
    record = record_consent(party, collected_by=reporter)
    consent_revoke(record_id=record.pk, actor=legal, how="E-mail")
    return approved, party, record, ConsentAlert.objects.get()


ENDPOINT_NAMES = [
    "asset",
    "summary",
    "party_add",
    "party_remove",
    "waive",
    "record",
    "record_preview",
    "revoke",
    "evidence",
    "alert_resolve",
]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
@pytest.mark.parametrize("client_fixture", ["standards_client", "other_reporter_client"])
def test_every_endpoint_refuses_those_who_may_not_see_consent(
    request, alert_setup, client_fixture, name
):
    asset, party, record, alert = alert_setup
    method, url = _endpoints(asset, party, record, alert)[name]
    before = (Party.objects.count(), ConsentWaiver.objects.count(), AuditEvent.objects.count())
    response = getattr(request.getfixturevalue(client_fixture), method)(
        url, {"how": "x", "resolution": "y", "who": "unidentified", "description": "d"}
    )
    # Standards see the asset (so learn nothing from a 403); another reporter does not.
    assert response.status_code == (403 if client_fixture == "standards_client" else 404)
    after = (Party.objects.count(), ConsentWaiver.objects.count(), AuditEvent.objects.count())
    assert after == before
    alert.refresh_from_db()
    assert alert.resolved_at is None


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_every_endpoint_sends_anonymous_to_login(client, alert_setup, name):
    method, url = _endpoints(*alert_setup)[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_every_endpoint_refuses_the_wrong_method(legal_client, alert_setup, name):
    method, url = _endpoints(*alert_setup)[name]
    # The record form takes GET and POST; everything else takes one of them.
    wrong = "delete" if name == "record" else ("post" if method == "get" else "get")
    before = AuditEvent.objects.count()
    assert getattr(legal_client, wrong)(url).status_code == 405
    assert AuditEvent.objects.count() == before


def test_record_form_also_refuses_put(reporter_client, subject_party):
    assert reporter_client.put(record_url(subject_party)).status_code == 405


# --- the consent page --------------------------------------------------------------------------


def test_page_shows_verdict_states_records_and_the_waiver(
    asset, creator_party, subject_party, unidentified_party, reporter, legal, editor_client
):
    record_consent(creator_party, collected_by=reporter)
    waiver_grant(
        party_id=unidentified_party.pk,
        actor=legal,
        basis=WaiverBasis.SATIRE,
        justification=WAIVER_WHY,
    )
    page = editor_client.get(page_url(asset)).content.decode()
    assert "Consent: incomplete" in page
    assert "Ada Subject (person depicted): no consent recorded." in page
    assert "Missing: no consent recorded" in page
    assert "Covered: consent version 1" in page
    record = creator_party.consent_records.get()
    assert record.statement_sha256[:16] in page
    assert "synthetic-media version 1" in page
    assert "Signed on screen, in person" in page
    assert evidence_url(record) in page  # the thumbnail goes through the audited view
    # The waiver: basis, justification and who, prominently.
    assert 'class="waiver"' in page
    assert "Satire or parody" in page
    assert WAIVER_WHY in page
    assert "lena_legal" in page


def test_page_shows_only_the_actions_the_user_may_take(
    asset, creator_party, reporter, reporter_client, legal_client, editor_client
):
    record = record_consent(creator_party, collected_by=reporter)
    revoke = reverse("consent:revoke", args=[record.pk])
    waive = reverse("consent:waive", args=[creator_party.pk])
    legal_page = legal_client.get(page_url(asset)).content.decode()
    assert revoke in legal_page and waive in legal_page
    for client in (reporter_client, editor_client):
        page = client.get(page_url(asset)).content.decode()
        assert revoke not in page and waive not in page
        assert record_url(creator_party) in page
        assert "Record a new version" in page
        assert reverse("consent:party_add", args=[asset.pk]) in page


def test_history_lists_every_version_and_its_lapse(
    asset, creator_party, reporter, legal, legal_client
):
    first = record_consent(creator_party, collected_by=reporter)
    second = record_consent(
        creator_party, collected_by=reporter, supersedes=first, uses=["Explainer video"]
    )
    consent_revoke(record_id=second.pk, actor=legal, how="Letter")
    page = legal_client.get(page_url(asset)).content.decode()
    assert "Version 2" in page and "Version 1" in page
    assert "Earlier versions (1)" in page
    assert "Revoked (Letter), recorded by lena_legal" in page
    assert "Missing: consent revoked on" in page
    # A lapsed latest version cannot be revoked again: no revoke form.
    assert reverse("consent:revoke", args=[second.pk]) not in page


def test_htmx_gets_the_partial_and_history_restore_the_page(asset, reporter_client):
    partial = reporter_client.get(page_url(asset), headers=HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="consent"')
    assert "<html" not in partial
    full = reporter_client.get(page_url(asset), headers=HTMX_RESTORE).content.decode()
    assert "<html" in full


@pytest.mark.parametrize("n_parties", [2, 8])
def test_page_query_count_is_pinned(
    asset, reporter, legal, legal_client, django_assert_num_queries, n_parties
):
    for i in range(n_parties):
        person = person_create(actor=reporter, full_name=f"Person {i}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
        record = record_consent(party, collected_by=reporter)
        if i % 2:
            consent_revoke(record_id=record.pk, actor=legal, how="E-mail")
    # session, user, roles with permissions (one), asset, parties, records, alerts; the remote
    # links panels: links, latest statements
    with django_assert_num_queries(9):
        response = legal_client.get(page_url(asset))
    assert response.content.decode().count('class="card party') == n_parties


# --- the summary card on the review page -------------------------------------------------------


def test_review_page_loads_the_card_lazily_for_those_who_may_see_consent(
    asset, editor_client, standards_client
):
    summary = reverse("consent:summary", args=[asset.pk])
    assert (
        f'hx-get="{summary}"'
        in editor_client.get(reverse("review:asset_detail", args=[asset.pk])).content.decode()
    )
    standards_page = standards_client.get(reverse("review:asset_detail", args=[asset.pk]))
    assert standards_page.status_code == 200
    assert summary not in standards_page.content.decode()


def test_summary_card_has_verdict_waivers_and_link(
    asset, creator_party, unidentified_party, reporter, legal, reporter_client
):
    record_consent(creator_party, collected_by=reporter)
    waiver_grant(
        party_id=unidentified_party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification=WAIVER_WHY,
    )
    response = reporter_client.get(reverse("consent:summary", args=[asset.pk]), headers=HTMX)
    card = response.content.decode()
    assert response.status_code == 200
    assert card.lstrip().startswith('<section id="consent-summary"')
    assert "Consent: complete" in card
    assert "Reporting on the synthetic media itself" in card and WAIVER_WHY in card
    assert f'href="{page_url(asset)}"' in card


def test_summary_outside_htmx_goes_to_the_consent_page(asset, reporter_client):
    response = reporter_client.get(reverse("consent:summary", args=[asset.pk]))
    assert response.status_code == 302
    assert response["Location"] == page_url(asset)


def test_legal_has_the_consent_link_in_the_navigation(legal_client, reporter_client, db):
    dashboard = f'href="{reverse("consent:dashboard")}">Consent</a>'
    assert dashboard in legal_client.get(reverse("review:queue")).content.decode()
    assert dashboard not in reporter_client.get(reverse("review:queue")).content.decode()


# --- adding and removing parties -----------------------------------------------------------------


def add_url(asset):
    return reverse("consent:party_add", args=[asset.pk])


def test_reporter_adds_an_existing_person(asset, person, reporter, reporter_client):
    response = reporter_client.post(
        add_url(asset), {"role": "subject", "who": "existing", "person": person.pk}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Added Ada Subject (person depicted)." in response.content.decode()
    party = Party.objects.get()
    assert (party.asset, party.person, party.role, party.added_by) == (
        asset,
        person,
        PartyRole.SUBJECT,
        reporter,
    )
    assert AuditEvent.objects.filter(action="consent.party_added").count() == 1


def test_without_htmx_adding_redirects_back(asset, person, reporter_client):
    response = reporter_client.post(
        add_url(asset), {"role": "creator", "who": "existing", "person": person.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(asset)
    assert Party.objects.filter(role=PartyRole.CREATOR).count() == 1


def test_adding_the_same_person_twice_is_refused(asset, subject_party, person, reporter_client):
    response = reporter_client.post(
        add_url(asset), {"role": "subject", "who": "existing", "person": person.pk}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Ada Subject is already on this asset as subject." in response.content.decode()
    assert Party.objects.count() == 1


def test_a_person_the_reporter_may_not_see_cannot_be_picked(
    asset, make_asset, other_reporter, reporter_client
):
    stranger = person_create(actor=other_reporter, full_name="Sid Stranger")
    elsewhere = make_asset(uploaded_by=other_reporter)
    party_add(asset_id=elsewhere.pk, actor=other_reporter, role=PartyRole.SUBJECT, person=stranger)
    response = reporter_client.post(
        add_url(asset), {"role": "subject", "who": "existing", "person": stranger.pk}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Pick the person from the search results." in response.content.decode()
    assert not Party.objects.filter(asset=asset).exists()


def test_reporter_creates_a_new_person_inline(asset, reporter_client):
    response = reporter_client.post(
        add_url(asset),
        {
            "role": "creator",
            "who": "new",
            "full_name": "Noor Haddad",
            "email": "Noor@Example.org",
            "phone": "+1 202 555 0100",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    person = Person.objects.get()
    assert (person.full_name, person.email) == ("Noor Haddad", "noor@example.org")
    assert Party.objects.get().person == person


def test_a_minor_with_a_new_guardian_is_created_all_at_once(asset, reporter_client):
    response = reporter_client.post(
        add_url(asset),
        {
            "role": "subject",
            "who": "new",
            "full_name": "Ada Okafor",
            "is_minor": "on",
            "guardian_name": "Ines Okafor",
            "guardian_email": "ines@example.org",
            "description": "Girl on the swing",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    minor = Person.objects.get(full_name="Ada Okafor")
    assert minor.is_minor and minor.guardian is not None
    assert minor.guardian.full_name == "Ines Okafor"
    assert Party.objects.get().description == "Girl on the swing"


def test_a_minor_with_a_guardian_on_file(asset, guardian, reporter_client):
    response = reporter_client.post(
        add_url(asset),
        {
            "role": "subject",
            "who": "new",
            "full_name": "Kit Minor",
            "is_minor": "on",
            "guardian": guardian.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Person.objects.get(full_name="Kit Minor").guardian == guardian


def test_a_minor_without_a_guardian_is_refused_and_nothing_saved(asset, reporter_client):
    response = reporter_client.post(
        add_url(asset),
        {"role": "subject", "who": "new", "full_name": "Kid Alone", "is_minor": "on"},
        headers=HTMX,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A minor needs a guardian" in page
    assert 'role="alert"' in page
    assert 'value="Kid Alone"' in page  # what was typed stays in the form
    assert not Person.objects.exists()
    assert not Party.objects.exists()


def test_an_unidentified_person_needs_a_description(asset, reporter_client):
    response = reporter_client.post(
        add_url(asset), {"role": "subject", "who": "unidentified"}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Describe the unidentified person" in response.content.decode()
    assert not Party.objects.exists()

    response = reporter_client.post(
        add_url(asset),
        {"role": "subject", "who": "unidentified", "description": "Man on the roof"},
        headers=HTMX,
    )
    assert response.status_code == 200
    party = Party.objects.get()
    assert party.person is None and party.description == "Man on the roof"


def test_a_likely_duplicate_is_suggested_instead_of_created(asset, person, reporter_client):
    data = {"role": "subject", "who": "new", "full_name": "ada  SUBJECT", "email": ""}
    response = reporter_client.post(add_url(asset), data, headers=HTMX)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone with the same name, e-mail or phone is already on file." in page
    assert f'name="use_person" value="{person.pk}"' in page
    assert Person.objects.count() == 1
    assert not Party.objects.exists()

    # "Use Ada Subject" adds the person on file ...
    response = reporter_client.post(add_url(asset), {**data, "use_person": person.pk}, headers=HTMX)
    assert response.status_code == 200
    assert Party.objects.get().person == person


def test_confirming_a_different_person_creates_them(asset, person, reporter_client):
    data = {"role": "creator", "who": "new", "full_name": "Ada Subject", "allow_duplicate": "on"}
    response = reporter_client.post(add_url(asset), data, headers=HTMX)
    assert response.status_code == 200
    assert Person.objects.filter(full_name="Ada Subject").count() == 2


def test_a_double_submit_of_a_new_person_creates_one(asset, reporter_client):
    data = {"role": "subject", "who": "new", "full_name": "Dee Double", "email": "dee@example.org"}
    assert reporter_client.post(add_url(asset), data, headers=HTMX).status_code == 200
    assert reporter_client.post(add_url(asset), data, headers=HTMX).status_code == 409
    assert Person.objects.count() == 1 and Party.objects.count() == 1


def test_remove_a_party_added_by_mistake(asset, subject_party, reporter_client):
    response = reporter_client.post(
        reverse("consent:party_remove", args=[subject_party.pk]), headers=HTMX
    )
    assert response.status_code == 200
    subject_party.refresh_from_db()
    assert subject_party.removed_at is not None
    assert AuditEvent.objects.filter(action="consent.party_removed").count() == 1
    assert f'id="party-{subject_party.pk}"' not in response.content.decode()


def test_a_party_with_consent_is_not_removed(asset, creator_party, reporter, reporter_client):
    record_consent(creator_party, collected_by=reporter)
    response = reporter_client.post(
        reverse("consent:party_remove", args=[creator_party.pk]), headers=HTMX
    )
    assert response.status_code == 400
    assert "it stays on the record" in response.content.decode()
    creator_party.refresh_from_db()
    assert creator_party.removed_at is None


def test_standards_cannot_add_parties(asset, person, standards_client):
    response = standards_client.post(
        add_url(asset), {"role": "subject", "who": "existing", "person": person.pk}
    )
    assert response.status_code == 403
    assert not Party.objects.exists()


# --- recording consent in person -----------------------------------------------------------------


def test_record_form_shows_the_statement_the_points_and_the_methods(subject_party, reporter_client):
    page = reporter_client.get(record_url(subject_party)).content.decode()
    assert default_statement().body.splitlines()[0] in page
    for point in InformedPoint:
        assert f'value="{point.value}"' in page
        assert str(point.label) in page
    assert page.count('name="acknowledged"') == 4
    assert "signature_pad-5.1.4.umd.min.js" in page and "js/signature.js" in page
    assert 'name="supersedes"' in page
    assert "Signed release (uploaded)" in page and "Recorded verbal consent" in page
    assert "Signed on screen, by remote link" not in page  # that is the link pages' job


def test_record_form_for_a_minor_says_the_guardian_signs(minor_party, reporter_client):
    page = reporter_client.get(record_url(minor_party)).content.decode()
    assert "Milo Minor is a minor." in page
    assert "Gwen Guardian" in page
    assert 'name="role" value="guardian"' in page


def test_preview_shows_the_exact_text_that_will_be_stored(subject_party, reporter_client):
    response = reporter_client.get(
        reverse("consent:record_preview", args=[subject_party.pk]),
        {
            "statement": default_statement().pk,
            "uses": "Explainer, teaser",
            "channels": "web",
            "territories": "",
            "valid_from": "2030-01-01",
            "valid_until": "",
        },
        headers=HTMX,
    )
    expected = statement_text(
        default_statement(),
        subject_party,
        scope(
            uses=["Explainer", "teaser"],
            channels=["web"],
            territories=[],
            valid_from=date(2030, 1, 1),
            valid_until=None,
        ),
    )
    assert response.status_code == 200
    from django.utils.html import escape

    assert escape(expected) in response.content.decode()


def test_reporter_records_consent_signed_on_the_pad(
    asset, subject_party, reporter, reporter_client, media_files
):
    response = reporter_client.post(
        record_url(subject_party),
        record_data(),
        headers={**HTMX, "User-Agent": "Tablet Browser"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == page_url(asset)
    record = ConsentRecord.objects.get()
    assert (record.party, record.version, record.method) == (
        subject_party,
        1,
        ConsentMethod.SIGNED_IN_PERSON,
    )
    assert record.collected_by == reporter
    assert record.ip_address == "198.51.100.20"
    assert record.user_agent == "Tablet Browser"
    assert record.uses == ["Illustration of the story", "Social teaser"]
    assert record.channels == ["web", "social"]
    assert record.witness_name == "Wanda Witness"
    assert record.acknowledged == sorted(ALL_POINTS)
    with record.signature_image.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == record.signature_sha256
    assert len(consent_files(media_files)) == 1
    assert AuditEvent.objects.filter(action="consent.recorded").count() == 1
    followed = reporter_client.get(page_url(asset)).content.decode()
    assert "Consent of Ada Subject (person depicted) recorded (version 1)." in followed


def test_without_htmx_recording_redirects(asset, subject_party, reporter_client):
    response = reporter_client.post(record_url(subject_party), record_data())
    assert response.status_code == 302
    assert response["Location"] == page_url(asset)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signature": ""}, "Sign in the box first"),
        ({"signature": signature_data_url(ink=False)}, "Sign in the box first"),
        ({"acknowledged": ["synthetic", "use"]}, "The person must acknowledge every point"),
        ({"signed_name": "  "}, "The person must type their name."),
        ({"uses": ""}, "Say how the media will be used"),
        ({"valid_until": "2000-01-01"}, "The consent cannot end before it starts."),
        ({"valid_from": "not a date"}, "Valid from: Enter a valid date."),
        (
            {"method": ConsentMethod.UPLOADED_RELEASE},
            "Attach the signed release: the file is missing or empty.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_message_and_nothing_saved(
    subject_party, reporter_client, media_files, overrides, message
):
    response = reporter_client.post(
        record_url(subject_party), record_data(**overrides), headers=HTMX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'role="alert"' in body
    assert body.lstrip().startswith('<div id="record-errors"')  # only the error box swaps
    assert not ConsentRecord.objects.exists()
    assert consent_files(media_files) == []
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()


def test_without_htmx_an_error_renders_the_form_with_what_was_typed(subject_party, reporter_client):
    response = reporter_client.post(
        record_url(subject_party), record_data(signature="", signed_name="Ada S.")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Sign in the box first" in page
    assert 'value="Ada S."' in page
    assert "<html" in page
    # Also beside the pad, not only in the summary at the top of a long form.
    assert re.search(r'<p id="signature-error" class="error">Sign in the box first', page)


def test_an_error_about_something_else_leaves_the_pad_quiet(subject_party, reporter_client):
    response = reporter_client.post(
        record_url(subject_party),
        record_data(method=ConsentMethod.UPLOADED_RELEASE, signature=""),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p id="signature-error" class="error" hx-swap-oob="true" hidden></p>' in page


def test_uploaded_release_is_stored_with_its_hash(subject_party, reporter_client, media_files):
    response = reporter_client.post(
        record_url(subject_party),
        record_data(method=ConsentMethod.UPLOADED_RELEASE, signature="", evidence=release_pdf()),
        headers=HTMX,
    )
    assert response.status_code == 200
    record = ConsentRecord.objects.get()
    assert record.method == ConsentMethod.UPLOADED_RELEASE
    assert record.evidence_media_type == "application/pdf"
    assert record.evidence_filename == "release.pdf"
    assert not record.signature_image
    with record.evidence_file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == record.evidence_sha256
    assert len(consent_files(media_files)) == 1


RELEASE, VERBAL = ConsentMethod.UPLOADED_RELEASE, ConsentMethod.VERBAL
BROKEN_IMAGE = "The image is damaged or incomplete"
BROKEN_PDF = "The PDF is damaged or incomplete"
BROKEN_RECORDING = "The recording is damaged or incomplete"


def _cut(data: bytes) -> bytes:
    return data[: int(len(data) * 0.6) | 1]


@pytest.mark.parametrize(
    ("method", "content", "message"),
    [
        pytest.param(RELEASE, b"MZ\x90\x00" + b"\x00" * 100, "could not be used", id="exe"),
        pytest.param(RELEASE, b"%PDF-1.4\n1 0 obj<<>>endobj\n", BROKEN_PDF, id="pdf-no-trailer"),
        pytest.param(RELEASE, _cut(media.pdf_bytes()), BROKEN_PDF, id="pdf-cut-short"),
        pytest.param(RELEASE, _cut(media.image_bytes("JPEG")), BROKEN_IMAGE, id="jpeg-cut-short"),
        pytest.param(
            RELEASE, media.image_bytes("PNG")[:33] + b"\x00" * 2000, BROKEN_IMAGE, id="png-junk"
        ),
        pytest.param(VERBAL, b"%PDF-1.4\n%%EOF\n", "needs an audio or video recording", id="pdf"),
        pytest.param(VERBAL, _cut(media.wav_bytes()), BROKEN_RECORDING, id="wav-cut-short"),
        pytest.param(VERBAL, _cut(media.mp3_bytes()), BROKEN_RECORDING, id="mp3-cut-short"),
        pytest.param(VERBAL, _cut(media.ogg_bytes()), BROKEN_RECORDING, id="ogg-cut-short"),
        pytest.param(VERBAL, _cut(media.recorded_webm()), BROKEN_RECORDING, id="webm-cut-short"),
        pytest.param(VERBAL, _cut(media.recorded_mp4()), BROKEN_RECORDING, id="mp4-cut-short"),
    ],
)
def test_wrong_or_unreadable_evidence_is_refused_and_no_file_kept(
    subject_party, reporter_client, media_files, method, content, message
):
    upload = media.upload("evidence.bin", content)
    response = reporter_client.post(
        record_url(subject_party), record_data(method=method, evidence=upload), headers=HTMX
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()
    assert consent_files(media_files) == []


def test_verbal_consent_is_recorded_with_the_recording_as_evidence(
    asset, subject_party, reporter, reporter_client, legal_client, media_files
):
    recording = media.wav_bytes(seconds=1.0)
    response = reporter_client.post(
        record_url(subject_party),
        record_data(
            method=VERBAL,
            signature="",
            witness_name="",
            evidence=media.upload("phone-call.wav", recording),
        ),
        headers={**HTMX, "User-Agent": "Desk Browser"},
        REMOTE_ADDR="198.51.100.21",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == page_url(asset)

    record = ConsentRecord.objects.get()
    assert (record.party, record.method, record.collected_by) == (subject_party, VERBAL, reporter)
    assert record.signed_name == "Ada Subject" and record.ip_address == "198.51.100.21"
    assert not record.signature_image and record.signature_sha256 == ""
    assert record.evidence_media_type == "audio/x-wav"
    assert record.evidence_filename == "phone-call.wav"
    assert record.evidence_sha256 == hashlib.sha256(recording).hexdigest()
    with record.evidence_file.open("rb") as handle:
        assert handle.read() == recording
    [stored] = consent_files(media_files)
    assert stored.read_bytes() == recording

    [event] = AuditEvent.objects.filter(action="consent.recorded")
    assert (event.object_type, event.object_id) == ("review.asset", str(asset.pk))
    assert event.actor == reporter
    assert event.details["method"] == VERBAL and event.details["record_id"] == record.pk
    assert event.details["record_sha256"] == record.record_sha256
    # The verbal consent covers the subject; only the creator is still missing.
    assert consent_completeness(asset).missing == ["No creator recorded: add who made this media."]

    # Legal listens to it: the recording comes back whole, as a download, and the listening
    # is on the audit chain.
    download = legal_client.get(evidence_url(record, "evidence"))
    assert download.status_code == 200
    assert download["Content-Type"] == "audio/x-wav"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == recording
    viewed = AuditEvent.objects.get(action="consent.evidence_viewed")
    assert viewed.details["sha256"] == record.evidence_sha256


def test_a_double_submit_records_one_consent(subject_party, reporter_client, media_files):
    data = record_data()
    assert reporter_client.post(record_url(subject_party), data, headers=HTMX).status_code == 200
    again = reporter_client.post(record_url(subject_party), data, headers=HTMX)
    assert again.status_code == 400
    assert "the form was sent twice" in again.content.decode()
    assert ConsentRecord.objects.count() == 1
    assert len(consent_files(media_files)) == 1


def test_a_new_version_supersedes_the_latest_with_its_scope_prefilled(
    asset, subject_party, reporter, reporter_client
):
    first = record_consent(subject_party, collected_by=reporter, uses=["Print edition"])
    page = reporter_client.get(record_url(subject_party)).content.decode()
    assert "New version of the consent of Ada Subject" in page
    assert f'name="supersedes" value="{first.pk}"' in page
    assert "Print edition" in page
    response = reporter_client.post(
        record_url(subject_party), record_data(supersedes=first.pk, uses="Web"), headers=HTMX
    )
    assert response.status_code == 200
    second = ConsentRecord.objects.get(version=2)
    assert second.supersedes == first
    assert second.uses == ["Web"]
    # The first version is still there, unchanged.
    assert ConsentRecord.objects.get(pk=first.pk).uses == ["Print edition"]


def test_a_stale_form_is_refused(subject_party, reporter, reporter_client):
    first = record_consent(subject_party, collected_by=reporter)
    record_consent(subject_party, collected_by=reporter, supersedes=first)
    response = reporter_client.post(
        record_url(subject_party), record_data(supersedes=first.pk), headers=HTMX
    )
    assert response.status_code == 400
    assert "recorded for this person meanwhile" in response.content.decode()
    assert ConsentRecord.objects.count() == 2


def test_the_guardian_signs_for_a_minor(asset, minor_party, reporter_client):
    response = reporter_client.post(
        record_url(minor_party),
        record_data(role=ConsentRole.GUARDIAN, signed_name="Gwen Guardian"),
        headers=HTMX,
    )
    assert response.status_code == 200
    record = ConsentRecord.objects.get()
    assert record.role == ConsentRole.GUARDIAN
    assert record.signer is not None and record.signer.full_name == "Gwen Guardian"


def test_a_removed_party_has_no_record_form(subject_party, reporter_client):
    reporter_client.post(reverse("consent:party_remove", args=[subject_party.pk]))
    assert reporter_client.get(record_url(subject_party)).status_code == 404


def test_an_old_statement_version_cannot_be_chosen(subject_party, legal, reporter_client):
    from consent.services import statement_publish

    old = default_statement()
    statement_publish(actor=legal, key=old.key, title=old.title, body=old.body + "\nNew clause.")
    response = reporter_client.post(record_url(subject_party), record_data(statement=old.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ConsentRecord.objects.exists()


# --- evidence ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client", "legal_client"])
def test_signature_is_served_inline_with_strict_headers_and_audited(
    request, creator_party, reporter, client_fixture
):
    record = record_consent(creator_party, collected_by=reporter)
    client = request.getfixturevalue(client_fixture)
    response = client.get(evidence_url(record), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == record.signature_sha256
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="consent.evidence_viewed")
    assert event.object_type == "review.asset" and event.object_id == str(record.asset_id)
    assert event.details == {
        "record_id": record.pk,
        "kind": "signature",
        "sha256": record.signature_sha256,
        "ip": "192.0.2.44",
    }


def test_every_view_is_a_new_audit_event(creator_party, reporter, legal_client):
    record = record_consent(creator_party, collected_by=reporter)
    for _ in range(3):
        assert legal_client.get(evidence_url(record)).status_code == 200
    assert AuditEvent.objects.filter(action="consent.evidence_viewed").count() == 3


def test_a_release_pdf_is_downloaded_as_an_attachment(creator_party, reporter, legal_client):
    record = record_consent(
        creator_party, collected_by=reporter, method=ConsentMethod.UPLOADED_RELEASE
    )
    response = legal_client.get(evidence_url(record, "evidence"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''release.pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    event = AuditEvent.objects.get(action="consent.evidence_viewed")
    assert event.details["kind"] == "evidence"
    assert event.details["sha256"] == record.evidence_sha256


def test_missing_evidence_or_unknown_kind_is_404_and_not_audited(
    creator_party, reporter, legal_client
):
    record = record_consent(creator_party, collected_by=reporter)  # signed: no evidence file
    assert legal_client.get(evidence_url(record, "evidence")).status_code == 404
    assert legal_client.get(evidence_url(record, "passport")).status_code == 404
    assert (
        legal_client.get(reverse("consent:evidence", args=[9999, "signature"])).status_code == 404
    )
    assert not AuditEvent.objects.filter(action="consent.evidence_viewed").exists()


@pytest.mark.parametrize("client_fixture", ["standards_client", "other_reporter_client"])
def test_evidence_is_refused_to_those_who_may_not_see_consent(
    request, creator_party, reporter, client_fixture
):
    record = record_consent(creator_party, collected_by=reporter)
    response = request.getfixturevalue(client_fixture).get(evidence_url(record))
    assert response.status_code == (403 if client_fixture == "standards_client" else 404)
    assert not AuditEvent.objects.filter(action="consent.evidence_viewed").exists()


# --- waivers, revocations, alerts (legal) --------------------------------------------------------


def waive_url(party):
    return reverse("consent:waive", args=[party.pk])


def test_legal_waives_consent_for_an_unidentified_person(
    asset, creator_party, unidentified_party, reporter, legal, legal_client
):
    record_consent(creator_party, collected_by=reporter)
    response = legal_client.post(
        waive_url(unidentified_party),
        {"basis": WaiverBasis.SATIRE, "justification": WAIVER_WHY},
        headers=HTMX,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Consent of Unidentified person (person depicted) waived." in page
    assert "Consent: complete" in page
    waiver = ConsentWaiver.objects.get()
    assert (waiver.party, waiver.basis, waiver.justification, waiver.granted_by) == (
        unidentified_party,
        WaiverBasis.SATIRE,
        WAIVER_WHY,
        legal,
    )
    assert AuditEvent.objects.filter(action="consent.waived").count() == 1


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client"])
def test_only_legal_waives(request, subject_party, client_fixture):
    response = request.getfixturevalue(client_fixture).post(
        waive_url(subject_party), {"basis": WaiverBasis.SATIRE, "justification": WAIVER_WHY}
    )
    assert response.status_code == 403
    assert b"Only legal can waive consent." in response.content
    assert not ConsentWaiver.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"basis": WaiverBasis.SATIRE, "justification": "ok"}, "Write the justification"),
        ({"basis": "", "justification": WAIVER_WHY}, "Choose the basis of the waiver"),
    ],
)
def test_a_waiver_without_basis_or_justification_is_refused(
    subject_party, legal_client, data, message
):
    response = legal_client.post(waive_url(subject_party), data, headers=HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'id="waive-{subject_party.pk}-justification">\n{data["justification"]}' in page
    assert '<details class="legal-action" open>' in page
    assert not ConsentWaiver.objects.exists()


def test_legal_records_a_revocation(asset, creator_party, reporter, legal, legal_client):
    record = record_consent(creator_party, collected_by=reporter)
    response = legal_client.post(
        reverse("consent:revoke", args=[record.pk]),
        {"how": "Phone call", "note": "Called the desk", "effective_at": "2030-05-01T10:30"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Revocation of Cy Creator&#x27;s consent recorded." in response.content.decode()
    lapse = ConsentLapse.objects.get()
    assert (lapse.record, lapse.kind, lapse.how, lapse.note, lapse.recorded_by) == (
        record,
        "revoked",
        "Phone call",
        "Called the desk",
        legal,
    )
    assert lapse.effective_at.year == 2030
    assert ConsentRecord.objects.filter(pk=record.pk).exists()  # never deleted


def test_a_revocation_needs_how_it_reached_us(creator_party, reporter, legal_client):
    record = record_consent(creator_party, collected_by=reporter)
    response = legal_client.post(reverse("consent:revoke", args=[record.pk]), {"how": ""})
    assert response.status_code == 400
    assert "Say how the revocation reached us" in response.content.decode()
    assert not ConsentLapse.objects.exists()


def test_a_revocation_twice_is_refused(creator_party, reporter, legal_client):
    record = record_consent(creator_party, collected_by=reporter)
    url = reverse("consent:revoke", args=[record.pk])
    assert legal_client.post(url, {"how": "E-mail"}, headers=HTMX).status_code == 200
    again = legal_client.post(url, {"how": "E-mail"}, headers=HTMX)
    assert again.status_code == 400
    assert "already revoked or has expired" in again.content.decode()
    assert ConsentLapse.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client"])
def test_only_legal_revokes(request, creator_party, reporter, client_fixture):
    record = record_consent(creator_party, collected_by=reporter)
    response = request.getfixturevalue(client_fixture).post(
        reverse("consent:revoke", args=[record.pk]), {"how": "E-mail"}
    )
    assert response.status_code == 403
    assert not ConsentLapse.objects.exists()


def test_legal_resolves_an_alert_on_the_asset_page(alert_setup, legal, legal_client):
    asset, _, _, alert = alert_setup
    page = legal_client.get(page_url(asset)).content.decode()
    assert reverse("consent:alert_resolve", args=[alert.pk]) in page
    response = legal_client.post(
        reverse("consent:alert_resolve", args=[alert.pk]),
        {"resolution": "Taken down from the site", "return_to": "asset"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="consent"')
    alert.refresh_from_db()
    assert (alert.resolved_by, alert.resolution) == (legal, "Taken down from the site")
    assert AuditEvent.objects.filter(action="consent.alert_resolved").count() == 1


def test_resolving_needs_what_was_done(alert_setup, legal_client):
    _, _, _, alert = alert_setup
    response = legal_client.post(
        reverse("consent:alert_resolve", args=[alert.pk]), {"resolution": " "}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Say what was done" in response.content.decode()
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_the_uploader_cannot_resolve_alerts(alert_setup, reporter_client):
    _, _, _, alert = alert_setup
    response = reporter_client.post(
        reverse("consent:alert_resolve", args=[alert.pk]), {"resolution": "Done"}
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.resolved_at is None


# --- people -------------------------------------------------------------------------------------


def test_legal_searches_people_by_name_email_and_phone(legal_client, reporter):
    person_create(actor=reporter, full_name="Noor Haddad", email="noor@example.org")
    person_create(actor=reporter, full_name="Tomás Rivera", phone="+1 (202) 555-0143")
    url = reverse("consent:people")
    assert "Noor Haddad" in legal_client.get(url, {"q": "haddad"}).content.decode()
    by_mail = legal_client.get(url, {"q": "noor@example"}).content.decode()
    assert "Noor Haddad" in by_mail and "Tomás Rivera" not in by_mail
    by_phone = legal_client.get(url, {"q": "2025550143"}).content.decode()
    assert "Tomás Rivera" in by_phone and "Noor Haddad" not in by_phone


def test_reporters_see_only_people_on_their_assets(
    asset, make_asset, subject_party, minor_party, other_reporter, reporter_client
):
    theirs = make_asset(uploaded_by=other_reporter)
    stranger = person_create(actor=other_reporter, full_name="Sid Stranger")
    party_add(asset_id=theirs.pk, actor=other_reporter, role=PartyRole.SUBJECT, person=stranger)
    page = reporter_client.get(reverse("consent:people")).content.decode()
    assert "Ada Subject" in page
    assert "Gwen Guardian" in page  # the guardian of a minor on their asset
    assert "Sid Stranger" not in page
    # As if there were nobody: a 403 would tell which person ids are on file.
    assert reporter_client.get(reverse("consent:person", args=[stranger.pk])).status_code == 404


def test_standards_has_no_people_pages(standards_client, person):
    assert standards_client.get(reverse("consent:people")).status_code == 403
    assert standards_client.get(reverse("consent:person", args=[person.pk])).status_code == 403
    assert standards_client.get(reverse("consent:people_pick"), {"q": "Ada"}).status_code == 403


def test_people_search_flags_lookalikes(legal_client, reporter):
    first = person_create(actor=reporter, full_name="José Díaz", email="jd@example.org")
    person_create(actor=reporter, full_name="jose  diaz", phone="555 0101")
    page = legal_client.get(reverse("consent:people"), {"q": "d"}).content.decode()
    assert "Possibly the same person as" in page
    assert reverse("consent:person", args=[first.pk]) in page


@pytest.mark.parametrize("n_people", [3, 30])
def test_people_query_count_is_pinned(legal_client, reporter, django_assert_num_queries, n_people):
    guardian = person_create(actor=reporter, full_name="A Guardian")
    for i in range(n_people):
        person_create(
            actor=reporter, full_name=f"Person {i:02}", is_minor=bool(i % 2), guardian=guardian
        )
    # session, user, roles with permissions (one), count, the page of people with their guardians
    with django_assert_num_queries(5):
        response = legal_client.get(reverse("consent:people"))
    assert response.status_code == 200
    person_links = re.findall(r'href="/consent/people/\d+/"', response.content.decode())
    assert len(person_links) == min(n_people + 1, 25)


def test_people_are_paginated(legal_client, reporter):
    for i in range(30):
        person_create(actor=reporter, full_name=f"Person {i:02}")
    second = legal_client.get(reverse("consent:people"), {"page": 2}, headers=HTMX)
    page = second.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert "Person 29" in page and "Person 00" not in page
    assert "Page 2 of 2" in page


def test_person_page_shows_their_assets_and_consent_states(
    asset, subject_party, reporter, reporter_client
):
    record_consent(
        subject_party, collected_by=reporter, valid_until=date.today() + timedelta(days=9)
    )
    page = reporter_client.get(reverse("consent:person", args=[subject_party.person_id])).content
    text = page.decode()
    assert "ada@example.org" in text
    assert f"#{asset.pk} {asset.original_filename}" in text
    assert "Consent version 1" in text


def test_the_guardian_page_lists_the_wards(minor, guardian, legal_client):
    page = legal_client.get(reverse("consent:person", args=[guardian.pk])).content.decode()
    assert "Guardian of" in page and "Milo Minor" in page


def test_the_picker_returns_radios_and_guardians_are_never_minors(
    asset, subject_party, minor_party, reporter_client
):
    url = reverse("consent:people_pick")
    people = reporter_client.get(url, {"q": "i", "field": "person"}).content.decode()
    assert 'type="radio" name="person"' in people
    assert "Milo Minor" in people and "minor (guardian: Gwen Guardian)" in people
    guardians = reporter_client.get(url, {"q": "i", "field": "guardian"}).content.decode()
    assert 'name="guardian"' in guardians
    assert "Milo Minor" not in guardians
    assert reporter_client.get(url, {"q": "i", "field": "password"}).status_code == 404


def test_duplicates_while_typing_name_only_what_the_user_may_see(
    asset, subject_party, make_asset, other_reporter, reporter_client
):
    theirs = make_asset(uploaded_by=other_reporter)
    hidden = person_create(actor=other_reporter, full_name="Ada Subject", email="other@example.org")
    party_add(asset_id=theirs.pk, actor=other_reporter, role=PartyRole.SUBJECT, person=hidden)
    page = reporter_client.get(
        reverse("consent:people_duplicates"), {"full_name": "ada subject", "email": "", "phone": ""}
    ).content.decode()
    assert f'name="use_person" value="{subject_party.person_id}"' in page
    assert f'value="{hidden.pk}"' not in page and "other@example.org" not in page
    assert "assets you cannot see" not in page  # not even a count of the others


def test_duplicates_check_is_no_oracle_for_emails_on_file(
    asset, make_asset, other_reporter, reporter_client
):
    theirs = make_asset(uploaded_by=other_reporter)
    hidden = person_create(actor=other_reporter, full_name="Hana Hidden", email="hana@example.org")
    party_add(asset_id=theirs.pk, actor=other_reporter, role=PartyRole.SUBJECT, person=hidden)

    def answer(email):
        response = reporter_client.get(
            reverse("consent:people_duplicates"), {"full_name": "", "email": email, "phone": ""}
        )
        assert response.status_code == 200
        return response.content.decode()

    assert answer("hana@example.org") == answer("nobody-at-all@example.org")
    # Adding them is not refused as a duplicate either (the 409 would be the same oracle).
    response = reporter_client.post(
        add_url(asset),
        {"role": "subject", "who": "new", "full_name": "H. Hidden", "email": "hana@example.org"},
    )
    assert response.status_code in (200, 302)
    assert Party.objects.filter(asset=asset, person__email="hana@example.org").exists()


def test_person_duplicates_matches_email_phone_and_normalised_name(reporter):
    jose = person_create(actor=reporter, full_name="José  Díaz", email="Jose@Example.org")
    phoned = person_create(actor=reporter, full_name="Pat Phone", phone="+44 (20) 7946-0000")
    person_create(actor=reporter, full_name="Josephine Other")

    def found(name="", email="", phone=""):
        return {d.person.pk: d.reasons for d in person_duplicates(name, email, phone)}

    assert found(email="jose@example.org") == {jose.pk: ["same e-mail"]}
    assert found(phone="442079460000") == {phoned.pk: ["same phone"]}
    assert found(name="jose diaz") == {jose.pk: ["same name"]}
    assert found(name="JOSÉ DÍAZ", email="jose@example.org") == {
        jose.pk: ["same e-mail", "same name"]
    }
    assert found(name="Jose Diazz") == {}
    assert found(phone="0000") == {}  # too short to mean anything
    assert normalised_name("  Zoë   O'Brien ") == "zoe o'brien"


# --- statements ----------------------------------------------------------------------------------


def test_legal_lists_and_publishes_statement_versions(legal, legal_client):
    url = reverse("consent:statements")
    page = legal_client.get(url).content.decode()
    assert "synthetic-media" in page and "Version 1 (current)" in page
    prefilled = legal_client.get(url, {"key": "synthetic-media"}).content.decode()
    assert default_statement().body.splitlines()[0] in prefilled
    response = legal_client.post(
        url,
        {"key": "synthetic-media", "title": "Consent v2", "language": "en", "body": "New text."},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Published Consent v2 (v2, en)." in response.content.decode()
    latest = ConsentStatement.objects.get(key="synthetic-media", version=2)
    assert (latest.body, latest.created_by) == ("New text.", legal)
    assert AuditEvent.objects.filter(action="consent.statement_published").count() == 1


def test_a_statement_without_text_is_refused(legal_client):
    response = legal_client.post(
        reverse("consent:statements"),
        {"key": "voice", "title": "Voice", "language": "en", "body": ""},
    )
    assert response.status_code == 400
    assert "A consent statement needs a title and a text." in response.content.decode()
    assert not ConsentStatement.objects.filter(key="voice").exists()


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client", "standards_client"])
def test_only_legal_manages_statements(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    assert client.get(reverse("consent:statements")).status_code == 403
    response = client.post(
        reverse("consent:statements"),
        {"key": "voice", "title": "Voice", "language": "en", "body": "Text"},
    )
    assert response.status_code == 403
    assert not ConsentStatement.objects.filter(key="voice").exists()


def test_statements_page_refuses_delete(legal_client):
    assert legal_client.delete(reverse("consent:statements")).status_code == 405


def test_waiver_shown_on_the_page_where_the_record_is(
    asset, subject_party, reporter, legal, legal_client
):
    record_consent(subject_party, collected_by=reporter)
    waiver_grant(party_id=subject_party.pk, actor=legal, basis="artistic", justification=WAIVER_WHY)
    page = legal_client.get(page_url(asset)).content.decode()
    assert page.count('class="waiver"') == 2  # in the verdict card and on the party
    assert "Covered: consent waived by legal" in page


@pytest.mark.parametrize(
    "name", ["consent:people", "consent:people_pick", "consent:people_duplicates", "consent:person"]
)
def test_people_pages_take_no_posts_and_no_outsiders(
    legal_client, outsider_client, client, person, name
):
    url = reverse(name, args=[person.pk]) if name == "consent:person" else reverse(name)
    assert legal_client.post(url).status_code == 405
    assert outsider_client.get(url).status_code == 403
    assert client.get(url).status_code == 302
