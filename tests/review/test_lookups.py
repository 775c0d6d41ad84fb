from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from review.lookups import AnyId
from review.models import Asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_assets(make_asset):
    return [make_asset(story_ref=f"story-{i}") for i in range(3)]


def test_it_matches_exactly_the_listed_ids(three_assets):
    first, _, third = three_assets
    found = Asset.objects.filter(AnyId(F("pk"), [third.pk, first.pk, 999_999]))
    assert sorted(found.values_list("pk", flat=True)) == sorted([first.pk, third.pk])


def test_an_empty_list_matches_nothing_alone_and_drops_out_of_an_or(three_assets):
    assert not Asset.objects.filter(AnyId(F("pk"), [])).exists()
    either = Asset.objects.filter(Q(AnyId(F("pk"), [])) | Q(story_ref="story-1"))
    assert list(either.values_list("story_ref", flat=True)) == ["story-1"]


def test_it_works_on_a_foreign_key_column(three_assets, reporter, editor):
    assert Asset.objects.filter(AnyId(F("uploaded_by_id"), [reporter.pk])).count() == 3
    assert not Asset.objects.filter(AnyId(F("uploaded_by_id"), [editor.pk])).exists()


def test_anything_but_ids_is_refused_before_it_reaches_sql():
    with pytest.raises(ValueError):
        AnyId(F("pk"), ["1); DROP TABLE review_asset; --"])  # type: ignore[list-item]


def test_postgresql_gets_one_array_of_the_columns_type_and_other_databases_an_in_list(
    three_assets,
):
    ids = [asset.pk for asset in three_assets]
    with CaptureQueriesContext(connection) as queries:
        list(Asset.objects.filter(AnyId(F("pk"), ids)))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        # One parameter whatever the number of ids, typed as the column (bigint), not int4.
        assert "= ANY('{" + ",".join(map(str, ids)) + "}'::bigint[])" in sql
    else:
        assert " IN (" in sql
