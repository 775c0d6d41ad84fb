"""Takedown as a real state: the decision moves the asset to `taken_down` and voids its sign-off,
the CMS is asked to remove it and confirms through the unpublications API, a takedown it does not
confirm in time is escalated, and standards can take an asset down in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from consent.models import ConsentRecord
from consent.services import consent_revoke
from incidents.models import Decision, HarmCategory, Incident, IncidentSource, Severity
from incidents.services import (
    IncidentRefused,
    incident_decide,
    incident_report,
    takedown_escalate_overdue,
)
from integrations.delivery import delivery_attempt
from integrations.models import Delivery, EventType, Integration, OutboxEvent, Publication
from integrations.outbox import outbox_emit
from integrations.tasks import deliver
from review.models import AssetStatus
from signoff.models import SignOff
from tests.conftest import client_for
from tests.integrations.api_helpers import ApiClient
from tests.integrations.conftest import Answer
from tests.readiness import sign_off_directly

pytestmark = pytest.mark.django_db
S = AssetStatus


@pytest.fixture
def live(make_asset, cms):
    """A published, cleared asset with one live publication in the CMS."""
    asset = sign_off_directly(make_asset(status=S.PUBLISHED))
    signoff = SignOff.objects.get(asset=asset, voided_at__isnull=True)
    Publication.objects.create(
        asset=asset,
        integration=cms,
        cms_reference="story-1/photo",
        public_url="http://127.0.0.1:9/story-1",
        signoff=signoff,
    )
    return asset


def _report(asset, reporter, severity=Severity.HIGH):
    return incident_report(
        asset_id=asset.pk,
        reported_by=reporter,
        harm_category=HarmCategory.MISLABELED,
        severity=severity,
        description="The label says illustration; the caption calls it a photograph.",
        source=IncidentSource.STAFF,
    )


def _take_down(incident, standards):
    return incident_decide(
        incident_id=incident.pk,
        actor=standards,
        decision=Decision.TAKEDOWN,
        public_note="",
        note="Misleading.",
    )


def _withdraw(api, asset, reference="story-1/photo", key="u-1"):
    return api.post(
        f"/api/v1/assets/{asset.pk}/unpublications",
        {"cms_reference": reference, "reason": "Taken down at the desk's request."},
        key=key,
    )


def test_a_takedown_moves_the_asset_voids_its_sign_off_and_asks_the_cms(live, editor, standards):
    incident = _take_down(_report(live, editor), standards)

    live.refresh_from_db()
    assert live.status == S.TAKEN_DOWN
    transition = AuditEvent.objects.for_object(live).get(action="asset.taken_down")
    assert (transition.from_state, transition.to_state) == (S.PUBLISHED, S.TAKEN_DOWN)
    assert transition.details == {"incident_id": incident.pk, "severity": "high"}
    signoff = SignOff.objects.get(asset=live)
    assert signoff.voided_at is not None and "Taken down" in signoff.void_reason
    # The CMS hears the clearance is gone, then the takedown, in that order.
    assert list(
        OutboxEvent.objects.filter(asset=live).order_by("sequence").values_list("type", flat=True)
    ) == [EventType.ASSET_CLEARED, EventType.CLEARANCE_REVOKED, EventType.TAKEDOWN_REQUESTED]
    # A live publication: the takedown waits for the CMS, an hour for a high severity.
    assert incident.takedown_confirmed_at is None
    assert incident.takedown_deadline == incident.decided_at + timedelta(minutes=60)
    # Files and records are kept.
    assert live.file.storage.exists(live.file.name)


def test_the_clearance_api_says_the_asset_was_taken_down(live, editor, standards, cms_api):
    _take_down(_report(live, editor), standards)
    body = cms_api.get(f"/api/v1/assets/{live.pk}").json()
    assert body["status"] == "taken_down"
    assert body["clearance"]["status"] == "not_cleared"
    assert "The asset was taken down by the newsroom." in body["clearance"]["reasons"]


def test_the_cms_confirms_by_withdrawing_every_live_publication(
    live, editor, standards, cms, make_token
):
    Publication.objects.create(
        asset=live,
        integration=cms,
        cms_reference="story-2/photo",
        public_url="http://127.0.0.1:9/story-2",
        signoff=SignOff.objects.get(asset=live),
    )
    incident = _take_down(_report(live, editor), standards)
    api = ApiClient(make_token())

    assert _withdraw(api, live, "story-1/photo", key="u-1").status_code == 200
    incident.refresh_from_db()
    assert incident.takedown_confirmed_at is None  # one page still shows it

    assert _withdraw(api, live, "story-2/photo", key="u-2").status_code == 200
    incident.refresh_from_db()
    assert incident.takedown_confirmed_at is not None
    event = AuditEvent.objects.for_object(incident).get(action="incident.takedown_confirmed")
    assert "story-2/photo" in event.details["how"] and event.details["late"] is False


def test_a_confirmation_for_an_unknown_publication_is_404_and_confirms_nothing(
    live, editor, standards, cms_api
):
    incident = _take_down(_report(live, editor), standards)
    response = _withdraw(cms_api, live, "no-such-page")
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.takedown_confirmed_at is None


def test_nothing_live_means_confirmed_at_once(make_asset, editor, standards):
    asset = make_asset(status=S.APPROVED)
    incident = _take_down(_report(asset, editor), standards)
    incident.refresh_from_db()
    assert incident.takedown_confirmed_at is not None


def test_a_second_takedown_of_a_taken_down_asset_changes_nothing(live, editor, standards):
    first, second = _report(live, editor), _report(live, editor)
    _take_down(first, standards)
    events_before = OutboxEvent.objects.count()
    audit_before = AuditEvent.objects.for_object(live).count()

    decided = _take_down(second, standards)

    assert decided.decision == Decision.TAKEDOWN  # the decision itself is recorded
    assert decided.takedown_deadline is None
    assert OutboxEvent.objects.count() == events_before
    assert AuditEvent.objects.for_object(live).count() == audit_before
    live.refresh_from_db()
    assert live.status == S.TAKEN_DOWN


def test_a_taken_down_asset_takes_no_new_report(live, editor, standards):
    _take_down(_report(live, editor), standards)
    with pytest.raises(IncidentRefused, match="taken down"):
        _report(live, editor)


def test_an_unconfirmed_takedown_past_its_deadline_is_escalated_once(
    live, editor, standards, django_capture_on_commit_callbacks
):
    standards.email = "sam@newsroom.test"
    standards.save()
    incident = _take_down(_report(live, editor, severity=Severity.CRITICAL), standards)
    assert incident.takedown_deadline == incident.decided_at + timedelta(minutes=15)

    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert takedown_escalate_overdue() == []
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert takedown_escalate_overdue() == [incident.pk]
        assert takedown_escalate_overdue() == []  # once

    incident.refresh_from_db()
    assert incident.escalated_at is not None
    assert (
        AuditEvent.objects.for_object(incident).filter(action="incident.takedown_overdue").count()
        == 1
    )
    [message] = mail.outbox
    assert message.to == ["sam@newsroom.test"]
    assert f"Asset {live.pk} (incident {incident.pk})" in message.body


def test_the_desk_shows_standards_a_banner_for_overdue_takedowns(live, editor, standards):
    _take_down(_report(live, editor), standards)
    queue = reverse("review:queue")
    assert (
        "not confirmed by the CMS in time" not in client_for(standards).get(queue).content.decode()
    )
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        page = client_for(standards).get(queue).content.decode()
        assert "1 takedown not confirmed by the CMS in time." in page
        assert reverse("incidents:inbox") in page
        # Editors do not decide incidents: no banner, and no query for it.
        assert "not confirmed" not in client_for(editor).get(queue).content.decode()


def test_standards_take_an_asset_down_in_one_step(live, standards):
    url = reverse("incidents:emergency_takedown", args=[live.pk])
    client = client_for(standards)
    unconfirmed = client.post(
        url, {"harm_category": HarmCategory.CONSENT_WITHDRAWN, "description": "She withdrew."}
    )
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the takedown." in unconfirmed.content.decode()
    live.refresh_from_db()
    assert live.status == S.PUBLISHED and not Incident.objects.exists()

    response = client.post(
        url,
        {
            "harm_category": HarmCategory.CONSENT_WITHDRAWN,
            "description": "She withdrew.",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == S.TAKEN_DOWN
    incident = Incident.objects.get()
    assert incident.severity == Severity.CRITICAL and incident.decision == Decision.TAKEDOWN
    assert incident.decided_at is not None
    assert incident.takedown_deadline == incident.decided_at + timedelta(minutes=15)
    assert OutboxEvent.objects.filter(type=EventType.TAKEDOWN_REQUESTED).count() == 1


def test_only_the_standards_desk_takes_down_in_one_step(live, editor):
    response = client_for(editor).post(
        reverse("incidents:emergency_takedown", args=[live.pk]),
        {"harm_category": HarmCategory.OTHER, "description": "Bad.", "confirm": "on"},
    )
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.status == S.PUBLISHED


def test_the_inbox_lists_open_reports_and_unconfirmed_takedowns(
    live, make_asset, editor, standards, django_assert_num_queries
):
    _take_down(_report(live, editor), standards)
    other = make_asset(status=S.APPROVED)
    _report(other, editor)
    client = client_for(standards)
    client.get(reverse("incidents:inbox"))  # warm the session and permissions
    # session, user, roles with permissions (one), the banner's count, open, unconfirmed,
    # unmatched public reports
    with django_assert_num_queries(7):
        page = client.get(reverse("incidents:inbox")).content.decode()
    assert "Takedowns awaiting CMS confirmation (1)" in page
    assert "Open reports (1)" in page
    assert f"#{other.pk} " in page
    assert client_for(editor).get(reverse("incidents:inbox")).status_code == 403


def test_the_harm_list_has_the_audiences_categories():
    assert {"mislabeled", "factual_error", "consent_withdrawn"} <= set(HarmCategory.values)


def test_an_integration_is_not_needed_for_the_takedown(make_asset, editor, standards):
    """No CMS at all: the decision still takes the asset down, and is confirmed."""
    assert not Integration.objects.exists()
    asset = make_asset(status=S.PUBLISHED)
    incident = _take_down(_report(asset, editor), standards)
    asset.refresh_from_db()
    incident.refresh_from_db()
    assert asset.status == S.TAKEN_DOWN and incident.takedown_confirmed_at is not None


@pytest.mark.parametrize("status, opens", [(S.PUBLISHED, True), (S.APPROVED, False)])
def test_a_consent_revoked_on_a_published_asset_opens_an_incident(
    make_asset, legal, standards, status, opens
):
    asset = sign_off_directly(make_asset(status=status))
    record = ConsentRecord.objects.get(asset=asset)
    consent_revoke(record_id=record.pk, actor=legal, how="Phone call to the desk")

    incidents = list(Incident.objects.filter(asset=asset))
    assert len(incidents) == (1 if opens else 0)
    if not opens:
        return
    [incident] = incidents
    assert incident.source == IncidentSource.DESK and incident.reported_by is None
    assert incident.harm_category == HarmCategory.CONSENT_WITHDRAWN
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW  # the lapse voided the sign-off
    # The CMS may still show it: the standards desk can take it down from review.
    _take_down(incident, standards)
    asset.refresh_from_db()
    assert asset.status == S.TAKEN_DOWN


def test_the_cms_acknowledging_the_decision_is_the_notified_step(
    live, editor, standards, webhook_endpoint, webhook_server
):
    """The incident's "CMS notified" step is the first 2xx to the decision's webhook; a
    failed attempt is not a notification."""
    incident = _take_down(_report(live, editor), standards)
    delivery = Delivery.objects.get(
        event__type=EventType.TAKEDOWN_REQUESTED, endpoint=webhook_endpoint
    )
    webhook_server.answer(Answer(500))
    assert deliver(delivery.pk) == "retrying"
    incident.refresh_from_db()
    assert incident.cms_notified_at is None

    webhook_server.answer(Answer(204))
    assert delivery_attempt(delivery.pk, manual=True).status == "succeeded"
    incident.refresh_from_db()
    delivery.refresh_from_db()
    assert incident.cms_notified_at == delivery.delivered_at
    assert AuditEvent.objects.for_object(incident).filter(action="incident.cms_notified").exists()


def test_other_events_acknowledged_notify_no_incident(
    live, editor, webhook_endpoint, webhook_server
):
    incident = _report(live, editor)
    with transaction.atomic():
        outbox_emit(type=EventType.CLEARANCE_REVOKED, asset=live, data={"incident_id": incident.pk})
    webhook_server.answer(Answer(204))
    [delivery] = Delivery.objects.filter(endpoint=webhook_endpoint)
    assert deliver(delivery.pk) == "succeeded"
    incident.refresh_from_db()
    assert incident.cms_notified_at is None
