"""Legal's consent dashboard: who may open it, what each section lists, resolving alerts in
place, and a query count that does not grow with the number of assets in review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.completeness import consent_completeness
from consent.desk.selectors import legal_dashboard
from consent.models import ConsentAlert, PartyRole, Person, WaiverBasis
from consent.selectors import completeness_for_assets
from consent.services import (
    consent_revoke,
    party_add,
    party_remove,
    person_create,
    waiver_grant,
)
from review.models import Asset, AssetStatus
from tests.consent.helpers import record_consent

pytestmark = pytest.mark.django_db

DASHBOARD = "/consent/"
HTMX = {"HX-Request": "true"}
WAIVER_WHY = "Reporting on the deepfake itself; the face is blurred and the label says so."


def add_party(asset, actor, name, role=PartyRole.SUBJECT):
    person = person_create(actor=actor, full_name=name)
    return party_add(asset_id=asset.pk, actor=actor, role=role, person=person)


def test_dashboard_url_is_stable():
    assert reverse("consent:dashboard") == DASHBOARD


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("legal_client", 200),
        ("reporter_client", 403),
        ("editor_client", 403),
        ("standards_client", 403),
        ("outsider_client", 403),
    ],
)
def test_only_legal_opens_the_dashboard(request, client_fixture, status, db):
    response = request.getfixturevalue(client_fixture).get(DASHBOARD)
    assert response.status_code == status
    if status == 403:
        assert b"Consent dashboard" not in response.content


def test_the_dashboard_takes_no_posts(legal_client, db):
    assert legal_client.post(DASHBOARD).status_code == 405


def test_incomplete_assets_in_review_are_listed_with_what_is_missing(
    make_asset, reporter, legal_client
):
    missing = make_asset(original_filename="no-consent.jpg")
    add_party(missing, reporter, "Bo Bystander")
    complete = make_asset(original_filename="all-good.jpg")
    record_consent(add_party(complete, reporter, "Cy Creator", PartyRole.CREATOR))
    sent_back = make_asset(status=AssetStatus.CHANGES_REQUESTED, original_filename="sent-back.jpg")
    make_asset(status=AssetStatus.APPROVED, original_filename="approved.jpg")

    page = legal_client.get(DASHBOARD).content.decode()
    assert f"#{missing.pk} no-consent.jpg" in page
    assert "Bo Bystander (person depicted): no consent recorded." in page
    assert "No creator recorded: add who made this media." in page
    assert f"#{sent_back.pk} sent-back.jpg" in page
    assert "all-good.jpg" not in page
    assert "approved.jpg" not in page  # not waiting for sign-off
    assert "2 of 3 assets in review or sent back for changes." in page


def test_expiring_soon_lists_current_consents_ending_within_30_days(
    asset, reporter, legal, legal_client
):
    soon = record_consent(
        add_party(asset, reporter, "Sue Soon"),
        valid_until=date.today() + timedelta(days=10),
    )
    record_consent(
        add_party(asset, reporter, "Lee Later"), valid_until=date.today() + timedelta(days=60)
    )
    revoked = record_consent(
        add_party(asset, reporter, "Rey Revoked"), valid_until=date.today() + timedelta(days=5)
    )
    consent_revoke(record_id=revoked.pk, actor=legal, how="E-mail")
    board = legal_dashboard()
    assert [r.pk for r in board.expiring] == [soon.pk]
    page = legal_client.get(DASHBOARD).content.decode()
    assert "Sue Soon" in page
    assert "Lee Later" not in page


def test_recent_revocations_and_expiries_are_listed(
    asset, reporter, legal, legal_client, time_machine
):
    revoked = record_consent(add_party(asset, reporter, "Rey Revoked"))
    consent_revoke(record_id=revoked.pk, actor=legal, how="Letter")
    page = legal_client.get(DASHBOARD).content.decode()
    assert "Revoked (Letter)" in page and "Rey Revoked" in page
    assert "lena_legal" in page
    time_machine.move_to(timezone.now() + timedelta(days=45))
    assert "Rey Revoked" not in legal_client.get(DASHBOARD).content.decode()


def test_waivers_are_listed_with_basis_justification_and_who(asset, reporter, legal, legal_client):
    party = party_add(
        asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, description="Crowd, left"
    )
    waiver_grant(
        party_id=party.pk, actor=legal, basis=WaiverBasis.REPORTING, justification=WAIVER_WHY
    )
    page = legal_client.get(DASHBOARD).content.decode()
    waivers = page[page.index('id="waivers-title"') :]
    assert "Reporting on the synthetic media itself" in waivers
    assert WAIVER_WHY in waivers
    assert "Unidentified person (person depicted)" in waivers
    assert '<td data-label="Granted by">lena_legal</td>' in waivers


def test_open_alerts_are_resolved_in_place(make_asset, reporter, legal, legal_client):
    approved = make_asset(status=AssetStatus.PUBLISHED, original_filename="live.jpg")
    record = record_consent(add_party(approved, reporter, "Al Alerted", PartyRole.CREATOR))
    consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
    alert = ConsentAlert.objects.get()
    page = legal_client.get(DASHBOARD).content.decode()
    assert "Al Alerted" in page and "which was published" in page
    url = reverse("consent:alert_resolve", args=[alert.pk])
    response = legal_client.post(
        url, {"resolution": "Taken down", "return_to": "dashboard"}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="dashboard-alerts"')
    assert f"Alert on #{approved.pk} resolved." in fragment
    assert "No open alerts." in fragment
    alert.refresh_from_db()
    assert alert.resolved_by == legal and alert.resolution == "Taken down"


def test_resolving_from_the_dashboard_without_htmx_redirects_back(
    make_asset, reporter, legal, legal_client
):
    approved = make_asset(status=AssetStatus.APPROVED)
    record = record_consent(add_party(approved, reporter, "Al Alerted", PartyRole.CREATOR))
    consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
    alert = ConsentAlert.objects.get()
    response = legal_client.post(
        reverse("consent:alert_resolve", args=[alert.pk]),
        {"resolution": "New consent asked for", "return_to": "dashboard"},
    )
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


def test_a_failed_resolve_on_the_dashboard_says_why_next_to_the_alert(
    make_asset, reporter, legal, legal_client
):
    approved = make_asset(status=AssetStatus.APPROVED)
    record = record_consent(add_party(approved, reporter, "Al Alerted", PartyRole.CREATOR))
    consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
    alert = ConsentAlert.objects.get()
    response = legal_client.post(
        reverse("consent:alert_resolve", args=[alert.pk]),
        {"resolution": "", "return_to": "dashboard"},
        headers=HTMX,
    )
    assert response.status_code == 400
    fragment = response.content.decode()
    panel = fragment[fragment.index(f'id="alert-{alert.pk}"') :]
    assert panel.index("Say what was done") < panel.index("</form>")
    field = f"resolve-{alert.pk}-resolution"
    assert f'<label for="{field}">What was done</label>' in panel
    assert f'id="{field}" rows="2" cols="40" aria-describedby="{field}-help"' in panel
    assert f'<p class="help" id="{field}-help">Taken down, new consent recorded' in panel
    alert.refresh_from_db()
    assert alert.resolved_at is None


# --- completeness for many assets ----------------------------------------------------------------


def _varied_assets(make_asset, reporter, legal, n):
    """Assets in every consent situation: nobody, creator only, a lapsed consent, a minor,
    a waiver, complete; a newer version that expired, one that starts later, a minor with
    their guardian's consent, a party taken back and one not yet identified."""
    today = date.today()
    assets = []
    for i in range(n):
        asset = make_asset()
        kind = i % 9
        creator = add_party(asset, reporter, f"Creator {i}", PartyRole.CREATOR)
        if kind >= 1:
            record_consent(creator)
        if kind == 2:
            subject = record_consent(add_party(asset, reporter, f"Subject {i}"))
            consent_revoke(record_id=subject.pk, actor=legal, how="E-mail")
        if kind == 3:
            guardian = person_create(actor=reporter, full_name=f"Guardian {i}")
            minor = person_create(
                actor=reporter, full_name=f"Minor {i}", is_minor=True, guardian=guardian
            )
            party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=minor)
        if kind == 4:
            party = party_add(
                asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, description="Passer-by"
            )
            waiver_grant(
                party_id=party.pk, actor=legal, basis=WaiverBasis.ARTISTIC, justification=WAIVER_WHY
            )
        if kind == 5:
            first = record_consent(add_party(asset, reporter, f"Versioned {i}"))
            record_consent(
                first.party,
                supersedes=first,
                valid_from=today - timedelta(days=10),
                valid_until=today - timedelta(days=1),
            )
        if kind == 6:
            later = add_party(asset, reporter, f"Later {i}")
            record_consent(later, valid_from=today + timedelta(days=5))
        if kind == 7:
            guardian = person_create(actor=reporter, full_name=f"Parent {i}")
            minor = person_create(
                actor=reporter, full_name=f"Child {i}", is_minor=True, guardian=guardian
            )
            child = party_add(
                asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=minor
            )
            record_consent(child, role="guardian")
            # Signed as an adult, then found to be a minor: their own consent is not enough.
            teen = add_party(asset, reporter, f"Teen {i}")
            record_consent(teen)
            Person.objects.filter(pk=teen.person_id).update(is_minor=True, guardian=guardian)
        if kind == 8:
            taken_back = add_party(asset, reporter, f"Mistake {i}")
            party_remove(party_id=taken_back.pk, actor=reporter)
            party_add(
                asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, description="Crowd"
            )
        assets.append(asset)
    assets.append(make_asset())  # no parties at all
    return assets


