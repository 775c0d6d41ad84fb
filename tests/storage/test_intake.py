"""Intake on object storage: the upload page streams the file into the bucket, and the checks
read it back from there (hash, dimensions, Content Credentials), a large file included, without
holding it in memory."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from audit.models import AuditEvent
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from review.models import Asset, AssetStatus
from tests.factories import jpeg_bytes
from tests.provenance.media import signed_jpeg, tamper
from tests.review.helpers import new_asset, upload_file
from tests.storage.conftest import Bucket
from tests.storage.media import MiB, Peak, large_signed_jpeg, measured, peak_memory, signer
from workflow.pipeline import asset_run_checks

pytestmark = pytest.mark.django_db

# What the measured code may allocate for a 40 MiB file. Measured with the production settings:
# about 11 MiB to store it and 4.5 MiB to check it, the same for 40 and 120 MiB files. Without
# them (boto3's threaded transfers, django-storages' in-memory reads) 50 MiB and over 100 MiB.
UPLOAD_PEAK_LIMIT = 16 * MiB
CHECK_PEAK_LIMIT = 12 * MiB


def upload(client: Any, post_upload: Any, name: str, data: bytes, capture: Any, *, run: bool):
    """POST the file to the upload page; the checks run after the commit only if `run`."""
    with capture(execute=run) as callbacks:
        response = post_upload(client, upload_file(name, data, content_type="image/jpeg"))
    assert response.status_code == 200, response.content[:500]
    assert len(callbacks) == 1  # the checks, queued after the commit
    return Asset.objects.get()


def assert_stored(bucket: Bucket, asset: Asset, data: bytes) -> None:
    """The object is in the bucket, under the asset's name, with the uploaded bytes."""
    assert asset.file.name in bucket.object_keys()
    assert bucket.head(asset.file.name)["ContentLength"] == len(data)
    on_disk = bucket.on_disk(asset.file.name).read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == asset.sha256 == hashlib.sha256(data).hexdigest()


def checked_event(asset: Asset) -> AuditEvent:
    return AuditEvent.objects.get(action="asset.checked", object_id=str(asset.pk))


def test_an_upload_is_stored_in_the_bucket_and_checked_from_it(
    reporter_client, post_upload, django_capture_on_commit_callbacks, s3_storage
):
    data = signed_jpeg(signer(), base=jpeg_bytes(size=(640, 480)))
    asset = upload(
        reporter_client,
        post_upload,
        "photo.jpg",
        data,
        django_capture_on_commit_callbacks,
        run=True,
    )

    assert_stored(s3_storage, asset, data)
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.check_error == ""
    assert (asset.width, asset.height) == (640, 480)  # decoded from the object
    assert checked_event(asset).details["sha256_verified"] is True
    # The credentials were read from the stored bytes: signed, by a signer we do not trust.
    report = ProvenanceReport.objects.get(asset=asset)
    assert report.state == ProvenanceState.VALID
    # The bucket holds the upload and the thumbnail its credentials carry, nothing else.
    thumbnails = [t.file.name for t in report.thumbnails.all()]
    assert len(thumbnails) == 1
    assert s3_storage.object_keys() == sorted([asset.file.name, *thumbnails])


def test_an_upload_reaches_the_bucket_in_parts_not_whole(
    reporter_client, post_upload, django_capture_on_commit_callbacks, s3_storage, monkeypatch
):
    data = large_signed_jpeg()
    peak = Peak()
    monkeypatch.setattr(S3Storage, "_save", measured(S3Storage._save, peak))

    asset = upload(
        reporter_client,
        post_upload,
        "large.jpg",
        data,
        django_capture_on_commit_callbacks,
        run=False,
    )

    assert_stored(s3_storage, asset, data)
    assert 0 < peak.bytes < UPLOAD_PEAK_LIMIT, (
        f"storing a {len(data) / MiB:.0f} MiB upload allocated {peak.mib:.1f} MiB"
    )


@pytest.mark.parametrize(
    ("tampered", "state"), [(False, ProvenanceState.VALID), (True, ProvenanceState.INVALID)]
)
def test_a_large_file_is_checked_from_the_bucket_in_bounded_memory(
    reporter, s3_storage, tampered, state
):
    """The re-hash, the decode and the credentials all read the object, to its last bytes (a
    change 40 bytes from the end breaks the signature's hash), while the process holds a small
    part of it at a time. (The upload page's part is the test above.)"""
    data = tamper(large_signed_jpeg()) if tampered else large_signed_jpeg()
    asset = new_asset(
        uploaded_by=reporter, status=AssetStatus.CHECKING, file=ContentFile(data, name="large.jpg")
    )
    assert_stored(s3_storage, asset, data)

    with peak_memory() as peak:
        asset_run_checks(asset_id=asset.pk)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.check_error == ""
    assert checked_event(asset).details["sha256_verified"] is True
    assert (asset.width, asset.height) == (6000, 6000)
    assert ProvenanceReport.objects.get(asset=asset).state == state
    assert peak.bytes < CHECK_PEAK_LIMIT, (
        f"checking a {len(data) / MiB:.0f} MiB file allocated {peak.mib:.1f} MiB"
    )


def test_a_file_gone_from_the_bucket_is_reported_missing_by_the_checks(
    reporter_client, post_upload, django_capture_on_commit_callbacks, s3_storage
):
    asset = upload(
        reporter_client,
        post_upload,
        "photo.jpg",
        jpeg_bytes(),
        django_capture_on_commit_callbacks,
        run=False,
    )
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=asset.file.name)

    asset_run_checks(asset_id=asset.pk)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.check_error == "The stored file is missing."


def test_the_credentials_thumbnails_are_kept_in_the_bucket_and_served_from_it(
    reporter, editor_client, s3_storage
):
    parent = signed_jpeg(signer(), source_type="trainedAlgorithmicMedia", title="parent.jpg")
    data = signed_jpeg(signer(), parent=parent, title="edit.jpg")
    asset = new_asset(
        uploaded_by=reporter, status=AssetStatus.CHECKING, file=ContentFile(data, name="edit.jpg")
    )

    asset_run_checks(asset_id=asset.pk)

    thumbs = list(ProvenanceReport.objects.get(asset=asset).thumbnails.all())
    assert thumbs, "the ingredient's thumbnail was stored"
    keys = s3_storage.object_keys()
    for thumb in thumbs:
        assert thumb.file.name in keys
        assert thumb.file.name.startswith("provenance-thumbnails/")
        response = editor_client.get(reverse("provenance:thumbnail", args=[thumb.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == s3_storage.read(thumb.file.name)
        assert response["Content-Type"] == "image/jpeg"
