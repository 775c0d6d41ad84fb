"""The upload page after a batch (issue 14, item 8): results stayed "checking" until a reload,
and the next batch replaced the list. Now each batch goes on top of the earlier ones (an
out-of-band swap into #upload-history) and a file still being checked asks for its status
every 2 s until the checks are done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from review.models import AssetStatus
from tests.factories import jpeg_bytes
from tests.review.helpers import upload_file

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_a_batch_is_added_above_the_earlier_ones(reporter_client, post_upload):
    response = post_upload(reporter_client, upload_file("a.jpg", jpeg_bytes()), headers=HTMX)
    content = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#upload-history"' in content
    assert "a.jpg" in content
    page = reporter_client.get(reverse("review:upload")).content.decode()
    assert '<div id="upload-history"' in page  # where the batches go, outside the form's panel


def test_without_htmx_the_page_shows_the_batch_in_place(reporter_client, post_upload):
    response = post_upload(reporter_client, upload_file("b.jpg", jpeg_bytes()))
    content = response.content.decode()
    assert "hx-swap-oob" not in content and "b.jpg" in content


@pytest.mark.parametrize("status", [AssetStatus.RECEIVED, AssetStatus.CHECKING])
def test_a_file_being_checked_asks_again_for_its_status(make_asset, reporter_client, status):
    asset = make_asset(status=status)
    response = reporter_client.get(reverse("review:asset_status", args=[asset.pk]), headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert f'hx-get="{reverse("review:asset_status", args=[asset.pk])}"' in content


def test_a_checked_file_stops_asking(make_asset, reporter_client):
    asset = make_asset(status=AssetStatus.IN_REVIEW)
    content = reporter_client.get(reverse("review:asset_status", args=[asset.pk])).content
    assert b"in review" in content and b"hx-trigger" not in content


def test_the_status_is_only_for_those_who_may_see_the_asset(make_asset, other_reporter_client):
    asset = make_asset(status=AssetStatus.CHECKING)
    response = other_reporter_client.get(reverse("review:asset_status", args=[asset.pk]))
    assert response.status_code == 404
