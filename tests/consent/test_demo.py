"""`seed_demo` leaves one asset with complete consent (a minor among the people depicted) and
one with consent missing, both made through the real services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from consent.completeness import consent_completeness
from consent.models import ConsentRecord, ConsentRole
from review.models import Asset

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_complete_and_incomplete_consent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    complete = Asset.objects.get(original_filename="ai-portrait-explainer.jpg")
    incomplete = Asset.objects.get(original_filename="flood-street-generated.jpg")

    result = consent_completeness(complete)
    assert result.complete, result.missing
    assert len(result.parties) == 3
    guardian_record = ConsentRecord.objects.get(asset=complete, role=ConsentRole.GUARDIAN)
    assert guardian_record.person is not None and guardian_record.person.is_minor
    assert guardian_record.signer is not None
    assert guardian_record.signer == guardian_record.person.guardian

    missing = consent_completeness(incomplete).missing
    assert "No creator recorded: add who made this media." in missing
    assert any("Unidentified person" in line for line in missing)
