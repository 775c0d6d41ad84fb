"""A change to what a sign-off covers voids it, through the service that makes the change: a
new signed rendition, a provenance re-run, a new classification. Each sends the asset back to
review, says why in the audit log, and tells the CMS with `asset.clearance_revoked`."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from integrations.models import EventType, OutboxEvent
from labeling.models import Certainty
from labeling.services import classification_set, rendition_create
from provenance.models import ReportReason
from provenance.services import provenance_verify_asset
from review.models import AssetStatus
from signoff.models import SignOff
from tests.integrations.api_helpers import cleared_labeled_asset, cleared_plain_asset

pytestmark = pytest.mark.django_db


def assert_voided(asset, signoff: SignOff, reason: str) -> None:
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert signoff.void_reason == reason
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    audit = AuditEvent.objects.get(action="signoff.voided")
    assert (audit.from_state, audit.to_state) == (AssetStatus.APPROVED, AssetStatus.IN_REVIEW)
    assert audit.details["reason"] == reason
    # The event follows the asset.cleared of the approval, with the next sequence number.
    events = list(OutboxEvent.objects.filter(asset=asset).order_by("sequence"))
    assert [(e.type, e.sequence) for e in events] == [
        (EventType.ASSET_CLEARED, 1),
        (EventType.CLEARANCE_REVOKED, 2),
    ]
    data = events[1].payload["data"]
    assert (data["signoff_id"], data["reason"]) == (signoff.pk, reason)


def test_a_new_signed_rendition_voids_the_signoff(make_asset, editor, signing_keys):
    asset = cleared_labeled_asset(make_asset, editor)
    signoff = SignOff.objects.get(asset=asset)
    approved = signoff.snapshot["rendition"]["sha256"]

    new = rendition_create(asset_id=asset.pk, actor=editor)

    assert new.sha256 != approved  # signed anew: another file than the one approved
    assert_voided(asset, signoff, "A new signed rendition was made.")


def test_a_provenance_rerun_voids_the_signoff(make_asset, editor):
    asset = cleared_plain_asset(make_asset, editor)
    signoff = SignOff.objects.get(asset=asset)

    report = provenance_verify_asset(
        asset_id=asset.pk, reason=ReportReason.RERUN, requested_by=editor
    )

    assert report.pk != signoff.snapshot["provenance_report"]
    assert_voided(asset, signoff, "The provenance check was re-run.")


def test_a_classification_change_voids_the_signoff(make_asset, editor):
    asset = cleared_plain_asset(make_asset, editor)
    signoff = SignOff.objects.get(asset=asset)

    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="compositeCapture",
        techniques=[],
        purpose="",
        certainty=Certainty.JUDGMENT,
    )

    assert_voided(asset, signoff, "The classification changed.")
