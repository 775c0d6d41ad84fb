"""Audit events written in one batch: one chain-head lock, one INSERT and one head update for
every event a transaction records, the chain the same as if they were written one by one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_batch, audit_record
from audit.verification import audit_verify_chain
from review.models import Asset
from tests.review.helpers import new_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(db: Any) -> Asset:
    return new_asset()


def _inserts(captured: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('INSERT INTO "audit_auditevent"') for q in captured)


def test_one_event_is_three_statements(
    asset: Asset, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    audit_record(actor=None, action="test.first", obj=asset)  # the head row exists from here
    with transaction.atomic(), django_assert_num_queries(3):  # lock the head, insert, update it
        audit_record(actor=None, action="test.second", obj=asset)


def test_a_batch_writes_its_events_together_at_its_end(
    asset: Asset, editor: Any, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    audit_record(actor=None, action="test.before", obj=asset)
    with transaction.atomic():
        # The batch's three statements, and the look below at what it wrote meanwhile.
        with django_assert_num_queries(4) as captured, audit_batch():
            first = audit_record(actor=editor, action="test.one", obj=asset, to_state="a")
            second = audit_record(actor=None, action="test.two", obj=asset, details={"n": 2})
            third = audit_record(actor=None, action="test.three", obj=asset)
            assert not AuditEvent.objects.filter(action__startswith="test.t").exists()
            assert first.pk is None
        assert _inserts(captured) == 1

    assert [e.seq for e in (first, second, third)] == [2, 3, 4]
    assert all(e.pk is not None for e in (first, second, third))
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in stored] == ["test.before", "test.one", "test.two", "test.three"]
    assert stored[1].actor_name == "eddie_editor" and stored[1].to_state == "a"
    assert stored[2].details == {"n": 2}
    assert AuditChainHead.objects.get().last_seq == 4
    assert audit_verify_chain().intact


def test_a_batch_inside_a_batch_joins_it(asset: Asset) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as captured, audit_batch():
        audit_record(actor=None, action="test.outer", obj=asset)
        with audit_batch():
            audit_record(actor=None, action="test.inner", obj=asset)
        assert not AuditEvent.objects.exists()  # the inner end wrote nothing yet

    assert _inserts(captured) == 1
    assert [e.action for e in AuditEvent.objects.all()] == ["test.outer", "test.inner"]
    assert audit_verify_chain().intact


def test_an_error_in_a_batch_writes_none_and_the_change_cannot_commit(asset: Asset) -> None:
    """The change its events describe must not commit without them, even for a caller that
    catches the error."""
    with transaction.atomic():
        with pytest.raises(RuntimeError), audit_batch():
            audit_record(actor=None, action="test.lost", obj=asset)
            raise RuntimeError("the rest of the change failed")
        assert transaction.get_rollback()
        transaction.set_rollback(False)  # the test's own checks run in this transaction

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_writes_its_events_in_one_of_their_own() -> None:
    asset = new_asset()
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as captured, audit_batch():
        audit_record(actor=None, action="test.one", obj=asset)
        audit_record(actor=None, action="test.two", obj=asset)

    statements = [q["sql"] for q in captured]
    assert statements.count("COMMIT") == 1
    assert _inserts(captured) == 1
    assert [e.action for e in AuditEvent.objects.all()] == ["test.one", "test.two"]
    assert audit_verify_chain().intact
