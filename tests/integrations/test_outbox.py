"""The outbox: events written with the change that caused them (and rolled back with it), one
delivery per subscribed endpoint queued only after the commit, a sequence per asset, and the
domain's events (approval, void, consent lapse, label change) mapped to the CMS's events with
no personal data in them."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from consent.models import PartyRole
from consent.services import consent_revoke, party_add, person_create
from integrations.models import Delivery, EventType, OutboxEvent
from integrations.outbox import OutboxError, outbox_emit, without_personal_data
from labeling.models import Certainty
from labeling.services import classification_set, label_set, rendition_create
from review.models import Asset, AssetStatus
from signoff.gate import signoff_gate
from signoff.models import SignOff
from signoff.services import signoff_record, signoff_void
from tests.factories import jpeg_bytes
from tests.readiness import make_ready_for_signoff

pytestmark = pytest.mark.django_db


def emit(asset, type=EventType.ASSET_CLEARED, **data):
    with transaction.atomic():
        return outbox_emit(type=type, asset=asset, data=data)


def events_of(asset) -> list[tuple[str, int]]:
    return list(
        OutboxEvent.objects.filter(asset=asset).order_by("sequence").values_list("type", "sequence")
    )


def test_an_event_is_written_with_its_envelope_and_a_delivery_per_subscriber(
    asset, make_webhook_endpoint, django_capture_on_commit_callbacks, django_assert_num_queries
):
    everything = make_webhook_endpoint("http://127.0.0.1:9/all")
    cleared_only = make_webhook_endpoint("http://127.0.0.1:9/c", event_types=["asset.cleared"])
    make_webhook_endpoint("http://127.0.0.1:9/consent", event_types=["consent.revoked"])
    make_webhook_endpoint("http://127.0.0.1:9/off", active=False)
    off = make_webhook_endpoint("http://127.0.0.1:9/cms-off")
    off.integration.active = False
    off.integration.save()

    # Lock the asset, read the last sequence, write the event, read the endpoints, write the
    # deliveries: the same five whatever the number of endpoints.
    with (
        django_capture_on_commit_callbacks() as callbacks,
        transaction.atomic(),
        django_assert_num_queries(5),
    ):
        event = outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={"signoff_id": 7})

    assert event.event_id.startswith("msg_") and len(event.event_id) <= 40
    assert event.sequence == 1
    assert event.payload["type"] == "asset.cleared"
    assert event.payload["timestamp"].endswith("Z")
    assert event.payload["data"] == {"asset_id": asset.pk, "sequence": 1, "signoff_id": 7}
    deliveries = Delivery.objects.filter(event=event)
    assert {d.endpoint for d in deliveries} == {everything, cleared_only}
    assert all(d.status == "pending" and d.next_attempt_at for d in deliveries)
    # One queued task per delivery, handed over only when the transaction commits.
    assert len(callbacks) == 2


def test_sequence_counts_the_events_of_each_asset(make_asset):
    first, second = make_asset(), make_asset()
    for _ in range(3):
        emit(first)
    emit(second, EventType.CONSENT_REVOKED)
    assert [s for _, s in events_of(first)] == [1, 2, 3]
    assert events_of(second) == [("consent.revoked", 1)]
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxEvent.objects.create(
            event_id="msg_dup", type="asset.cleared", asset=first, sequence=2, payload={}
        )


def test_a_rolled_back_change_leaves_no_event_and_queues_nothing(
    asset, webhook_endpoint, webhook_server, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={})
        raise RuntimeError("the change failed after the event was written")
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert callbacks == []
    assert webhook_server.requests == []


def test_a_committed_event_is_delivered_after_the_commit(
    asset, webhook_endpoint, webhook_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = emit(asset)
        assert webhook_server.requests == []  # nothing left before the commit
    [request] = webhook_server.requests
    assert request.headers["webhook-id"] == event.event_id
    assert Delivery.objects.get().status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_emitting_outside_a_transaction_is_refused(asset):
    with pytest.raises(OutboxError, match="inside the transaction"):
        outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={})
    assert not OutboxEvent.objects.exists()


def test_an_unknown_type_is_refused(asset):
    with pytest.raises(OutboxError, match="Unknown event type"), transaction.atomic():
        outbox_emit(type="asset.exploded", asset=asset, data={})


# --- from the domain's events --------------------------------------------------------------


def clear(asset, editor):
    """Approve through the sign-off service the approve transition calls, so these tests do
    not depend on how the review workflow wires it."""
    with transaction.atomic():
        gate = signoff_gate(asset, editor)
        assert gate.passed, gate.reasons
        Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.APPROVED)
        asset.refresh_from_db()
        signoff_record(asset=asset, actor=editor, gate=gate)
    return asset


@pytest.fixture
def cleared_asset(asset, editor):
    make_ready_for_signoff(asset)
    return clear(asset, editor)


def test_approval_emits_asset_cleared(cleared_asset):
    signoff = SignOff.objects.get(asset=cleared_asset)
    [event] = OutboxEvent.objects.filter(asset=cleared_asset)
    assert event.type == "asset.cleared"
    data = event.payload["data"]
    assert data["signoff_id"] == signoff.pk
    assert data["reason"] == "approved"
    assert data["asset_uid"] == cleared_asset.uid.hex  # as the API spells it
    assert data["second_approval"] is False


def test_voiding_a_cleared_signoff_emits_clearance_revoked(cleared_asset, editor):
    signoff_void(asset_id=cleared_asset.pk, reason="Takedown request from the agency.")
    assert events_of(cleared_asset) == [("asset.cleared", 1), ("asset.clearance_revoked", 2)]
    data = OutboxEvent.objects.get(sequence=2).payload["data"]
    assert data["reason"] == "Takedown request from the agency."
    assert data["signoff_id"] == SignOff.objects.get().pk


def test_revoked_consent_on_a_cleared_asset_emits_consent_revoked_without_names(
    cleared_asset, legal
):
    record = cleared_asset.consent_records.get()
    consent_revoke(record_id=record.pk, actor=legal, how="E-mail from the creator")

    # The sign-off voids first (its receiver is registered first), then the consent event.
    assert events_of(cleared_asset) == [
        ("asset.cleared", 1),
        ("asset.clearance_revoked", 2),
        ("consent.revoked", 3),
    ]
    consent = OutboxEvent.objects.get(type="consent.revoked").payload["data"]
    assert consent["kind"] == "revoked"
    assert consent["alert"] is True  # the asset was approved when consent went
    assert consent["party_role"] == PartyRole.CREATOR
    assert consent["effective_at"]
    everything = json.dumps([e.payload for e in OutboxEvent.objects.all()])
    assert record.signed_name not in everything
    assert "[a person depicted]" in everything  # the void reason named the person


def test_revoked_consent_on_an_asset_never_cleared_is_not_sent(asset, legal):
    make_ready_for_signoff(asset)
    record = asset.consent_records.get()
    consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
    assert not OutboxEvent.objects.exists()


@pytest.fixture
def labeled_cleared_asset(make_asset, editor, signing_keys):
    asset = make_asset(file=ContentFile(jpeg_bytes(size=(640, 480)), name="ai.jpg"))
    make_ready_for_signoff(asset)
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="illustration",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    rendition_create(asset_id=asset.pk, actor=editor)
    return clear(asset, editor)


def test_a_label_change_on_a_cleared_asset_revokes_then_sends_the_new_label(
    labeled_cleared_asset, editor
):
    label = label_set(
        asset_id=labeled_cleared_asset.pk,
        actor=editor,
        term_key="ai-generated",
        language="en",
        text="Made with an image generator.",
    )
    types = [t for t, _ in events_of(labeled_cleared_asset)]
    # The label is part of what was approved: the change voids the sign-off in the same
    # transaction, and the CMS gets both, in this order.
    assert types == ["asset.cleared", "asset.clearance_revoked", "asset.label_changed"]
    event = OutboxEvent.objects.get(type="asset.label_changed")
    assert event.payload["data"]["label"] == {
        "version": label.version,
        "language": "en",
        "term": "ai-generated",
        "name": label.name,
        "text": "Made with an image generator.",
    }


def test_a_label_change_on_a_published_asset_emits_label_changed(make_asset, editor):
    asset = classified_asset(make_asset(), editor)
    # Published with no sign-off on record (from before sign-offs): the CMS shows it.
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.PUBLISHED)
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    assert events_of(asset) == [("asset.label_changed", 1)]


def test_a_label_change_before_clearance_is_not_sent(make_asset, editor):
    asset = classified_asset(make_asset(), editor)
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    assert not OutboxEvent.objects.exists()


def classified_asset(asset, editor):
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="illustration",
        certainty=Certainty.DECLARED,
    )
    return asset


def test_free_text_loses_the_names_and_contacts_of_the_people_depicted(asset, reporter):
    person = person_create(actor=reporter, full_name="Ann Lee", email="ann@example.org")
    party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    party_add(
        asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, description="Man in red cap"
    )
    text = "Consent revoked: Ann Lee (ann@example.org); also the Man in red cap."
    assert without_personal_data(asset, text) == (
        "Consent revoked: [a person depicted] ([a person depicted]); also the [a person depicted]."
    )
