"""The desk side of an incident: triage (severity set by a standards editor, the first time
recorded as the "triaged" step), the one-click takedown of an open report with its confirmation
page, the steps each incident shows with their times, and the markers the queue shows on assets
with open reports or unconfirmed takedowns."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from incidents.models import Decision, HarmCategory, Incident, IncidentStatus, Severity
from incidents.selectors import incident_markers, incident_steps, time_between
from incidents.services import (
    IncidentRefused,
    incident_cms_notified,
    incident_triage,
    public_report_receive,
)
from integrations.models import EventType, OutboxEvent
from review.models import AssetStatus
from tests.incidents.helpers import decide

pytestmark = pytest.mark.django_db


def steps_of(incident):
    incident = Incident.objects.select_related("reported_by", "triaged_by", "decided_by").get(
        pk=incident.pk
    )
    return {step.name: step for step in incident_steps(incident)}


def take_down_url(incident):
    return reverse("incidents:take_down_now", args=[incident.asset_id, incident.pk])


def triage_url(incident):
    return reverse("incidents:triage", args=[incident.asset_id, incident.pk])


# --- triage ---------------------------------------------------------------------------------


def test_triage_sets_the_severity_and_records_the_first_time(open_incident, standards):
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=7), tick=False):
        incident_triage(incident_id=open_incident.pk, actor=standards, severity=Severity.LOW)
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        incident_triage(incident_id=open_incident.pk, actor=standards, severity=Severity.CRITICAL)
    open_incident.refresh_from_db()
    assert open_incident.severity == Severity.CRITICAL
    # The step is the first look; the second only changed the severity.
    assert open_incident.triaged_at == start + timedelta(minutes=7)
    assert open_incident.triaged_by == standards
    triaged = AuditEvent.objects.for_object(open_incident).filter(action="incident.triaged")
    assert [e.details["severity"] for e in triaged.order_by("seq")] == ["low", "critical"]


def test_only_standards_triage_and_only_open_incidents(open_incident, editor, standards):
    with pytest.raises(IncidentRefused, match="Only standards"):
        incident_triage(incident_id=open_incident.pk, actor=editor, severity=Severity.LOW)
    decide(open_incident, standards)
    with pytest.raises(IncidentRefused, match="already been decided"):
        incident_triage(incident_id=open_incident.pk, actor=standards, severity=Severity.LOW)


def test_deciding_untriaged_counts_as_triage(open_incident, standards):
    decide(open_incident, standards)
    open_incident.refresh_from_db()
    assert open_incident.triaged_at == open_incident.decided_at
    assert open_incident.triaged_by == standards


def test_the_triage_form_posts_and_refuses_others(standards_client, editor_client, open_incident):
    refused = editor_client.post(triage_url(open_incident), {"severity": "low"})
    assert refused.status_code == 403
    bad = standards_client.post(triage_url(open_incident), {"severity": "apocalyptic"})
    assert bad.status_code == 400
    open_incident.refresh_from_db()
    assert open_incident.triaged_at is None and open_incident.severity == Severity.HIGH
    done = standards_client.post(triage_url(open_incident), {"severity": "low"})
    assert done.status_code == 302
    assert done["Location"].endswith(f"#incident-{open_incident.pk}")
    open_incident.refresh_from_db()
    assert open_incident.severity == Severity.LOW and open_incident.triaged_at is not None


# --- take down now ----------------------------------------------------------------------------


def test_take_down_now_asks_first_then_takes_down_as_critical(standards_client, open_incident):
    page = standards_client.get(take_down_url(open_incident))
    assertContains(page, "Yes, take it down now")
    # Asking changed nothing.
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN
    # A post without the confirmation is not one.
    unconfirmed = standards_client.post(take_down_url(open_incident))
    assert unconfirmed.status_code == 400
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN

    done = standards_client.post(take_down_url(open_incident), {"confirm": "yes"}, follow=True)
    assertContains(done, "Taken down (incident")
    open_incident.refresh_from_db()
    assert open_incident.decision == Decision.TAKEDOWN
    assert open_incident.severity == Severity.CRITICAL
    # The critical deadline: 15 minutes by default.
    assert open_incident.takedown_deadline - open_incident.decided_at == timedelta(minutes=15)
    open_incident.asset.refresh_from_db()
    assert open_incident.asset.status == AssetStatus.TAKEN_DOWN
    assert OutboxEvent.objects.filter(type=EventType.TAKEDOWN_REQUESTED).count() == 1


def test_take_down_now_is_for_standards_only(request, open_incident):
    for persona in ("editor_client", "legal_client", "reporter_client"):
        client = request.getfixturevalue(persona)
        response = client.post(take_down_url(open_incident), {"confirm": "yes"})
        assert response.status_code == 403, persona
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN
    assert not OutboxEvent.objects.exists()


def test_take_down_now_on_a_decided_incident_is_409(standards_client, open_incident, standards):
    decide(open_incident, standards)
    response = standards_client.post(take_down_url(open_incident), {"confirm": "yes"})
    # Says who decided, and when: the other editor was quicker.
    assertContains(response, f"{standards.username} decided “no action” at", status_code=409)
    assert standards_client.get(take_down_url(open_incident)).status_code == 409
    open_incident.asset.refresh_from_db()
    assert open_incident.asset.status == AssetStatus.PUBLISHED


def test_the_inbox_offers_take_down_now_on_open_reports(standards_client, open_incident):
    response = standards_client.get(reverse("incidents:inbox"))
    assertContains(response, take_down_url(open_incident))
    assertContains(response, "(not triaged)")


# --- steps ------------------------------------------------------------------------------------


def test_the_steps_of_a_takedown_with_their_times(open_incident, standards):
    start = open_incident.reported_at
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        incident_triage(incident_id=open_incident.pk, actor=standards, severity=Severity.HIGH)
    with time_machine.travel(start + timedelta(minutes=12), tick=False):
        decide(open_incident, standards, Decision.TAKEDOWN)
    incident_cms_notified(incident_id=open_incident.pk, at=start + timedelta(minutes=13))
    # A second acknowledgement (another CMS) does not move the step.
    assert not incident_cms_notified(incident_id=open_incident.pk, at=start + timedelta(minutes=14))
    steps = steps_of(open_incident)
    assert list(steps) == [
        "Reported",
        "Triaged",
        "Decided",
        "CMS notified",
        "CMS confirmed removal",
    ]
    assert steps["Reported"].by == open_incident.reported_by.get_username()
    assert steps["Reported"].after_report == ""
    assert steps["Triaged"].after_report == "3 min"
    assert steps["Decided"].after_report == "12 min"
    assert steps["CMS notified"].after_report == "13 min"
    # No publication was live: the removal was confirmed with the decision.
    assert steps["CMS confirmed removal"].at is not None
    assert (
        AuditEvent.objects.for_object(open_incident).filter(action="incident.cms_notified").count()
        == 1
    )


def test_an_open_incident_shows_what_has_not_happened(open_incident):
    steps = steps_of(open_incident)
    assert steps["Triaged"].at is None and steps["Triaged"].pending == "not triaged yet"
    assert steps["Decided"].at is None
    assert "CMS confirmed removal" not in steps


def test_no_action_tells_no_cms(open_incident, standards):
    decide(open_incident, standards)
    assert list(steps_of(open_incident)) == ["Reported", "Triaged", "Decided"]


def test_a_public_reports_steps_name_the_public(published):
    report = public_report_receive(
        url="",
        harm_category=HarmCategory.MISLABELED,
        description="No label.",
        email="",
        asset_id=published.pk,
    )
    assert steps_of(report.incident)["Reported"].by == "Public"


@pytest.mark.parametrize(
    ("seconds", "words"), [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3900, "1 h 05 min")]
)
def test_durations_read_at_a_glance(seconds, words):
    start = timezone.now()
    assert time_between(start, start + timedelta(seconds=seconds)) == words


def test_the_incident_page_shows_the_steps(standards_client, open_incident, standards):
    with time_machine.travel(open_incident.reported_at + timedelta(minutes=4), tick=False):
        incident_triage(incident_id=open_incident.pk, actor=standards, severity=Severity.LOW)
    response = standards_client.get(
        reverse("incidents:asset_incidents", args=[open_incident.asset_id])
    )
    assertContains(response, 'aria-label="Steps of incident')
    assertContains(response, "(4 min after the report)")
    assertContains(response, "not decided yet")
    assertContains(response, triage_url(open_incident))
    assertContains(response, take_down_url(open_incident))


def test_others_see_the_steps_but_no_triage_or_takedown(editor_client, open_incident):
    response = editor_client.get(
        reverse("incidents:asset_incidents", args=[open_incident.asset_id])
    )
    assertContains(response, "not triaged yet")
    assertNotContains(response, triage_url(open_incident))
    assertNotContains(response, take_down_url(open_incident))


# --- markers in the queue -----------------------------------------------------------------------


def test_markers_flag_open_reports_and_unconfirmed_takedowns(make_asset, editor, standards, report):
    quiet = make_asset(status=AssetStatus.PUBLISHED)
    reported = make_asset(status=AssetStatus.PUBLISHED)
    report(reported, editor)
    report(reported, editor)
    taken = make_asset(status=AssetStatus.PUBLISHED)
    incident = report(taken, editor)
    decide(incident, standards, Decision.TAKEDOWN)
    # Nothing live was confirmed at once; pretend a CMS still shows it.
    Incident.objects.filter(pk=incident.pk).update(takedown_confirmed_at=None)

    markers = incident_markers([quiet.pk, reported.pk, taken.pk])
    assert quiet.pk not in markers
    assert [(m.text, m.urgent) for m in markers[reported.pk]] == [("2 open incidents", True)]
    assert [(m.text, m.urgent) for m in markers[taken.pk]] == [("Takedown unconfirmed", False)]
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        late = incident_markers([taken.pk])
    assert [(m.text, m.urgent) for m in late[taken.pk]] == [("Takedown past deadline", True)]


def test_the_queue_shows_the_markers_in_a_fixed_number_of_queries(
    editor_client, make_asset, editor, report, django_assert_max_num_queries
):
    assets = [make_asset(status=AssetStatus.PUBLISHED) for _ in range(3)]
    report(assets[0], editor)
    response = editor_client.get(reverse("review:queue"))
    assertContains(response, "1 open incident", count=1)
    assertContains(response, reverse("incidents:asset_incidents", args=[assets[0].pk]) + '"')
    # The queue's own 18 or so (readiness columns, tab counts, the bulk form's editors) plus
    # the markers' one: tests/workflow/test_queue_decide.py pins the queue itself.
    with django_assert_max_num_queries(20) as few:
        editor_client.get(reverse("review:queue"))
    for asset in [make_asset(status=AssetStatus.PUBLISHED) for _ in range(10)]:
        report(asset, editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(reverse("review:queue"))
    assertContains(response, "1 open incident", count=11)
