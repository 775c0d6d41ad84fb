"""The S3 server the storage tests run against, and the production storage settings they use:
the app signs its requests with the configured keys, and the bucket answers nobody else."""

from __future__ import annotations

import hashlib
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from storages.backends.s3 import S3Storage

from tests.storage import conftest
from tests.storage.conftest import SECRET_KEY, Bucket

SECRET_BYTES = b"an uploaded picture nobody may fetch without asking the desk"


def anonymous_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_media_storage_is_the_s3_server_configured_as_in_production(s3_storage: Bucket):
    storage = storages["default"]
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == s3_storage.name
    assert storage.endpoint_url == s3_storage.server.endpoint
    assert storage.default_acl == "private"
    assert storage.querystring_auth is True
    assert storage.file_overwrite is False
    assert storage.addressing_style == "path"
    assert (storage.signature_version, storage.querystring_expire) == ("s3v4", 300)
    # Reads spill to disk past a bound instead of holding whole objects in memory.
    assert 0 < storage.max_memory_size <= 8 * 1024 * 1024


def test_a_saved_file_lands_in_the_bucket_and_nowhere_else(s3_storage: Bucket):
    name = default_storage.save("probe/secret.bin", ContentFile(SECRET_BYTES))
    assert s3_storage.object_keys() == [name]
    assert s3_storage.head(name)["ContentLength"] == len(SECRET_BYTES)
    assert s3_storage.on_disk(name).read_bytes() == SECRET_BYTES
    # Names are never reused: a second file of that name gets a name of its own.
    second = default_storage.save("probe/secret.bin", ContentFile(b"other"))
    assert second != name
    assert s3_storage.read(name) == SECRET_BYTES


def test_the_server_refuses_requests_signed_with_the_wrong_secret(s3_storage: Bucket):
    """So every passing test here proves the app sent the credentials it was configured with."""
    with pytest.raises(ClientError) as refused:
        s3_storage.server.client(secret=SECRET_KEY + "-wrong").put_object(
            Bucket=s3_storage.name, Key="intruder.txt", Body=b"x"
        )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3_storage.object_keys() == []


def test_the_app_fails_loudly_with_the_wrong_secret(
    s3_storage: Bucket, settings: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY + "-wrong")
    settings.STORAGES = {**settings.STORAGES}  # a fresh storage, reading the environment again
    with pytest.raises(ClientError):
        storages["default"].save("probe/secret.bin", ContentFile(SECRET_BYTES))
    assert s3_storage.object_keys() == []


def test_an_anonymous_request_for_a_stored_object_is_refused(s3_storage: Bucket):
    """Never a public bucket: the object's own URL (and the bucket's listing) answer nothing
    to a request that is not signed."""
    name = default_storage.save("probe/secret.bin", ContentFile(SECRET_BYTES))
    status, body = anonymous_get(s3_storage.object_url(name))
    assert status >= 400
    assert SECRET_BYTES not in body
    status, body = anonymous_get(f"{s3_storage.server.endpoint}/{s3_storage.name}/")
    assert status >= 400
    assert name.encode() not in body


def test_a_presigned_url_from_the_storage_works_and_the_bare_url_does_not(s3_storage: Bucket):
    """The app hands out no object URLs, but one made by the storage must be signed (SigV4,
    which servers accept) and short-lived, and only the signed URL opens the object."""
    name = default_storage.save("probe/secret.bin", ContentFile(SECRET_BYTES))
    url = default_storage.url(name)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    assert "X-Amz-Expires=300&" in url
    status, body = anonymous_get(url)
    assert (status, hashlib.sha256(body).digest()) == (200, hashlib.sha256(SECRET_BYTES).digest())
    assert anonymous_get(url.split("?", 1)[0])[0] >= 400


def test_without_rclone_the_storage_tests_fail_rather_than_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(pytest.fail.Exception, match="rclone is missing"):
        conftest._rclone()
