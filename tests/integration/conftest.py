"""Integration tests: tasks go through a real broker to a real Celery worker process.

The worker is started once per session, pointed at pytest-django's test database (the tests use
transactional databases, so it sees committed rows) and at a media folder it shares with the
tests. It talks to the broker from settings, moved to a Redis database of its own so that a
worker a developer left running on the usual database never takes the tests' tasks.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from celery import _state as celery_state
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.creation import DatabaseCreation

from labeling.signing import write_dev_credentials
from newsroom.celery import app

HERE = Path(__file__).resolve().parent
# .ci/run points CELERY_BROKER_URL at 14 too; a developer running these beside CI can pick another.
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "14"))
WORKER_APPLICATION_NAME = "proofdesk-test-worker"
WORKER_START_TIMEOUT = 60.0  # seconds; a cold start imports Django, Pillow and c2pa
TASK_TIMEOUT = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder needs the worker; `-m "not integration"` leaves them all out.
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.integration)


# --- where the worker finds things ------------------------------------------------------------


def _broker_url() -> str:
    url: str = settings.CELERY_BROKER_URL
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL (Redis) for the integration tests.")
        pytest.skip("needs CELERY_BROKER_URL; CI sets it")
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"}:
        parts = parts._replace(path=f"/{TEST_REDIS_DB}")
    return urlunsplit(parts)


def _worker_database_url() -> str:
    """The test database as a DATABASE_URL for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    if connection.vendor == "sqlite":
        if DatabaseCreation.is_in_memory_db(db["NAME"]):
            pytest.skip(
                "the SQLite test database is in memory, where a worker process cannot reach it: "
                "set SQLITE_TEST_NAME to a file path, or use PostgreSQL as CI does"
            )
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    pytest.skip(f"no worker DATABASE_URL for the {connection.vendor} backend")


@contextlib.contextmanager
def _app_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at `url`, with tasks really sent (not eager). Celery
    reads CELERY_BROKER_URL from the environment before its own configuration, so that moves
    too: otherwise a broker URL naming another Redis database than the tests' would leave this
    process talking to one database and the worker to another."""
    previous = app.conf.broker_url, app.conf.task_always_eager
    previous_env = os.environ.get("CELERY_BROKER_URL")
    _drop_broker_connections()
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        _drop_broker_connections()
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        app.conf.update(broker_url=previous[0], task_always_eager=previous[1])


def _drop_broker_connections() -> None:
    """Drop the app's pooled connections to the previous broker. `app.close()` does, and also
    takes the app off Celery's list of active apps, after which a task module imported later
    in this test session would not register its tasks with it: put it back."""
    app.close()
    # No public API for it; celery-types does not describe the private module.
    celery_state._register_app(app)  # type: ignore[attr-defined]


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    nodename: str
    log_path: Path
    broker_url: str
    results: RedisBackend

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def result(self, task_id: str, timeout: float = TASK_TIMEOUT) -> Any:
        """What the task returned in the worker; re-raises what it raised there."""
        try:
            return AsyncResult(task_id, app=app, backend=self.results).get(timeout=timeout)
        except Exception as exc:
            raise AssertionError(
                f"task {task_id} failed or timed out ({exc!r}); worker log:\n{self.log_tail()}"
            ) from exc


@pytest.fixture(scope="session")
def worker_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker-media")


@pytest.fixture(scope="session")
def worker_signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Development signing credentials the worker signs renditions with (it reads them from
    its environment at start); a test that signs in this process too uses `worker_signs`."""
    keys = tmp_path_factory.mktemp("worker-keys")
    write_dev_credentials(keys, organisation="Test Newsroom")
    return keys


@pytest.fixture
def worker_signs(settings, worker_signing_keys: Path) -> Path:
    """This process signs with the worker's credentials, so both trust the same renditions."""
    settings.SIGNING_CERT_CHAIN = str(worker_signing_keys / "signing-chain.pem")
    settings.SIGNING_KEY = str(worker_signing_keys / "signing-key.pem")
    settings.SIGNING_TRUST_ANCHOR = ""
    settings.NEWSROOM_NAME = "Test Newsroom"
    return worker_signing_keys


@pytest.fixture(scope="session")
def _worker(django_db_setup, worker_media_root, worker_signing_keys, tmp_path_factory):
    broker_url = _broker_url()
    database_url = _worker_database_url()
    nodename = f"proofdesk-test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": "integration-test-not-secret",
        "STORAGE_BACKEND": "filesystem",
        "MEDIA_ROOT": str(worker_media_root),
        "SIGNING_CERT_CHAIN": str(worker_signing_keys / "signing-chain.pem"),
        "SIGNING_KEY": str(worker_signing_keys / "signing-key.pem"),
        "SIGNING_TRUST_ANCHOR": "",
        "NEWSROOM_NAME": "Test Newsroom",
        "PYTHONUNBUFFERED": "1",
        # Names the worker's PostgreSQL connections (libpq reads it), for tests that must
        # tell them from this process's.
        "PGAPPNAME": WORKER_APPLICATION_NAME,
    }
    with _app_broker(broker_url):
        app.control.purge()  # leftovers of an interrupted run would run against this database
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "newsroom",
                    "--result-backend",
                    broker_url,
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "--loglevel=info",
                    "--hostname",
                    nodename,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(
            process, nodename, log_path, broker_url, RedisBackend(app=app, url=broker_url)
        )
        try:
            _wait_until_ready(worker)
            yield worker
        finally:
            process.terminate()  # warm shutdown: finishes the task in hand
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(worker: Worker) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited with {worker.process.returncode}:\n{worker.log_tail()}"
            )
        if app.control.ping(destination=[worker.nodename], timeout=0.5):
            return
    pytest.fail(
        f"the Celery worker did not answer a ping within {WORKER_START_TIMEOUT:.0f} s:\n"
        f"{worker.log_tail()}"
    )


@pytest.fixture
def celery_worker(_worker: Worker) -> Iterator[Worker]:
    """The running worker, with this process's tasks sent to it rather than run in-process."""
    with _app_broker(_worker.broker_url):
        yield _worker


@pytest.fixture(autouse=True)
def _media_root(settings, worker_media_root):
    """Overrides the suite's per-test media folder: the worker must read the files the tests
    store, and it was started with one folder for the whole session."""
    settings.MEDIA_ROOT = worker_media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(worker_media_root), "base_url": None},
        },
    }
    return worker_media_root


@dataclass(frozen=True)
class Published:
    task: str
    id: str
    body: Any
    in_atomic_block: bool


@pytest.fixture
def published() -> Iterator[list[Published]]:
    """Every task message this process sends during the test, as it left for the broker."""
    sent: list[Published] = []

    def record(sender: str, body: Any, headers: dict[str, Any], **kwargs: Any) -> None:
        sent.append(Published(sender, headers["id"], body, connection.in_atomic_block))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


def wait_until(
    predicate: Callable[[], bool], *, what: str, worker: Worker, timeout: float = TASK_TIMEOUT
) -> None:
    """Poll until `predicate()` holds: the worker is another process, so there is nothing to
    wait on but what it writes. Bounded; says what it was waiting for when it gives up."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"gave up after {timeout:.0f} s waiting for {what}; "
                f"worker log:\n{worker.log_tail()}"
            )
        time.sleep(0.05)
