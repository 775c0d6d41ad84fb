"""`manage.py verify_audit_log`: passes on an intact chain, and names the first bad event when a
row was altered, removed or reordered behind the application's back (raw SQL)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.sqlite3.creation import DatabaseCreation

from audit.chain import event_hash
from audit.models import AuditEvent
from audit.services import audit_record
from tests.readiness import make_ready_for_signoff
from tests.review.helpers import new_asset
from workflow import services

TABLE = AuditEvent._meta.db_table


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=connection.ops.quote_name(TABLE)), params)


def make_chain(n=5):
    asset = new_asset()
    events = [
        audit_record(
            actor=None,
            action="asset.test",
            obj=asset,
            from_state="in_review",
            to_state="approved",
            details={"n": i},
        )
        for i in range(n)
    ]
    return events


def test_empty_log_is_intact(db):
    assert verify().strip() == "Audit log intact: 0 events verified."


def test_intact_chain_passes(db):
    make_chain(5)
    assert verify().strip() == "Audit log intact: 5 events verified."


def test_chain_written_by_the_workflow_passes(client, reporter, editor):
    # Classified, the creator and their consent recorded: the events of getting ready.
    asset = make_ready_for_signoff(new_asset(uploaded_by=reporter))
    ready = AuditEvent.objects.count()
    services.asset_request_changes(asset_id=asset.pk, actor=editor, note="Crop it")
    services.asset_resubmit(asset_id=asset.pk, actor=reporter)
    services.comment_add(asset_id=asset.pk, author=editor, body="Better")
    services.asset_approve(asset_id=asset.pk, actor=editor)  # and the sign-off it records
    assert AuditEvent.objects.count() == ready + 5
    assert f"Audit log intact: {ready + 5} events verified." in verify()


def _fails_with(*fragments):
    with pytest.raises(CommandError) as failure:
        verify()
    message = str(failure.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", json.dumps({"n": 99})),
        ("to_state", "rejected"),
        ("from_state", "checking"),
        ("actor_name", "someone-else"),
        ("action", "asset.reject"),
        ("object_id", "999"),
    ],
)
def test_altered_field_is_named(db, column, value):
    events = make_chain(5)
    sql(f"UPDATE {{table}} SET {column} = %s WHERE seq = %s", [value, 3])
    _fails_with(
        "TAMPERED after 2 good events",
        f"event #3 (id {events[2].pk})",
        "contents were altered",
    )


def test_altered_timestamp_is_named(db):
    events = make_chain(4)
    later = connection.ops.adapt_datetimefield_value(events[1].created_at + dt.timedelta(seconds=1))
    sql("UPDATE {table} SET created_at = %s WHERE seq = %s", [later, 2])
    _fails_with("after 1 good events", "event #2", "contents were altered")


def test_altered_row_with_recomputed_hash_breaks_the_next_link(db):
    """Someone who rewrites a row and its hash still breaks the link from the row after it."""
    events = make_chain(4)
    target = events[1]
    forged = event_hash(
        seq=target.seq,
        created_at=target.created_at,
        actor_id=target.actor_id,
        actor_name=target.actor_name,
        action=target.action,
        object_type=target.object_type,
        object_id=target.object_id,
        from_state=target.from_state,
        to_state="rejected",
        details=target.details,
        prev_hash=target.prev_hash,
    )
    sql("UPDATE {table} SET to_state = %s, hash = %s WHERE seq = %s", ["rejected", forged, 2])
    _fails_with("after 2 good events", "event #3", "previous-hash link does not match")


def test_removed_middle_row_is_named(db):
    events = make_chain(5)
    sql("DELETE FROM {table} WHERE seq = %s", [3])
    _fails_with(
        "after 2 good events",
        f"event #4 (id {events[3].pk})",
        "expected sequence number 3, found 4",
    )


def test_removed_first_row_is_named(db):
    make_chain(3)
    sql("DELETE FROM {table} WHERE seq = %s", [1])
    _fails_with("after 0 good events", "event #2", "expected sequence number 1, found 2")


def test_removed_last_row_is_detected_by_the_head(db):
    make_chain(5)
    sql("DELETE FROM {table} WHERE seq = %s", [5])
    _fails_with("after 4 good events", "chain head records 5 events but 4 were found")


def test_every_row_removed_is_detected_by_the_head(db):
    make_chain(2)
    sql("DELETE FROM {table}")
    _fails_with("chain head records 2 events but 0 were found")


def test_reordered_rows_are_named(db):
    events = make_chain(5)
    # seq is unique: park one row on a free number while the other moves.
    sql("UPDATE {table} SET seq = %s WHERE seq = %s", [10_000, 2])
    sql("UPDATE {table} SET seq = %s WHERE seq = %s", [2, 3])
    sql("UPDATE {table} SET seq = %s WHERE seq = %s", [3, 10_000])
    _fails_with(
        "after 1 good events",
        f"event #3 (id {events[1].pk})",
        "expected sequence number 2, found 3",
    )


def test_events_written_after_a_verified_run_keep_verifying(db):
    make_chain(2)
    verify()
    make_chain(3)
    assert "5 events verified" in verify()


# --- the real command line -------------------------------------------------------------------


def _database_url() -> str:
    """A DATABASE_URL for the test database, for a child process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(db["NAME"]).resolve())
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _run_command():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit_log"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_command_line_exit_codes():
    if connection.vendor == "sqlite" and DatabaseCreation.is_in_memory_db(
        connection.settings_dict["NAME"]
    ):
        pytest.skip("a child process cannot open an in-memory SQLite test database")
    events = make_chain(3)

    intact = _run_command()
    assert intact.returncode == 0, intact.stderr
    assert "Audit log intact: 3 events verified." in intact.stdout

    sql("UPDATE {table} SET to_state = %s WHERE seq = %s", ["published", 2])
    tampered = _run_command()
    assert tampered.returncode != 0
    assert f"event #2 (id {events[1].pk}): contents were altered" in tampered.stderr


