"""The queue's PostgreSQL indexes (workflow/migrations/0001): they exist, and the queries the
queue sends are ones they answer. The planner is told to avoid what it would otherwise do on a
table this small (read it whole and sort), so a query an index cannot answer shows up as a
plan without that index. PostgreSQL only: SQLite has none of these indexes (CI runs the suite
on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from consent.models import Person
from workflow.queue_selectors import QueueQuery, queue_assets, queue_filtered

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL-only indexes (CI runs PostgreSQL)"
    ),
]

INDEXES = {
    "queue_status_created_idx",
    "queue_status_source_idx",
    "queue_uploader_created_idx",
    "queue_uploader_status_idx",
    "queue_updated_idx",
    "queue_story_idx",
    "queue_file_idx",
    "queue_status_order_idx",
    "queue_filename_trgm_idx",
    "queue_story_trgm_idx",
    "queue_description_trgm_idx",
    "person_name_trgm_idx",
    "asset_status_changed_idx",
    "signoff_cleared_in_force_idx",
    "signoff_voided_cleared_idx",
    "outbox_created_idx",
}


def plan(queryset, *, matching: bool = False) -> str:
    """The plan of `queryset`, with the planner told (only inside this test's transaction) not
    to read a table of a few rows whole. `matching`: the rows must also be found through an
    index condition (a bitmap scan), not by reading a whole index in order."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if matching:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        else:
            # An incremental sort on a one-column index (story_ref's own) would otherwise pass
            # for an index that gives the queue's whole order.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def page_ids(user, **query):
    wanted = QueueQuery(**query)
    return queue_assets(queue_filtered(user, wanted), wanted).values("pk")[:26]


def test_the_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)]
        )
        found = {row[0] for row in cursor.fetchall()}
    assert found == INDEXES


def test_sorting_by_status_reads_the_status_order_index(editor):
    """The index is on the very expression the queue sorts by: a new status changes that
    expression, and then this fails until a migration rebuilds the index."""
    assert "queue_status_order_idx" in plan(page_ids(editor, sort="status"))
    assert "queue_status_order_idx" in plan(page_ids(editor, sort="-status"))


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("-uploaded", "asset_queue_order_idx"),
        ("-updated", "queue_updated_idx"),
        ("story", "queue_story_idx"),
        ("-file", "queue_file_idx"),
    ],
)
def test_each_sort_reads_an_index(editor, sort, index):
    assert index in plan(page_ids(editor, sort=sort))


def test_a_reporter_reads_their_own_assets_by_index(reporter):
    assert "queue_uploader_" in plan(page_ids(reporter))


def test_search_reads_the_trigram_indexes(editor):
    wanted = QueueQuery(q="harbour")
    found = plan(queue_filtered(editor, wanted).order_by().values("pk"), matching=True)
    for index in ("queue_filename_trgm_idx", "queue_story_trgm_idx", "queue_description_trgm_idx"):
        assert index in found


def test_a_name_is_found_through_its_trigram_index():
    people = Person.objects.filter(full_name__icontains="etxeberria")
    assert "person_name_trgm_idx" in plan(people.order_by().values("pk"), matching=True)
