"""The incidents page: anyone on the desk who may see the asset reads its incidents and reports
one; standards editors decide. For each endpoint: the allowed case, 403, 405, and the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from incidents.models import Decision, Incident, IncidentSource, IncidentStatus
from integrations.models import EventType, OutboxEvent
from review.models import AssetStatus

pytestmark = pytest.mark.django_db

REPORT = {
    "harm_category": "defamation",
    "severity": "critical",
    "description": "The synthetic audio puts words in the mayor's mouth.",
}
CORRECTION_TEXT = "Correction: this audio was generated with AI and was not said by the mayor."


def page_url(asset):
    return reverse("incidents:asset_incidents", args=[asset.pk])


def report_url(asset):
    return reverse("incidents:report", args=[asset.pk])


def decide_url(incident):
    return reverse("incidents:decide", args=[incident.asset_id, incident.pk])


def unchanged():
    """Everything a refused request must leave as it was."""
    return (
        list(Incident.objects.order_by("pk").values()),
        OutboxEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reporter_client", "editor_client", "legal_client"])
def test_the_desk_sees_incidents_and_the_report_form(request, open_incident, persona):
    response = request.getfixturevalue(persona).get(page_url(open_incident.asset))
    assert response.status_code == 200
    assertContains(response, f"Incident {open_incident.pk}: Disinformation")
    assertContains(response, "eddie_editor")  # the desk sees who reported
    # Every report field has its label.
    for field in ("harm_category", "severity", "description"):
        assertContains(response, f'<label for="report-{field}">')
    # Deciding is for standards only.
    assertNotContains(response, decide_url(open_incident))


def test_standards_see_a_decide_form_per_open_incident(
    standards_client, open_incident, report, editor, standards
):
    second = report(open_incident.asset, editor)
    decided = report(open_incident.asset, editor)
    standards_client.post(decide_url(decided), {"decision": "no_action"})
    content = standards_client.get(page_url(open_incident.asset)).content.decode()
    assert decide_url(open_incident) in content and decide_url(second) in content
    assert decide_url(decided) not in content
    assert f'<label for="decide-{open_incident.pk}-public_note">' in content
    assert "No action, by sam_standards" in content


def test_an_asset_in_review_shows_why_it_takes_no_report(editor_client, make_asset):
    asset = make_asset(status=AssetStatus.IN_REVIEW)
    response = editor_client.get(page_url(asset))
    assert response.status_code == 200
    assertContains(response, "Only approved or published assets take incident reports")
    assertNotContains(response, f'action="{report_url(asset)}"')


@pytest.mark.parametrize(
    ("persona", "status"),
    # No newsroom role: refused before any lookup. Another reporter: as if there were no asset.
    [("outsider_client", 403), ("other_reporter_client", 404)],
)
def test_the_page_is_refused_to_those_who_cannot_see_the_asset(request, published, persona, status):
    assert request.getfixturevalue(persona).get(page_url(published)).status_code == status


def test_the_page_sends_anonymous_visitors_to_log_in(client, published):
    response = client.get(page_url(published))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_page_is_404_for_a_missing_asset(editor_client):
    assert editor_client.get("/assets/999999/incidents/").status_code == 404


def test_the_page_takes_no_post(editor_client, published):
    assert editor_client.post(page_url(published)).status_code == 405


def test_the_page_query_count_does_not_grow_with_incidents(
    standards_client, published, report, editor, django_assert_num_queries
):
    report(published, editor)
    # session, user, role groups with their permissions (one), asset, incidents (with
    # reporter, triager and decider joined), and for the standards desk the count of overdue
    # takedowns behind the banner every desk page shows them; with an incident open, the labels
    # a relabel may set: the classification, the active terms and their texts
    with django_assert_num_queries(9):
        assert standards_client.get(page_url(published)).status_code == 200
    for _ in range(5):
        report(published, editor)
    decided = Incident.objects.first()
    assert decided is not None
    standards_client.post(decide_url(decided), {"decision": "no_action"})
    with django_assert_num_queries(9):
        assert standards_client.get(page_url(published)).status_code == 200


# --- reporting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "username"),
    [("reporter_client", "rita_reporter"), ("editor_client", "eddie_editor")],
)
def test_a_staff_report_writes_an_incident(request, published, persona, username):
    response = request.getfixturevalue(persona).post(report_url(published), REPORT)
    assert response.status_code == 302 and response["Location"] == page_url(published)
    incident = Incident.objects.get()
    assert incident.asset == published
    assert (incident.harm_category, incident.severity) == ("defamation", "critical")
    assert incident.source == IncidentSource.STAFF
    assert incident.reported_by is not None and incident.reported_by.username == username
    assert incident.status == IncidentStatus.OPEN
    assert AuditEvent.objects.for_object(incident).get().action == "incident.reported"
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider_client", 403), ("other_reporter_client", 404)]
)
def test_a_report_is_refused_to_those_who_cannot_see_the_asset(request, published, persona, status):
    before = unchanged()
    response = request.getfixturevalue(persona).post(report_url(published), REPORT)
    assert response.status_code == status
    assert unchanged() == before


def test_a_report_on_an_asset_in_review_is_409(editor_client, make_asset):
    asset = make_asset(status=AssetStatus.IN_REVIEW)
    response = editor_client.post(report_url(asset), REPORT)
    assert response.status_code == 409
    assertContains(response, "Only approved or published assets", status_code=409)
    assert not Incident.objects.exists()


def test_an_incomplete_report_is_400_with_the_form(editor_client, published):
    response = editor_client.post(report_url(published), {**REPORT, "harm_category": ""})
    assert response.status_code == 400
    assertContains(response, "The report is incomplete", status_code=400)
    assertContains(response, "The synthetic audio puts words", status_code=400)
    assert not Incident.objects.exists()


def test_report_takes_no_get(editor_client, published):
    assert editor_client.get(report_url(published)).status_code == 405


# --- deciding ------------------------------------------------------------------------------


def test_standards_decide_a_takedown(standards_client, open_incident, standards):
    response = standards_client.post(
        decide_url(open_incident), {"decision": "takedown", "note": "Fabricated."}
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(open_incident.asset) + f"#incident-{open_incident.pk}"
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.DECIDED
    assert open_incident.decision == Decision.TAKEDOWN
    assert open_incident.decided_by == standards and open_incident.decision_note == "Fabricated."
    assert list(OutboxEvent.objects.values_list("type", flat=True)) == [
        EventType.TAKEDOWN_REQUESTED
    ]
    # No CMS had it live, so the takedown is confirmed at once, after the decision.
    actions = list(AuditEvent.objects.for_object(open_incident).values_list("action", flat=True))
    assert actions[-2:] == ["incident.decided", "incident.takedown_confirmed"]
    assert open_incident.takedown_deadline is not None
    assert open_incident.takedown_confirmed_at is not None
    open_incident.asset.refresh_from_db()
    assert open_incident.asset.status == "taken_down"


def test_standards_issue_a_correction_with_its_public_note(standards_client, open_incident):
    response = standards_client.post(
        decide_url(open_incident), {"decision": "correction", "public_note": CORRECTION_TEXT}
    )
    assert response.status_code == 302
    open_incident.refresh_from_db()
    assert open_incident.public_note == CORRECTION_TEXT
    assert OutboxEvent.objects.get().type == EventType.CORRECTION_ISSUED
    page = standards_client.get(page_url(open_incident.asset))
    assertContains(page, CORRECTION_TEXT)


def test_a_correction_without_public_note_is_400(standards_client, open_incident):
    before = unchanged()
    response = standards_client.post(decide_url(open_incident), {"decision": "correction"})
    assert response.status_code == 400
    assertContains(response, "public note", status_code=400)
    assert unchanged() == before


@pytest.mark.parametrize("persona", ["reporter_client", "editor_client", "legal_client"])
def test_a_decision_is_403_for_anyone_but_standards(request, open_incident, persona):
    before = unchanged()
    response = request.getfixturevalue(persona).post(
        decide_url(open_incident), {"decision": "takedown"}
    )
    assert response.status_code == 403
    assertContains(response, "Only standards editors decide", status_code=403)
    assert unchanged() == before


def test_a_decision_is_403_for_an_outsider(outsider_client, open_incident):
    before = unchanged()
    response = outsider_client.post(decide_url(open_incident), {"decision": "takedown"})
    assert response.status_code == 403
    assert unchanged() == before


def test_a_second_decision_is_409_naming_the_first(standards_client, admin_client, open_incident):
    standards_client.post(decide_url(open_incident), {"decision": "takedown"})
    before = unchanged()
    response = admin_client.post(decide_url(open_incident), {"decision": "no_action"})
    assert response.status_code == 409
    assertContains(response, "sam_standards decided “takedown”", status_code=409)
    assert unchanged() == before


def test_a_decision_on_another_assets_incident_is_404(standards_client, open_incident, approved):
    url = reverse("incidents:decide", args=[approved.pk, open_incident.pk])
    assert standards_client.post(url, {"decision": "takedown"}).status_code == 404
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN


def test_decide_takes_no_get(standards_client, open_incident):
    assert standards_client.get(decide_url(open_incident)).status_code == 405


def test_an_administrator_decides(admin_client, open_incident, admin_user):
    response = admin_client.post(decide_url(open_incident), {"decision": "no_action"})
    assert response.status_code == 302
    open_incident.refresh_from_db()
    assert open_incident.decided_by == admin_user


@pytest.mark.parametrize(
    ("status", "linked"),
    [(AssetStatus.PUBLISHED, True), (AssetStatus.APPROVED, True), (AssetStatus.IN_REVIEW, False)],
)
def test_the_asset_page_links_to_its_incidents_once_approved(
    make_asset, editor_client, status, linked
):
    asset = make_asset(status=status)
    response = editor_client.get(reverse("review:asset_detail", args=[asset.pk]))
    assert response.status_code == 200
    assert (page_url(asset) in response.content.decode()) is linked


# --- the CMS's confirmation, live ----------------------------------------------------------


def removal_url(incident):
    return reverse("incidents:removal", args=[incident.asset_id, incident.pk])


def test_the_removal_line_asks_again_until_the_cms_confirms(
    standards_client, editor_client, open_incident
):
    standards_client.post(decide_url(open_incident), {"decision": "takedown", "note": "Fake."})
    # A CMS had it live: the takedown waits for its confirmation.
    Incident.objects.filter(pk=open_incident.pk).update(takedown_confirmed_at=None)

    page = standards_client.get(page_url(open_incident.asset)).content.decode()
    assert f'hx-get="{removal_url(open_incident)}" hx-trigger="every 5s"' in page
    waiting = editor_client.get(removal_url(open_incident), headers={"HX-Request": "true"})
    assert waiting.status_code == 200
    line = waiting.content.decode().strip()
    assert line.startswith(f'<dd id="incident-{open_incident.pk}-removal" aria-live="polite"')
    assert "waiting for the CMS; deadline" in line and 'hx-trigger="every 5s"' in line

    confirmed_at = timezone.now()
    Incident.objects.filter(pk=open_incident.pk).update(takedown_confirmed_at=confirmed_at)
    line = editor_client.get(removal_url(open_incident)).content.decode()
    # Confirmed: said, and the asking stops (no trigger left).
    assert f'confirmed <time datetime="{timezone.localtime(confirmed_at):%Y-%m-%dT}' in line
    assert "hx-get" not in line and "waiting" not in line


def test_the_removal_line_is_only_for_those_who_see_the_asset_and_a_takedown(
    standards_client, other_reporter_client, open_incident
):
    # No removal was asked of any CMS yet: nothing to show.
    assert standards_client.get(removal_url(open_incident)).status_code == 404
    standards_client.post(decide_url(open_incident), {"decision": "takedown", "note": "Fake."})
    assert standards_client.get(removal_url(open_incident)).status_code == 200
    # Someone who may not see the asset learns nothing, not even that the incident exists.
    assert other_reporter_client.get(removal_url(open_incident)).status_code == 404
    assert standards_client.post(removal_url(open_incident)).status_code == 405
