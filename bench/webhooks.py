"""Webhook deliveries per second from two real Celery workers to a local receiver.

Seeds N deliveries (one endpoint, events spread over 100 assets), starts two worker processes
(`celery -A newsroom worker --pool=solo`, one process each) on Redis database 13, queues one
`deliver` message per delivery and times until every delivery is recorded as succeeded. The
receiver is a threaded `http.server` in this process that checks each signature and answers
204. It also counts requests per webhook-id: with `--duplicates` every message is queued
twice (as a broker redelivering unacknowledged tasks or the periodic sweep would), and there
must still be exactly one attempt and one request per delivery.

It never touches the dev database: a fresh SQLite file in a temporary folder by default, or a
new `proofdesk_bench_<pid>` database on the server named by BENCH_DATABASE_URL (created and
dropped the way the test runner does).

    .venv/bin/python bench/webhooks.py [--deliveries 2000] [--duplicates]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/webhooks.py
    BENCH_BROKER_URL=redis://127.0.0.1:6379/13 (the default)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
ASSETS = 100
WORKERS = 2
WORKER_START_TIMEOUT = 60.0
BATCH = 1000


def _configure(workdir: Path, broker_url: str) -> None:
    """Environment for newsroom.settings, set before Django is imported."""
    sys.path.insert(0, str(ROOT))
    bench_db = os.environ.get("BENCH_DATABASE_URL", "")
    os.environ["DATABASE_URL"] = bench_db or f"sqlite:///{workdir / 'unused.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["STORAGE_BACKEND"] = "filesystem"
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["LOG_LEVEL"] = "WARNING"
    # The receiver listens on 127.0.0.1, which production refuses (integrations.webhook_urls):
    # allowed here, as in the test suite, and for the workers, which inherit this environment.
    os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "1"


def broker_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def own_database(workdir: Path) -> Iterator[str]:
    """Create, migrate and finally drop a database nobody else uses."""
    from django.db import connection

    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(workdir / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"proofdesk_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=False
    )
    try:
        yield name
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


def worker_database_url() -> str:
    """The benchmark database as a DATABASE_URL for the worker processes."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{db['HOST'] or ''}{port}/{quote(db['NAME'], safe='')}"


# --- the receiver -----------------------------------------------------------------------------


class BenchReceiver:
    """Answers 204 to every POST whose signature verifies; counts requests per webhook-id."""

    def __init__(self, secret: str) -> None:
        from standardwebhooks import Webhook

        self.webhook = Webhook(secret)
        self.ids: Counter[str] = Counter()
        self.bad = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hooks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    receiver.webhook.verify(body, headers)
                    ok = True
                except Exception:
                    ok = False
                with receiver.lock:
                    receiver.ids[headers.get("webhook-id", "")] += 1
                    receiver.bad += not ok
                self.send_response(204 if ok else 400)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- seeding ------------------------------------------------------------------------------------


