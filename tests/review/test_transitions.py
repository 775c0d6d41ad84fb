"""The one writer of an asset's status: it checks the state it may start from and the caller's
guard under the row lock, writes the status with the audit event, and writes nothing when it
refuses."""

from __future__ import annotations

import pytest
from django.db import transaction

from audit.models import AuditEvent
from review import transitions
from review.models import AssetStatus
from review.transitions import IllegalTransition, asset_transition

S = AssetStatus
pytestmark = pytest.mark.django_db


def _events(asset):
    return list(AuditEvent.objects.for_object(asset).order_by("seq"))


def test_a_transition_writes_the_status_and_its_audit_event(asset, editor):
    before = asset.status_changed_at

    moved = asset_transition(
        asset=asset.pk,
        to_state=S.APPROVED,
        from_states={S.IN_REVIEW},
        actor=editor,
        event="asset.approve",
        details={"note": "fine"},
    )

    asset.refresh_from_db()
    assert moved.status == asset.status == S.APPROVED
    assert asset.status_changed_at != before
    [event] = _events(asset)
    assert (event.action, event.from_state, event.to_state) == (
        "asset.approve",
        S.IN_REVIEW,
        S.APPROVED,
    )
    assert event.actor == editor
    assert event.details == {"note": "fine"}


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(make_asset, editor):
    asset = make_asset(status=S.REJECTED)

    with pytest.raises(IllegalTransition, match="This asset is rejected now.") as refused:
        asset_transition(
            asset=asset.pk,
            to_state=S.APPROVED,
            from_states={S.IN_REVIEW},
            actor=editor,
            event="asset.approve",
        )

    assert refused.value.asset.status == S.REJECTED
    asset.refresh_from_db()
    assert asset.status == S.REJECTED
    assert _events(asset) == []


def test_the_callers_guard_runs_under_the_lock_and_may_refuse(asset, editor):
    seen = []

    def guard(locked):
        seen.append(locked.status)
        raise PermissionError("not you")

    with pytest.raises(PermissionError):
        asset_transition(
            asset=asset.pk,
            to_state=S.APPROVED,
            from_states={S.IN_REVIEW},
            actor=editor,
            event="asset.approve",
            guard=guard,
        )

    assert seen == [S.IN_REVIEW]
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert _events(asset) == []


def test_other_fields_are_written_with_the_status(make_asset):
    asset = make_asset(status=S.CHECKING)

    asset_transition(
        asset=asset.pk,
        to_state=S.IN_REVIEW,
        from_states={S.CHECKING},
        actor=None,
        event="asset.checked",
        fields={"width": 640, "height": 480, "check_error": ""},
    )

    asset.refresh_from_db()
    assert (asset.status, asset.width, asset.height) == (S.IN_REVIEW, 640, 480)


def test_an_unchanged_status_is_audited_only_when_asked(make_asset):
    asset = make_asset(status=S.PUBLISHED)
    changed_at = asset.status_changed_at

    asset_transition(
        asset=asset.pk,
        to_state=S.PUBLISHED,
        from_states={S.APPROVED},
        audit_unchanged=True,
        actor=None,
        event="asset.published_by_cms",
    )

    asset.refresh_from_db()
    assert asset.status == S.PUBLISHED
    assert asset.status_changed_at == changed_at
    [event] = _events(asset)
    assert (event.action, event.from_state, event.to_state) == ("asset.published_by_cms", "", "")

    with pytest.raises(IllegalTransition):
        asset_transition(
            asset=asset.pk,
            to_state=S.PUBLISHED,
            from_states={S.APPROVED},
            actor=None,
            event="asset.published_by_cms",
        )


def test_a_failure_after_the_transition_rolls_it_back_with_the_callers_work(asset, editor):
    with pytest.raises(RuntimeError), transaction.atomic():
        asset_transition(
            asset=asset.pk,
            to_state=S.APPROVED,
            from_states={S.IN_REVIEW},
            actor=editor,
            event="asset.approve",
        )
        raise RuntimeError("the sign-off could not be recorded")

    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert _events(asset) == []


def test_a_failure_after_the_write_dooms_the_callers_transaction(asset, editor, monkeypatch):
    """A caller that catches the error must not be able to commit a status without its audit
    event: the transition marks the joined transaction for rollback."""

    def audit_fails(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(transitions, "audit_record", audit_fails)
    with transaction.atomic():
        with pytest.raises(RuntimeError):
            asset_transition(
                asset=asset.pk,
                to_state=S.APPROVED,
                from_states={S.IN_REVIEW},
                actor=editor,
                event="asset.approve",
            )
        assert transaction.get_rollback()

    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
