"""Indexes for a desk of a million assets on PostgreSQL (issue 15): the queue's filters and
sorts, its search, and the CMS API's `changed_since`. They live here because the queue and
its search are the workflow's; the tables are the core's and the domain apps'.

PostgreSQL only: SQLite (a laptop's desk) has none of it and needs none. The trigram indexes
need the `pg_trgm` extension, which ships with PostgreSQL (contrib) and is a trusted extension
since PostgreSQL 13: the database's owner may create it, as this migration does. Where the
migrating role may not, create it once beforehand (`CREATE EXTENSION pg_trgm;` as a superuser).

Each index is built CONCURRENTLY, outside a transaction, so that migrating a live desk does not
lock its tables for writes while the indexes build (a million assets: about a minute).

On SSDs set `random_page_cost = 1.1` (the PostgreSQL manual's suggestion; the default, 4, models
spinning disks): with 4 the planner prefers reading rows in turn to looking a few thousand up
by index, and some searches take 20 times longer (bench/million.py).
"""

from __future__ import annotations

from django.db import migrations

# The queue sorts by status in the order an asset moves through them: this is the expression
# `workflow.queue_selectors._status_order` builds, spelled as Django compiles it, so that the
# planner sees the same expression and sorts through the index. A new status changes the
# expression and needs a new migration (tests/workflow/test_queue_postgres.py fails until then).
STATUS_ORDER = (
    "CASE"
    " WHEN status = 'received' THEN 0"
    " WHEN status = 'checking' THEN 1"
    " WHEN status = 'in_review' THEN 2"
    " WHEN status = 'changes_requested' THEN 3"
    " WHEN status = 'approved' THEN 4"
    " WHEN status = 'published' THEN 5"
    " WHEN status = 'rejected' THEN 6"
    " WHEN status = 'withdrawn' THEN 7"
    " WHEN status = 'taken_down' THEN 8"
    " ELSE NULL END"
)

INDEXES = [
    # The queue's list and its capped counts: each filter it offers, then its default order.
    ("queue_status_created_idx", "review_asset", "btree (status, created_at DESC, id DESC)"),
    (
        "queue_status_source_idx",
        "review_asset",
        "btree (status, source, created_at DESC, id DESC)",
    ),
    (
        "queue_uploader_created_idx",
        "review_asset",
        "btree (uploaded_by_id, created_at DESC, id DESC)",
    ),
    (
        "queue_uploader_status_idx",
        "review_asset",
        "btree (uploaded_by_id, status, created_at DESC, id DESC)",
    ),
    # The other sorts (an index scans both ways).
    ("queue_updated_idx", "review_asset", "btree (updated_at, id)"),
    ("queue_story_idx", "review_asset", "btree (story_ref, id)"),
    ("queue_file_idx", "review_asset", "btree (original_filename, id)"),
    ("queue_status_order_idx", "review_asset", f"btree (({STATUS_ORDER}), id)"),
    # Search: `icontains` compares UPPER(column::text) LIKE UPPER(pattern) on PostgreSQL, and a
    # trigram index on exactly that expression answers it.
    (
        "queue_filename_trgm_idx",
        "review_asset",
        "gin (UPPER(original_filename::text) gin_trgm_ops)",
    ),
    ("queue_story_trgm_idx", "review_asset", "gin (UPPER(story_ref::text) gin_trgm_ops)"),
    (
        "queue_description_trgm_idx",
        "review_asset",
        "gin (UPPER(description::text) gin_trgm_ops)",
    ),
    ("person_name_trgm_idx", "consent_person", "gin (UPPER(full_name::text) gin_trgm_ops)"),
    # The API's `changed_since`: what changed since then, found by time rather than by reading
    # every cleared asset.
    ("asset_status_changed_idx", "review_asset", "btree (status_changed_at)"),
    (
        "signoff_cleared_in_force_idx",
        "signoff_signoff",
        "btree (cleared_at) WHERE voided_at IS NULL",
    ),
    (
        "signoff_voided_cleared_idx",
        "signoff_signoff",
        "btree (voided_at) WHERE cleared_at IS NOT NULL",
    ),
    ("outbox_created_idx", "integrations_outboxevent", "btree (created_at)"),
]


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, definition in INDEXES:
        method, columns = definition.split(" ", 1)
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING {method} {columns}"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("review", "0004_asset_assigned_to"),
        ("consent", "0004_spanish_statement"),
        ("provenance", "0001_initial"),
        ("labeling", "0004_computer_generated_term"),
        ("signoff", "0001_initial"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