def seed(n: int, url: str, secret: str) -> list[int]:
    """One endpoint, ASSETS assets, n events and their pending deliveries (rows only)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from integrations.models import (
        Delivery,
        EventType,
        Integration,
        OutboxEvent,
        WebhookEndpoint,
    )
    from integrations.outbox import iso, new_event_id
    from review.models import Asset, AssetStatus, MediaKind

    user = get_user_model().objects.create_user(username="bench_editor", password=None)
    integration = Integration.objects.create(name="bench-cms")
    endpoint = WebhookEndpoint.objects.create(integration=integration, url=url, secret=secret)
    assets = Asset.objects.bulk_create(
        Asset(
            file=f"assets/bench/{i}.jpg",
            original_filename=f"bench-{i}.jpg",
            sha256=f"{i:064x}",
            media_type="image/jpeg",
            media_kind=MediaKind.IMAGE,
            size_bytes=1000,
            uploaded_by=user,
            status=AssetStatus.APPROVED,
            story_ref=f"story-{i % 10}",
        )
        for i in range(ASSETS)
    )
    now = timezone.now()
    events = []
    for i in range(n):
        asset = assets[i % ASSETS]
        sequence = i // ASSETS + 1
        events.append(
            OutboxEvent(
                event_id=new_event_id(),
                type=EventType.ASSET_CLEARED,
                asset=asset,
                sequence=sequence,
                payload={
                    "type": EventType.ASSET_CLEARED,
                    "timestamp": iso(now),
                    "data": {
                        "asset_id": asset.pk,
                        "asset_uid": asset.uid.hex,
                        "sequence": sequence,
                        "story_ref": asset.story_ref,
                        "signoff_id": i + 1,
                        "cleared_at": iso(now),
                        "second_approval": False,
                        "reason": "approved",
                    },
                },
            )
        )
    events = OutboxEvent.objects.bulk_create(events, batch_size=BATCH)
    deliveries = Delivery.objects.bulk_create(
        (Delivery(event=event, endpoint=endpoint, next_attempt_at=now) for event in events),
        batch_size=BATCH,
    )
    return [d.pk for d in deliveries]


# --- workers --------------------------------------------------------------------------------


def start_workers(workdir: Path, database_url: str, broker_url: str) -> list[Any]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "PYTHONUNBUFFERED": "1",
    }
    workers = []
    for n in range(WORKERS):
        log = (workdir / f"worker-{n}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "newsroom",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=warning",
                "--hostname",
                f"bench-{n}-{uuid.uuid4().hex[:6]}@localhost",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append((process, log))
    return workers


def wait_for_workers(app: Any, workers: list[Any], workdir: Path) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        for n, (process, _log) in enumerate(workers):
            if process.poll() is not None:
                tail = (workdir / f"worker-{n}.log").read_text(errors="replace")[-2000:]
                raise SystemExit(f"worker {n} exited with {process.returncode}:\n{tail}")
        if len(app.control.ping(timeout=0.5) or []) >= len(workers):
            return
    raise SystemExit(f"the workers did not answer within {WORKER_START_TIMEOUT:.0f} s")


def stop_workers(workers: list[Any]) -> None:
    for process, _log in workers:
        process.terminate()
    for process, log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def run(args: argparse.Namespace, workdir: Path, broker_url: str) -> int:
    import django

    django.setup()
    from django.db import connection

    from integrations.models import Delivery, DeliveryAttempt, DeliveryStatus
    from integrations.signing import generate_secret
    from integrations.tasks import deliver
    from newsroom.celery import app

    receiver: BenchReceiver | None = None
    workers: list[Any] = []
    with own_database(workdir) as db_name:
        try:
            app.control.purge()  # leftovers of an interrupted run
            secret = generate_secret()
            receiver = BenchReceiver(secret)
            delivery_ids = seed(args.deliveries, receiver.url, secret)
            connection.close()  # the workers write to SQLite too: hold no lock meanwhile

            database_url = worker_database_url()
            if args.conn_max_age is not None:
                database_url += f"?conn_max_age={args.conn_max_age}"
            workers = start_workers(workdir, database_url, broker_url)
            wait_for_workers(app, workers, workdir)

            started = time.perf_counter()
            copies = 2 if args.duplicates else 1
            for delivery_id in delivery_ids:
                for _ in range(copies):
                    deliver.apply_async((delivery_id,), {"manual": False})
            queued_in = time.perf_counter() - started
            deadline = time.monotonic() + args.timeout
            done = 0
            while time.monotonic() < deadline:
                done = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
                connection.close()
                if done == len(delivery_ids):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            # Let duplicate messages still queued run out, so the counts below include them.
            if args.duplicates:
                time.sleep(2)
        finally:
            stop_workers(workers)
            app.control.purge()
            if receiver is not None:
                receiver.close()

        attempts = list(DeliveryAttempt.objects.values_list("latency_ms", "status_code"))
        statuses = Counter(Delivery.objects.values_list("status", flat=True))
        first_error = (
            Delivery.objects.exclude(last_error="").values_list("last_error", flat=True).first()
        )
        first = DeliveryAttempt.objects.order_by("started_at").values_list("started_at", flat=True)
        span_start = first.first()
        last_attempt = DeliveryAttempt.objects.order_by("-started_at").first()
        vendor = connection.vendor
        connection.close()

    n = len(delivery_ids)
    latencies = [lat for lat, _ in attempts if lat is not None]
    received: list[int] = list(receiver.ids.values()) if receiver else []
    requests = sum(received)
    repeated = len([c for c in received if c > 1])
    span = None
    if span_start is not None and last_attempt is not None:
        end = last_attempt.started_at.timestamp() + (last_attempt.latency_ms or 0) / 1000
        span = end - span_start.timestamp()

    print(
        f"Proofdesk webhook benchmark: {n:,} deliveries, {WORKERS} Celery workers "
        f"(solo pool, one process each), local threaded http.server receiver answering 204"
        + (", every message queued twice" if args.duplicates else "")
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{vendor} ({db_name if vendor != 'sqlite' else 'temp file'}), {os.cpu_count()} CPUs, "
        f"broker {broker_url}, worker CONN_MAX_AGE "
        f"{args.conn_max_age if args.conn_max_age is not None else '0 (the default)'}"
    )
    if vendor == "sqlite":
        print(
            "SQLite: one writer at a time, so the two workers' writes (claim, attempt, result) "
            "queue for the database lock; BENCH_DATABASE_URL=postgres://... measures them "
            "in parallel."
        )
    print()
    rate = done / elapsed if elapsed else 0.0
    rows = [
        ("succeeded", f"{done:,} of {n:,} in {elapsed:.2f} s: {rate:.1f} deliveries/s"),
        ("  queueing the messages", f"{queued_in:.2f} s of that"),
    ]
    if span:
        rows.append(("  first attempt to last answer", f"{span:.2f} s: {done / span:.1f}/s"))
    if latencies:
        rows.append(
            (
                "attempt latency (POST)",
                f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms,"
                f" max {max(latencies):.1f} ms",
            )
        )
    rows += [
        ("attempts recorded", f"{len(attempts):,} (expected {n:,})"),
        (
            "requests received",
            f"{requests:,}; webhook-ids received more than once: {repeated}; "
            f"bad signatures: {receiver.bad if receiver else 0}",
        ),
        ("delivery statuses", json.dumps(dict(statuses))),
    ]
    if first_error:
        rows.append(("first error", first_error[:300]))
    for label, value in rows:
        print(f"{label:<32} {value}")

    ok = done == n and len(attempts) == n and requests == n and repeated == 0
    ok = ok and receiver is not None and receiver.bad == 0
    print("PASS: one attempt and one request per delivery" if ok else "FAIL")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000, help="deliveries (2000)")
    parser.add_argument(
        "--duplicates", action="store_true", help="queue every message twice (CAS check)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (s)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        metavar="SECONDS",
        help="the workers keep their database connection (CONN_MAX_AGE) instead of the default "
        "new connection per task",
    )
    args = parser.parse_args()
    if args.deliveries < 2:
        parser.error("--deliveries must be at least 2")
    broker_url = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    if not broker_reachable(broker_url):
        print(f"skipped: needs Redis at {broker_url} (set BENCH_BROKER_URL)")
        return
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-webhooks-"))
    try:
        _configure(workdir, broker_url)
        status = run(args, workdir, broker_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