def test_bulk_completeness_gives_the_same_answers_as_the_one_asset_function(
    make_asset, reporter, legal
):
    assets = _varied_assets(make_asset, reporter, legal, 18)
    bulk = completeness_for_assets([a.pk for a in assets])
    assert set(bulk) == {a.pk for a in assets}
    for asset in assets:
        one = consent_completeness(asset)
        assert (bulk[asset.pk].complete, bulk[asset.pk].missing, bulk[asset.pk].waived) == (
            one.complete,
            one.missing,
            one.waived,
        )
    assert {bulk[a.pk].complete for a in assets} == {True, False}
    # Every reason the rules give is among the answers, so each was compared.
    reasons = " ".join(m for a in assets for m in bulk[a.pk].missing)
    for reason in (
        "No creator recorded",
        "no consent recorded",
        "consent revoked on",
        "consent expired on",
        "consent starts only on",
        "a minor: their guardian must consent",
        "Unidentified person (person depicted)",
    ):
        assert reason in reasons
    assert "Mistake" not in reasons
    assert any(bulk[a.pk].waived for a in assets)


@pytest.mark.parametrize("n_assets", [3, 20])
def test_dashboard_query_count_does_not_grow_with_assets(
    make_asset, reporter, legal, legal_client, django_assert_max_num_queries, n_assets
):
    _varied_assets(make_asset, reporter, legal, n_assets)
    # session, user, roles with their permissions (one); then the dashboard's own eight (see
    # tests/consent/test_dashboard_scale.py).
    with django_assert_max_num_queries(11):
        response = legal_client.get(DASHBOARD)
    assert response.status_code == 200


def test_the_demo_data_shows_on_the_pages(legal_client, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    complete = Asset.objects.get(original_filename="ai-portrait-explainer.jpg")
    incomplete = Asset.objects.get(original_filename="flood-street-generated.jpg")
    board = legal_client.get(DASHBOARD).content.decode()
    assert f"#{incomplete.pk} flood-street-generated.jpg" in board
    page = legal_client.get(reverse("consent:asset", args=[complete.pk])).content.decode()
    assert "Consent: complete" in page
    assert "Ines Okafor (guardian of Ada Okafor)" in page
