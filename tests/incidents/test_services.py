"""The incident services: a report only on approved or published assets, a decision only by
standards (and administrators), once, under a lock, with the CMS told in the same transaction
(takedown: `asset.takedown_requested`; correction and relabel: `asset.correction_issued`;
no action: nothing)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from incidents.models import Decision, Incident, IncidentSource, IncidentStatus
from incidents.services import IncidentRefused, InvalidIncident, incident_decide
from integrations.models import Delivery, EventType, OutboxEvent
from integrations.outbox import outbox_emit
from review.models import AssetStatus

pytestmark = pytest.mark.django_db

S = AssetStatus
CORRECTION_TEXT = "This image was generated with AI; an earlier caption called it a photograph."


def audit_of(incident) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.for_object(incident).values_list("action", "from_state", "to_state")
    )


def decide(incident, actor, decision=Decision.TAKEDOWN, public_note="", note="Confirmed."):
    return incident_decide(
        incident_id=incident.pk,
        actor=actor,
        decision=decision,
        public_note=public_note,
        note=note,
    )


# --- report -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.APPROVED, S.PUBLISHED])
def test_a_report_opens_an_incident_and_records_it(make_asset, editor, report, status):
    asset = make_asset(status=status)
    incident = report(asset, editor)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert incident.decision == "" and incident.decided_at is None and incident.decided_by is None
    assert incident.reported_by == editor and incident.source == IncidentSource.STAFF
    assert incident.reported_at is not None
    assert audit_of(incident) == [("incident.reported", "", "open")]
    event = AuditEvent.objects.for_object(incident).get()
    assert event.details == {
        "asset_id": asset.pk,
        "harm_category": "disinformation",
        "severity": "high",
        "source": "staff",
    }


@pytest.mark.parametrize(
    "status", [S.RECEIVED, S.CHECKING, S.IN_REVIEW, S.CHANGES_REQUESTED, S.REJECTED, S.WITHDRAWN]
)
def test_a_report_on_an_asset_not_approved_is_refused(make_asset, editor, report, status):
    asset = make_asset(status=status)
    with pytest.raises(IncidentRefused) as refused:
        report(asset, editor)
    assert refused.value.denial.kind == "state"
    assert "Only approved or published assets" in str(refused.value)
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action="incident.reported").exists()


def test_a_report_from_someone_who_cannot_see_the_asset_is_refused(
    published, other_reporter, report
):
    with pytest.raises(IncidentRefused) as refused:
        report(published, other_reporter)
    assert refused.value.denial.kind == "role"
    assert not Incident.objects.exists()


def test_a_report_from_the_cms_has_no_reporter(published, report):
    incident = report(published, None, source=IncidentSource.CMS)
    assert incident.reported_by is None
    assert AuditEvent.objects.for_object(incident).get().actor_name == "system"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"harm_category": "gossip"}, "Unknown harm category"),
        ({"severity": "meh"}, "Unknown severity"),
        ({"source": "pigeon"}, "Unknown source"),
        ({"description": "   "}, "description of the harm is required"),
        ({"description": "x" * 5001}, "too long"),
    ],
)
def test_a_report_with_bad_input_is_refused(published, editor, report, fields, message):
    with pytest.raises(InvalidIncident, match=message):
        report(published, editor, **fields)
    assert not Incident.objects.exists()


def test_a_staff_report_needs_its_reporter(published, report):
    with pytest.raises(InvalidIncident, match="staff member"):
        report(published, None, source=IncidentSource.STAFF)


# --- decide -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reporter", "editor", "legal"])
def test_a_decision_by_anyone_but_standards_is_refused(request, open_incident, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(IncidentRefused) as refused:
        decide(open_incident, actor)
    assert refused.value.denial.kind == "role"
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN
    assert not OutboxEvent.objects.exists()
    assert audit_of(open_incident) == [("incident.reported", "", "open")]


def test_standards_decide_and_the_decision_is_recorded(open_incident, standards):
    before = timezone.now()
    decide(open_incident, standards, Decision.NO_ACTION, note="Clearly labeled already.")
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.DECIDED
    assert open_incident.decision == Decision.NO_ACTION
    assert open_incident.decided_by == standards
    assert open_incident.decided_at is not None and open_incident.decided_at >= before
    assert open_incident.decision_note == "Clearly labeled already."
    assert audit_of(open_incident)[-1] == ("incident.decided", "open", "decided")
    # The internal note stays on the row: the audit chain cannot be redacted.
    event = AuditEvent.objects.filter(action="incident.decided").get()
    assert "Clearly labeled already." not in str(event.details)


def test_an_administrator_may_decide(open_incident, admin_user):
    decide(open_incident, admin_user, Decision.NO_ACTION)
    open_incident.refresh_from_db()
    assert open_incident.decided_by == admin_user


def test_a_second_decision_is_refused_naming_who_decided_first(
    open_incident, standards, admin_user
):
    decide(open_incident, standards, Decision.TAKEDOWN)
    with pytest.raises(IncidentRefused) as refused:
        decide(open_incident, admin_user, Decision.CORRECTION, public_note=CORRECTION_TEXT)
    assert refused.value.denial.kind == "state"
    assert "already been decided" in str(refused.value)
    assert "sam_standards decided “takedown”" in str(refused.value)
    open_incident.refresh_from_db()
    assert open_incident.decision == Decision.TAKEDOWN and open_incident.decided_by == standards
    assert OutboxEvent.objects.count() == 1
    assert [a for a, _, _ in audit_of(open_incident)].count("incident.decided") == 1


def test_takedown_emits_exactly_one_takedown_requested_event_with_its_sequence(
    open_incident, standards, cms_endpoint, django_capture_on_commit_callbacks
):
    asset = open_incident.asset
    with transaction.atomic():
        # An earlier event for the asset: the takedown's sequence follows it.
        outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={})
    with django_capture_on_commit_callbacks() as callbacks:
        decided = decide(open_incident, standards, Decision.TAKEDOWN, note="Fabricated quote.")

    event = OutboxEvent.objects.get(type=EventType.TAKEDOWN_REQUESTED)
    assert OutboxEvent.objects.filter(asset=asset).count() == 2
    assert event.asset_id == asset.pk and event.sequence == 2
    data = event.payload["data"]
    assert data == {
        "asset_id": asset.pk,
        "sequence": 2,
        "asset_uid": asset.uid.hex,
        "story_ref": asset.story_ref,
        "incident_id": decided.pk,
        "decision": "takedown",
        "harm_category": "disinformation",
        "severity": "high",
        "public_note": "",
        "decided_at": data["decided_at"],
    }
    assert data["decided_at"].startswith(decided.decided_at.strftime("%Y-%m-%dT%H:%M:%S"))
    # Nothing for the desk only: no description, no internal note, no names.
    assert "Fabricated" not in str(event.payload) and "standards" not in str(event.payload)
    # One delivery for the endpoint, handed to the worker only after the commit.
    assert Delivery.objects.filter(event=event, endpoint=cms_endpoint).count() == 1
    assert len(callbacks) == 1


def test_a_correction_emits_correction_issued(open_incident, standards):
    decision = Decision.CORRECTION
    decide(open_incident, standards, decision, public_note=CORRECTION_TEXT)
    event = OutboxEvent.objects.get()
    assert event.type == EventType.CORRECTION_ISSUED
    assert event.sequence == 1
    assert event.payload["data"]["decision"] == decision.value
    assert event.payload["data"]["public_note"] == CORRECTION_TEXT
    assert event.payload["data"]["incident_id"] == open_incident.pk


@pytest.mark.parametrize("decision", [Decision.CORRECTION, Decision.RELABEL])
def test_correction_and_relabel_need_a_public_note(open_incident, standards, decision):
    with pytest.raises(InvalidIncident, match="public note"):
        decide(open_incident, standards, decision, public_note="  ")
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN
    assert not OutboxEvent.objects.exists()


def test_an_unknown_decision_is_refused(open_incident, standards):
    with pytest.raises(InvalidIncident, match="Unknown decision"):
        decide(open_incident, standards, "shrug")


def test_no_action_emits_nothing(open_incident, standards, cms_endpoint):
    decide(open_incident, standards, Decision.NO_ACTION)
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()


def test_a_rolled_back_decision_leaves_no_event(open_incident, standards, cms_endpoint):
    events_before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        decide(open_incident, standards, Decision.TAKEDOWN)
        assert OutboxEvent.objects.count() == 1  # written inside the transaction…
        raise RuntimeError("the request failed after the decision")
    # …and gone with it, as is the decision.
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.OPEN and open_incident.decision == ""
    assert AuditEvent.objects.count() == events_before


# --- the database's own rules -------------------------------------------------------------


def test_the_database_refuses_a_decided_incident_without_its_decision(open_incident):
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=open_incident.pk).update(status=IncidentStatus.DECIDED)


def test_the_database_refuses_a_correction_without_public_note(open_incident, standards):
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=open_incident.pk).update(
            status=IncidentStatus.DECIDED,
            decision=Decision.CORRECTION,
            decided_at=timezone.now(),
            decided_by=standards,
        )


def test_an_incident_keeps_its_asset(open_incident):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        open_incident.asset.delete()
