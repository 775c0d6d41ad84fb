"""Originals served from object storage: streamed through the app after the access check (never
a link into the bucket), in bounded memory, and an SVG never inline."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.urls import reverse

from review.media import stored_file_response
from review.models import Asset, MediaKind
from tests.factories import jpeg_bytes
from tests.review.helpers import new_asset
from tests.storage.conftest import Bucket
from tests.storage.media import SVG_BYTES, MiB, peak_memory

pytestmark = pytest.mark.django_db

# Streaming a 40 MiB original allocates a few hundred KiB (the response's blocks); reading it
# through django-storages' file object would first copy all of it.
DOWNLOAD_PEAK_LIMIT = 8 * MiB


def media_url(asset: Asset) -> str:
    return reverse("review:asset_media", args=[asset.pk])


def streamed_sha256(response: Any) -> tuple[str, int]:
    """Hash the body block by block, as a WSGI server would send it, never joining it. (The
    test client closes the response once its content has been read to the end.)"""
    digest, size = hashlib.sha256(), 0
    for block in response.streaming_content:
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


@pytest.fixture
def photo(reporter) -> tuple[Asset, bytes]:
    data = jpeg_bytes(size=(320, 240))
    asset = new_asset(
        uploaded_by=reporter,
        file=ContentFile(data, name="photo.jpg"),
        original_filename="photo.jpg",
    )
    return asset, data


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client", "legal_client"])
def test_the_original_is_streamed_from_the_bucket_after_the_access_check(
    request, photo, s3_storage: Bucket, client_fixture
):
    asset, data = photo
    assert s3_storage.object_keys() == [asset.file.name]

    response = request.getfixturevalue(client_fixture).get(media_url(asset))

    assert response.status_code == 200
    assert isinstance(response, FileResponse)  # the app's own stream, not a redirect to S3
    assert streamed_sha256(response) == (hashlib.sha256(data).hexdigest(), len(data))
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline; filename*=UTF-8''photo.jpg"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert s3_storage.server.endpoint not in str(response.headers)


@pytest.mark.parametrize(
    ("client_fixture", "status"), [("other_reporter_client", 404), ("outsider_client", 403)]
)
def test_people_who_may_not_see_the_asset_get_nothing_from_the_bucket(
    request, photo, s3_storage: Bucket, client_fixture, status
):
    asset, data = photo
    response = request.getfixturevalue(client_fixture).get(media_url(asset))
    assert response.status_code == status
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert data not in body
    assert s3_storage.server.endpoint.encode() not in body


def test_an_original_gone_from_the_bucket_is_a_404(photo, s3_storage: Bucket, editor_client):
    asset, _data = photo
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=asset.file.name)
    response = editor_client.get(media_url(asset))
    assert response.status_code == 404


def test_a_large_original_is_streamed_in_bounded_memory(
    reporter, s3_storage: Bucket, editor_client, settings
):
    """Even with reads configured to stay in memory (django-storages' default), the download
    goes out as the bucket sends it."""
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], "max_memory_size": 0}},
    }
    data = os.urandom(40 * MiB)
    asset = new_asset(
        uploaded_by=reporter,
        file=ContentFile(data, name="clip.mp4"),
        media_type="video/mp4",
        media_kind=MediaKind.VIDEO,
    )
    assert s3_storage.head(asset.file.name)["ContentLength"] == len(data)

    with peak_memory() as peak:
        response = editor_client.get(media_url(asset))
        assert response.status_code == 200
        served = streamed_sha256(response)

    assert served == (hashlib.sha256(data).hexdigest(), len(data))
    assert peak.bytes < DOWNLOAD_PEAK_LIMIT, f"serving a 40 MiB file allocated {peak.mib:.1f} MiB"


# --- SVG -------------------------------------------------------------------------------------


@pytest.fixture
def svg_asset(reporter) -> Asset:
    return new_asset(
        uploaded_by=reporter,
        file=ContentFile(SVG_BYTES, name="drawing.svg"),
        original_filename="drawing.svg",
        media_type="image/svg+xml",
        media_kind=MediaKind.IMAGE,
    )


def test_a_stored_svg_is_only_ever_downloaded_never_shown_inline(
    svg_asset, s3_storage: Bucket, editor_client
):
    assert s3_storage.read(svg_asset.file.name) == SVG_BYTES

    response = editor_client.get(media_url(svg_asset))

    assert response.status_code == 200
    assert streamed_sha256(response)[0] == hashlib.sha256(SVG_BYTES).hexdigest()
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''drawing.svg"
    assert "sandbox" in response["Content-Security-Policy"].split("; ")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "media_type", ["image/svg+xml", "IMAGE/SVG+XML", "image/svg+xml; charset=utf-8"]
)
def test_no_caller_can_ask_for_an_svg_inline(svg_asset, s3_storage: Bucket, media_type):
    response = stored_file_response(svg_asset.file, media_type=media_type, attachment=False)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert streamed_sha256(response)[0] == hashlib.sha256(SVG_BYTES).hexdigest()


def test_other_images_stay_inline(photo, s3_storage: Bucket):
    asset, _data = photo
    response = stored_file_response(asset.file, media_type="image/jpeg")
    assert response["Content-Disposition"].startswith("inline;")
    assert streamed_sha256(response)[1] == asset.size_bytes
