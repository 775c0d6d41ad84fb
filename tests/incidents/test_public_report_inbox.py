"""Public reports that matched nothing: the standards desk opens the incident on the asset it
recognises, or sets the report aside. Nothing is deleted; others may not do either."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from incidents.models import HarmCategory, Incident, IncidentSource, PublicReport, Severity
from incidents.services import (
    IncidentRefused,
    InvalidIncident,
    public_report_attach,
    public_report_dismiss,
    public_report_receive,
)
from review.models import AssetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def unmatched(db):
    return public_report_receive(
        url="https://elsewhere.example/some-page",
        harm_category=HarmCategory.CONSENT_WITHDRAWN,
        description="I am the woman in the picture and I withdrew my consent.",
        email="reader@example.org",
        asset_id=None,
    )


def action_url(report):
    return reverse("incidents:public_report_action", args=[report.pk])


def test_standards_open_the_incident_on_the_asset_they_recognise(
    standards_client, unmatched, published
):
    response = standards_client.post(
        action_url(unmatched), {"action": "attach", "asset": str(published.pk)}
    )
    assert response.status_code == 302
    unmatched.refresh_from_db()
    incident = unmatched.incident
    assert incident is not None and incident.asset == published
    assert incident.source == IncidentSource.PUBLIC and incident.reported_by is None
    assert incident.harm_category == HarmCategory.CONSENT_WITHDRAWN
    assert incident.severity == Severity.HIGH  # as the form would have guessed
    assert incident.description == unmatched.description
    # Reported when the reader sent it, not when the desk matched it: the times to act count
    # from there.
    assert incident.reported_at == unmatched.received_at
    assert response["Location"].endswith(f"#incident-{incident.pk}")
    attached = AuditEvent.objects.for_object(unmatched).get(
        action="incident.public_report_attached"
    )
    assert attached.details == {"asset_id": published.pk, "incident_id": incident.pk}
    # The report left the inbox's unmatched list; the reply address is on the incident page.
    inbox = standards_client.get(reverse("incidents:inbox"))
    assertNotContains(inbox, f'id="public-report-{unmatched.pk}"')
    page = standards_client.get(reverse("incidents:asset_incidents", args=[published.pk]))
    assertContains(page, "reader@example.org")


@pytest.mark.parametrize(
    ("asset_field", "message"),
    [
        ("", "Give the number of the asset this report is about."),
        ("abc", "Give the asset&#x27;s number"),
        ("999999", "There is no asset #999999 you can see."),
    ],
)
def test_a_wrong_asset_number_says_so_and_changes_nothing(
    standards_client, unmatched, asset_field, message
):
    response = standards_client.post(
        action_url(unmatched), {"action": "attach", "asset": asset_field}
    )
    assertContains(response, message, status_code=400)
    unmatched.refresh_from_db()
    assert unmatched.incident is None and unmatched.dismissed_at is None
    assert not Incident.objects.exists()


def test_an_asset_that_takes_no_report_is_409(standards_client, unmatched, make_asset):
    in_review = make_asset(status=AssetStatus.IN_REVIEW)
    response = standards_client.post(
        action_url(unmatched), {"action": "attach", "asset": str(in_review.pk)}
    )
    assertContains(response, "Only approved or published assets", status_code=409)
    unmatched.refresh_from_db()
    assert unmatched.incident is None


def test_standards_set_a_report_aside_and_it_is_kept(standards_client, unmatched, standards):
    response = standards_client.post(action_url(unmatched), {"action": "dismiss"})
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.dismissed_by == standards and unmatched.dismissed_at is not None
    assert PublicReport.objects.filter(pk=unmatched.pk).exists()
    inbox = standards_client.get(reverse("incidents:inbox"))
    assertNotContains(inbox, f'id="public-report-{unmatched.pk}"')


def test_a_report_handled_already_is_refused(unmatched, published, standards):
    public_report_dismiss(report_id=unmatched.pk, actor=standards)
    with pytest.raises(IncidentRefused, match="set aside already"):
        public_report_attach(report_id=unmatched.pk, asset_id=published.pk, actor=standards)
    other = public_report_receive(
        url="", harm_category="other", description="Wrong.", email="", asset_id=None
    )
    public_report_attach(report_id=other.pk, asset_id=published.pk, actor=standards)
    with pytest.raises(IncidentRefused, match="already incident"):
        public_report_dismiss(report_id=other.pk, actor=standards)


@pytest.mark.parametrize("persona", ["editor_client", "legal_client", "reporter_client"])
def test_only_standards_handle_public_reports(request, unmatched, published, persona):
    client = request.getfixturevalue(persona)
    for data in ({"action": "attach", "asset": str(published.pk)}, {"action": "dismiss"}):
        assert client.post(action_url(unmatched), data).status_code == 403
    unmatched.refresh_from_db()
    assert unmatched.incident is None and unmatched.dismissed_at is None


def test_the_service_refuses_others_too(unmatched, published, editor):
    with pytest.raises(IncidentRefused, match="Only standards"):
        public_report_attach(report_id=unmatched.pk, asset_id=published.pk, actor=editor)


def test_the_service_asks_whether_the_actor_may_see_the_asset(
    unmatched, make_asset, standards, monkeypatch
):
    # Standards see every asset; the service still asks, for roles that see fewer.
    asset = make_asset(status=AssetStatus.PUBLISHED)
    monkeypatch.setattr("incidents.services.can_view_asset", lambda user, a: False)
    with pytest.raises(InvalidIncident, match="no asset"):
        public_report_attach(report_id=unmatched.pk, asset_id=asset.pk, actor=standards)


def test_an_unknown_report_is_404(standards_client):
    assert (
        standards_client.post(
            reverse("incidents:public_report_action", args=[987654]), {"action": "dismiss"}
        ).status_code
        == 404
    )
