"""Bringing a test asset to the point where the sign-off gate lets an editor approve it, through
the real services: a provenance report, a classification, the creator's consent, and where
the classification needs one, a label and a signed rendition."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User

from consent.models import ConsentMethod, ConsentStatement, InformedPoint, PartyRole
from consent.services import (
    Scope,
    Signing,
    consent_record_create,
    party_add,
    person_create,
    statement_publish,
)
from labeling.models import Certainty
from labeling.services import classification_set
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from review.models import Asset

SIGNATURE_PNG_DATA_URL: str | None = None


def _signature() -> str:
    global SIGNATURE_PNG_DATA_URL
    if SIGNATURE_PNG_DATA_URL is None:
        from tests.consent.helpers import signature_data_url

        SIGNATURE_PNG_DATA_URL = signature_data_url()
    return SIGNATURE_PNG_DATA_URL


def add_provenance_report(asset: Asset, state: str = ProvenanceState.NO_MANIFEST) -> None:
    # A stored report without reading the file: these tests are about the gate, not c2pa.
    ProvenanceReport.objects.create(
        asset=asset, state=state, library_version="test", trust_fingerprint="0" * 64
    )


def classify_plainly_captured(asset: Asset, *, source_type: str = "digitalCapture") -> None:
    """A classification that needs no label (a plain capture, no techniques)."""
    classification_set(
        asset_id=asset.pk,
        actor=asset.uploaded_by,
        source_type=source_type,
        techniques=[],
        purpose="",
        certainty=Certainty.JUDGMENT,
    )


def _statement(actor: User) -> ConsentStatement:
    statement = ConsentStatement.objects.order_by("key", "-version").first()
    if statement is None:
        # A transactional test starts from a flushed database: the statement the data
        # migration wrote is gone, so publish one.
        statement = statement_publish(
            actor=actor,
            key="synthetic-media",
            title="Consent to the use of synthetic or altered media",
            body="I agree that the newsroom may publish the media described below.",
        )
    return statement


def record_creator_consent(asset: Asset) -> None:
    """The creator as a party, with a signed consent that counts today."""
    uploader = asset.uploaded_by
    creator = person_create(actor=uploader, full_name=f"Creator of {asset.original_filename}")
    party = party_add(asset_id=asset.pk, actor=uploader, role=PartyRole.CREATOR, person=creator)
    consent_record_create(
        party_id=party.pk,
        collected_by=uploader,
        statement=_statement(uploader),
        scope=Scope(
            uses=["Publication with the story"],
            channels=[],
            territories=[],
            valid_from=date.today() - timedelta(days=1),
            valid_until=None,
        ),
        acknowledged=[p.value for p in InformedPoint],
        signing=Signing(
            method=ConsentMethod.SIGNED_IN_PERSON,
            signed_name=creator.full_name,
            signature_data_url=_signature(),
        ),
    )


def make_ready_for_signoff(asset: Asset, *, source_type: str = "digitalCapture") -> Asset:
    """Plainly captured (no label needed), creator's consent recorded, provenance checked."""
    add_provenance_report(asset)
    classify_plainly_captured(asset, source_type=source_type)
    record_creator_consent(asset)
    return asset


def sign_off_directly(asset: Asset, approver=None) -> Asset:
    """For tests that make an asset already `approved` or `published` through the factory: make
    it ready and record the cleared sign-off that approval would have recorded."""
    from signoff.gate import signoff_gate
    from signoff.services import signoff_record
    from tests.factories import UserFactory

    make_ready_for_signoff(asset)
    approver = approver or UserFactory(roles=["editor"])
    gate = signoff_gate(asset, approver)
    assert gate.passed, gate.reasons
    signoff_record(asset=asset, actor=approver, gate=gate)
    return asset


def asset_readiness(asset, user):
    """Readiness for both gated actions at once, as the asset page builds it (the gate for an
    asset in review, the sign-off in force)."""
    from signoff.gate import signoff_gate
    from signoff.selectors import CHECKLIST_STATUSES, readiness_of
    from signoff.services import active_signoff

    gate = signoff_gate(asset, user) if asset.status in CHECKLIST_STATUSES else None
    return readiness_of(gate=gate, signoff=active_signoff(asset))


def decided(asset, user, action):
    """`action_denial` as the desk asks it: with what sign-off says about the asset now (the
    gate for Approve, the sign-off in force for Mark as published)."""
    from review.access import action_denial

    return action_denial(asset, user, action, readiness=asset_readiness(asset, user))


def offered(asset, user):
    """The workflow buttons the asset page would show `user` now."""
    from review.access import available_actions

    return available_actions(asset, user, readiness=asset_readiness(asset, user))
