"""Voiding a sign-off commits as one: the void, the asset's return to review, the audit entry
and the `asset.clearance_revoked` outbox event, also when the caller has no transaction open
(a shell, a management command). These tests commit (transactional database), so that nothing
holds a transaction open for the service."""

from __future__ import annotations

import pytest
from django.db import transaction

from audit.models import AuditEvent
from integrations import outbox
from integrations.models import EventType, OutboxEvent
from review.models import AssetStatus
from signoff.models import SignOff
from signoff.services import signoff_recheck, signoff_void
from tests.integrations.api_helpers import cleared_plain_asset
from tests.readiness import add_provenance_report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cleared(make_asset, editor):
    asset = cleared_plain_asset(make_asset, editor)
    assert not transaction.get_connection().in_atomic_block
    return asset


def revocations(asset) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(asset=asset, type=EventType.CLEARANCE_REVOKED))


def test_signoff_void_outside_a_transaction_writes_the_event(cleared, editor):
    assert signoff_void(asset_id=cleared.pk, reason="Takedown requested.", actor=editor)

    [event] = revocations(cleared)
    signoff = SignOff.objects.get(asset=cleared)
    assert signoff.voided_at is not None and signoff.void_reason == "Takedown requested."
    assert event.payload["data"]["signoff_id"] == signoff.pk
    assert event.payload["data"]["reason"] == "Takedown requested."
    cleared.refresh_from_db()
    assert cleared.status == AssetStatus.IN_REVIEW
    assert AuditEvent.objects.filter(action="signoff.voided").count() == 1


def test_signoff_recheck_outside_a_transaction_writes_the_event(cleared, editor):
    # A newer provenance report is a change the sign-off covers (written here without the
    # provenance service, which would run the recheck itself, inside its own transaction).
    add_provenance_report(cleared)
    assert signoff_recheck(asset_id=cleared.pk, reason="The provenance check was re-run.")

    [event] = revocations(cleared)
    assert event.payload["data"]["reason"] == "The provenance check was re-run."
    assert SignOff.objects.get(asset=cleared).voided_at is not None


def test_signoff_recheck_of_an_unchanged_asset_writes_nothing(cleared):
    assert not signoff_recheck(asset_id=cleared.pk, reason="Nothing changed.")
    assert revocations(cleared) == []
    assert SignOff.objects.get(asset=cleared).voided_at is None


def test_a_failed_event_rolls_the_void_back(cleared, editor, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(outbox, "emit_clearance_revoked", broken)
    with pytest.raises(RuntimeError):
        signoff_void(asset_id=cleared.pk, reason="Takedown requested.", actor=editor)

    # Nothing of the void committed without its event: the CMS still has the true state.
    assert SignOff.objects.get(asset=cleared).voided_at is None
    cleared.refresh_from_db()
    assert cleared.status == AssetStatus.APPROVED
    assert not AuditEvent.objects.filter(action="signoff.voided").exists()