def test_event_appended_behind_the_writers_back_is_detected(db):
    """A row inserted with a valid-looking hash, but not through `audit_record`, leaves the
    chain head behind: the verifier reports extra events, not missing ones."""
    events = make_chain(3)
    last = events[-1]
    fields = {
        "seq": 4,
        "created_at": last.created_at + dt.timedelta(seconds=1),
        "actor_id": None,
        "actor_name": "system",
        "action": "asset.approve",
        "object_type": last.object_type,
        "object_id": last.object_id,
        "from_state": "in_review",
        "to_state": "approved",
        "details": {},
        "prev_hash": last.hash,
    }
    forged_hash = event_hash(**fields)
    sql(
        "INSERT INTO {table} (seq, created_at, actor_id, actor_name, action, object_type,"
        " object_id, from_state, to_state, details, prev_hash, hash)"
        " VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            4,
            connection.ops.adapt_datetimefield_value(fields["created_at"]),
            "system",
            "asset.approve",
            fields["object_type"],
            fields["object_id"],
            "in_review",
            "approved",
            "{}",
            last.hash,
            forged_hash,
        ],
    )
    message = _fails_with("chain head records 3 events but 4 were found")
    assert "removed" not in message


def test_last_row_rewritten_with_recomputed_hash_is_caught_by_the_head(db):
    """No later row links to the last one, so only the chain head can catch its forgery."""
    events = make_chain(3)
    last = events[-1]
    forged = event_hash(
        seq=last.seq,
        created_at=last.created_at,
        actor_id=last.actor_id,
        actor_name=last.actor_name,
        action=last.action,
        object_type=last.object_type,
        object_id=last.object_id,
        from_state=last.from_state,
        to_state="published",
        details=last.details,
        prev_hash=last.prev_hash,
    )
    sql("UPDATE {table} SET to_state = %s, hash = %s WHERE seq = %s", ["published", forged, 3])
    _fails_with("chain head records 3 events but 3 were found", "the last event was replaced")
