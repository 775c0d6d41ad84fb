"""`seed_demo` leaves one asset with complete consent (a minor among the people depicted) and
one with consent missing, both made through the real services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from consent.completeness import consent_completeness
from consent.models import ConsentRecord, ConsentRole
from review.models import Asset, AssetStatus
from signoff.models import SignOff
from tests.labeling.conftest import signing_keys

__all__ = ["signing_keys"]

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_complete_and_incomplete_consent(signing_keys):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    complete = Asset.objects.get(original_filename="ai-portrait-explainer.jpg")
    complete.refresh_from_db()
    incomplete = Asset.objects.get(original_filename="flood-street-generated.jpg")

    result = consent_completeness(complete)
    assert result.complete, result.missing
    assert len(result.parties) == 3
    guardian_record = ConsentRecord.objects.get(asset=complete, role=ConsentRole.GUARDIAN)
    assert guardian_record.person is not None and guardian_record.person.is_minor
    assert guardian_record.signer is not None
    assert guardian_record.signer == guardian_record.person.guardian

    # The complete one went all the way: label, signed rendition, two approvals, published.
    assert complete.status == AssetStatus.PUBLISHED, out.getvalue()
    signoff = SignOff.objects.get(asset=complete, voided_at__isnull=True)
    assert signoff.requires_second and signoff.cleared_at is not None
    assert complete.renditions.filter(verification_state="trusted").exists()
    approved = Asset.objects.get(original_filename="harbour-fire-photo.jpg")
    assert approved.status == AssetStatus.APPROVED
    # The AI-generated flood picture is classified and labeled, but consent is missing.
    assert incomplete.labels.exists() and incomplete.classifications.exists()
    assert incomplete.status == AssetStatus.IN_REVIEW

    missing = consent_completeness(incomplete).missing
    assert "No creator recorded: add who made this media." in missing
    assert any("Unidentified person" in line for line in missing)
