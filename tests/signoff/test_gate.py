"""The sign-off gate and what an approval records: each checklist item, the refusal of a forced
approval with the same reasons, the snapshot that any later change voids, the second approval."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from consent.models import PartyRole, WaiverBasis
from consent.services import consent_revoke, party_add, person_create, waiver_grant
from labeling.models import Certainty
from labeling.services import classification_set, label_set, rendition_create
from provenance.states import ProvenanceState
from review.access import Action, ActionRefused
from review.models import AssetStatus
from signoff.gate import signoff_gate
from signoff.models import SignOff
from signoff.services import (
    SignOffError,
    provenance_acknowledge,
    signoff_recheck,
    signoff_second_approve,
)
from tests.readiness import add_provenance_report, decided, make_ready_for_signoff, offered
from workflow.services import asset_approve, asset_mark_published

pytestmark = pytest.mark.django_db


def failing(gate) -> dict[str, str]:
    return {item.key: item.detail for item in gate.items if not item.ok}


def test_a_bare_asset_fails_every_item_but_the_reviewer(asset, editor):
    gate = signoff_gate(asset, editor)
    assert set(failing(gate)) == {"provenance", "consent", "label"}
    denial = decided(asset, editor, Action.APPROVE)
    assert denial is not None and denial.kind == "gate"
    assert Action.APPROVE not in offered(asset, editor)


def test_a_forced_approval_is_refused_with_the_same_reasons(asset, editor):
    with pytest.raises(ActionRefused) as refused:
        asset_approve(asset_id=asset.pk, actor=editor)
    assert refused.value.denial.reasons == tuple(signoff_gate(asset, editor).reasons)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert not SignOff.objects.exists()


def test_a_ready_asset_is_approved_and_the_snapshot_recorded(asset, editor):
    make_ready_for_signoff(asset)
    assert signoff_gate(asset, editor).passed
    asset_approve(asset_id=asset.pk, actor=editor)
    signoff = SignOff.objects.get()
    assert signoff.approved_by == editor
    assert signoff.snapshot["asset"]["sha256"] == asset.sha256
    assert len(signoff.snapshot["consent_records"]) == 1
    assert signoff.cleared_at is not None  # no person depicted: no second approval
    assert AuditEvent.objects.filter(action="signoff.recorded").exists()


def test_the_uploader_can_never_pass_the_gate(asset, reporter, editor):
    make_ready_for_signoff(asset)
    assert failing(signoff_gate(asset, reporter)) == {"reviewer": "only an editor can approve."}
    own = asset.__class__.objects.get(pk=asset.pk)
    own.uploaded_by = editor
    assert "four-eyes" in failing(signoff_gate(own, editor))["reviewer"]


def test_invalid_credentials_need_an_acknowledgement_with_a_note(asset, editor):
    make_ready_for_signoff(asset)
    add_provenance_report(asset, state=ProvenanceState.INVALID)
    assert "acknowledge" in failing(signoff_gate(asset, editor))["provenance"]
    with pytest.raises(SignOffError, match="Say why"):
        provenance_acknowledge(asset_id=asset.pk, actor=editor, note="ok")
    provenance_acknowledge(
        asset_id=asset.pk, actor=editor, note="Agency re-encoded the file; we confirmed with them."
    )
    assert signoff_gate(asset, editor).passed


def test_a_synthetic_asset_needs_a_label_and_a_signed_rendition(make_asset, editor, signing_keys):
    from django.core.files.base import ContentFile

    from tests.factories import jpeg_bytes

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
    assert set(failing(signoff_gate(asset, editor))) == {"label", "rendition"}
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    assert set(failing(signoff_gate(asset, editor))) == {"rendition"}
    rendition_create(asset_id=asset.pk, actor=editor)
    assert signoff_gate(asset, editor).passed


def test_any_change_to_what_was_approved_voids_the_signoff(asset, editor, reporter):
    make_ready_for_signoff(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    assert not signoff_recheck(asset_id=asset.pk, reason="nothing changed")
    # Someone else turns out to be in the picture: the consent set changed.
    party_add(
        asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, description="Passer-by, left"
    )
    # The consent service rechecked inside its own transaction and voided the approval.
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    signoff = SignOff.objects.get()
    assert signoff.void_reason == "A party was added to the consent record."
    assert not signoff_recheck(asset_id=asset.pk, reason="already void")


def test_revoked_consent_voids_the_signoff_and_returns_the_asset_to_review(asset, editor, legal):
    make_ready_for_signoff(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    record = asset.consent_records.get()
    consent_revoke(record_id=record.pk, actor=legal, how="Letter from the creator")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    signoff = SignOff.objects.get()
    assert signoff.voided_at is not None and "revoked" in signoff.void_reason
    assert AuditEvent.objects.filter(action="signoff.voided").exists()


def test_a_real_person_depicted_needs_a_second_approval_before_clearance(
    asset, editor, reporter, legal, standards
):
    make_ready_for_signoff(asset)
    person = person_create(actor=reporter, full_name="Known Person")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    waiver_grant(
        party_id=party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification="Reporting on the deepfake of this public figure itself.",
    )
    asset_approve(asset_id=asset.pk, actor=editor)
    signoff = SignOff.objects.get()
    assert signoff.requires_second and signoff.cleared_at is None
    with pytest.raises(ActionRefused, match="second approval"):
        asset_mark_published(asset_id=asset.pk, actor=editor)
    with pytest.raises(SignOffError, match="Only legal or standards"):
        signoff_second_approve(asset_id=asset.pk, actor=editor)
    signoff_second_approve(asset_id=asset.pk, actor=standards)
    signoff.refresh_from_db()
    assert signoff.cleared_at is not None and signoff.second_by == standards
    asset_mark_published(asset_id=asset.pk, actor=editor)
