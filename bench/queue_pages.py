"""Server time and SQL queries for the review queue and asset pages with 10,000 assets.

Runs in-process through django.test.Client (no network): the time is what Django spends on
a request, middleware, session, view, queries and template included. It never touches the
dev database: it creates its own one (a fresh SQLite file in a temporary folder by default,
or a new `proofdesk_bench_<pid>` database on the server named by BENCH_DATABASE_URL, created
and dropped the way the test runner does) and removes it at the end.

    .venv/bin/python bench/queue_pages.py [--assets 10000] [--requests 200]
    BENCH_DATABASE_URL=postgres:///proofdesk .venv/bin/python bench/queue_pages.py
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SMALL_ASSETS = 100
DETAIL_ASSETS = 20  # assets that get a timeline and comments; the detail requests cycle over them
REPORTERS = 8
WARMUP = 5
BATCH = 2000


def _configure(workdir: Path) -> None:
    """Environment for newsroom.settings, set before Django is imported."""
    sys.path.insert(0, str(ROOT))
    bench_db = os.environ.get("BENCH_DATABASE_URL", "")
    # DATABASE_URL only names the server; the benchmark database itself is created below.
    os.environ["DATABASE_URL"] = bench_db or f"sqlite:///{workdir / 'unused.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ["DEBUG"] = "0"  # production-like: no debug toolbar of any kind, cached templates
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["STORAGE_BACKEND"] = "filesystem"
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["LOG_LEVEL"] = "ERROR"


def setup_as_a_web_process() -> None:
    """django.setup(), then what newsroom/wsgi.py does before a web process serves: the page
    benchmarks time requests as such a process would serve them."""
    import django

    django.setup()
    from newsroom.startup import freeze_startup_objects, keep_freed_memory_for_reuse

    keep_freed_memory_for_reuse()
    freeze_startup_objects()


def in_own_workdir(
    run: Callable[[argparse.Namespace, Path], None], args: argparse.Namespace
) -> None:
    """Run a benchmark with the settings pointed at a temporary folder, removed afterwards:
    nothing touches the dev database or `var/`."""
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-"))
    try:
        _configure(workdir)
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


@dataclass
class Cast:
    editor: Any
    second_editor: Any
    reporters: list[Any]


def seed_users() -> Cast:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    user_model = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}

    def make(username: str, role: str) -> Any:
        user = user_model.objects.create_user(username=username, password=None)
        user.groups.add(groups[role])
        return user

    cast = Cast(
        editor=make("bench_editor", Role.EDITOR),
        second_editor=make("bench_editor2", Role.EDITOR),
        reporters=[make(f"bench_reporter{i}", Role.REPORTER) for i in range(REPORTERS)],
    )
    make("bench_legal", Role.LEGAL)
    make("bench_standards", Role.STANDARDS)
    return cast


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let bulk_create keep the spread-out times we give it instead of stamping "now"."""
    from review.models import Asset

    fields = [Asset._meta.get_field(n) for n in ("created_at", "updated_at", "status_changed_at")]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[union-attr]
    for field in fields:
        field.auto_now = field.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[union-attr]


KINDS = [
    ("image", "image/jpeg", "photo", "jpg"),
    ("video", "video/mp4", "clip", "mp4"),
    ("audio", "audio/mpeg", "sound", "mp3"),
]


def seed_assets(cast: Cast, *, start: int, stop: int, rng: random.Random) -> None:
    """Assets `start`..`stop-1`, numbered so that a higher number is older. Rows only: the
    pages never open the files, so `file` holds a placeholder name."""
    from django.utils import timezone

    from review.models import Asset, AssetSource, AssetStatus

    uploaders = [*cast.reporters, cast.second_editor]
    statuses = AssetStatus.values
    # Most of a desk is waiting or done; a takedown is rare. One weight per status, by name, so a
    # new status cannot silently shift the others.
    weights = {"in_review": 6, "changes_requested": 2, "approved": 3, "published": 4}
    status_weights = [weights.get(status, 1) for status in statuses]
    now = timezone.now()
    with explicit_timestamps():
        for batch_start in range(start, stop, BATCH):
            rows = []
            for n in range(batch_start, min(stop, batch_start + BATCH)):
                kind, mime, stem, ext = KINDS[n % 3 if n % 10 == 0 else 0]
                created = now - timedelta(minutes=7 * n + 1)
                uid = uuid.uuid4()
                rows.append(
                    Asset(
                        uid=uid,
                        file=f"assets/{uid.hex[:2]}/{uid.hex}",
                        original_filename=f"{stem}-{n}.{ext}",
                        sha256=f"{rng.getrandbits(256):064x}",
                        media_type=mime,
                        media_kind=kind,
                        size_bytes=rng.randint(20_000, 40_000_000),
                        source=rng.choice(AssetSource.values),
                        story_ref=f"story-{n % 500}",
                        description="Bench asset.",
                        uploaded_by=rng.choice(uploaders),
                        status=rng.choices(statuses, status_weights)[0],
                        created_at=created,
                        updated_at=created,
                        status_changed_at=created,
                    )
                )
            Asset.objects.bulk_create(rows)


def seed_detail_history(cast: Cast) -> list[int]:
    """Give the newest assets the history a real one has, through the real services: intake
    events, a reviewer's comment, the reporter's answer and a request for changes."""
    from django.utils import timezone

    from audit.services import audit_record
    from review.models import Asset, AssetStatus
    from workflow.services import asset_request_changes, comment_add

    assets = list(
        Asset.objects.filter(uploaded_by__in=cast.reporters).order_by("-created_at")[:DETAIL_ASSETS]
    )
    for asset in assets:
        Asset.objects.filter(pk=asset.pk).update(
            status=AssetStatus.IN_REVIEW, status_changed_at=timezone.now()
        )
        audit_record(
            actor=asset.uploaded_by,
            action="asset.received",
            obj=asset,
            to_state=AssetStatus.RECEIVED,
            details={"filename": asset.original_filename},
        )
        audit_record(
            actor=asset.uploaded_by,
            action="asset.check_started",
            obj=asset,
            from_state=AssetStatus.RECEIVED,
            to_state=AssetStatus.CHECKING,
        )
        audit_record(
            actor=None,
            action="asset.checked",
            obj=asset,
            from_state=AssetStatus.CHECKING,
            to_state=AssetStatus.IN_REVIEW,
        )
        comment_add(asset_id=asset.pk, author=cast.second_editor, body="Where was this taken?")
        comment_add(asset_id=asset.pk, author=asset.uploaded_by, body="Outside the court, 9am.")
    # Half of them sent back, so the pages show both kinds of action buttons.
    for asset in assets[::2]:
        asset_request_changes(
            asset_id=asset.pk, actor=cast.second_editor, note="Please add the photographer's name."
        )
    return [asset.pk for asset in assets]


@dataclass(frozen=True)
class Scenario:
    name: str
    client: str  # "editor" or "reporter"
    urls: list[str]
    expect: str  # a string the page must contain, so we time the page we think we time
    htmx: bool = False
    html: bool = True  # False for a feed: no page, so no fragment either


def scenarios(cast: Cast, detail_ids: list[int], deep_page: int) -> list[Scenario]:
    return [
        Scenario("queue, first page", "editor", ["/queue/"], "Page 1 of"),
        Scenario(
            "queue, status+source filter",
            "editor",
            ["/queue/?status=in_review&source=agency"],
            'id="results"',
        ),
        Scenario(
            f"queue, deep page {deep_page}",
            "editor",
            [f"/queue/?page={deep_page}"],
            f"Page {deep_page} of",
        ),
        Scenario("queue, search", "editor", ["/queue/?q=story-42"], 'class="queue"'),
        Scenario(
            "queue, needs me, by update",
            "editor",
            ["/queue/?needs=on&sort=-updated"],
            'class="queue"',
        ),
        Scenario(
            "queue, htmx fragment", "editor", ["/queue/?status=approved"], 'id="results"', htmx=True
        ),
        Scenario("queue, reporter (own assets)", "reporter", ["/queue/"], 'class="queue"'),
        Scenario("asset detail", "editor", [f"/assets/{pk}/" for pk in detail_ids], "Timeline"),
    ]


def _get(client: Any, scenario: Scenario, url: str) -> Any:
    headers = {"HTTP_HX_REQUEST": "true"} if scenario.htmx else {}
    response = client.get(url, **headers)
    body = response.content.decode()
    # An htmx request must get the fragment, not the page around it.
    wrong_shape = scenario.html and scenario.htmx == ("<html" in body)
    if response.status_code != 200 or scenario.expect not in body or wrong_shape:
        raise SystemExit(
            f"{scenario.name}: GET {url} gave {response.status_code} without "
            f"{scenario.expect!r}; fix the benchmark or the app before timing it."
        )
    return response


def query_counts(clients: dict[str, Any], scenario: Scenario) -> set[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = set()
    for i in range(WARMUP):
        url = scenario.urls[i % len(scenario.urls)]
        with CaptureQueriesContext(connection) as captured:
            _get(clients[scenario.client], scenario, url)
        counts.add(len(captured.captured_queries))
    return counts


def time_requests(clients: dict[str, Any], scenario: Scenario, n: int) -> list[float]:
    """Milliseconds per request. No query capture here: it would add its own overhead."""
    client = clients[scenario.client]
    timings = []
    for i in range(n):
        url = scenario.urls[i % len(scenario.urls)]
        start = time.perf_counter()
        _get(client, scenario, url)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _fmt_counts(counts: set[int]) -> str:
    return str(min(counts)) if len(counts) == 1 else f"{min(counts)}-{max(counts)}"


def print_page_table(
    rows: list[tuple[str, str, str, float, float, float]], *, small: int, total: int
) -> None:
    """One row per page: its SQL count with the small and the full data set, and its times."""
    header = ("page", f"SQL @ {small}", f"SQL @ {total:,}", "p50 ms", "p95 ms", "max ms")
    widths = (30, 9, 12, 8, 8, 8)
    lines = [header, tuple("-" * w for w in widths)] + [
        (name, a, b, f"{p50:.1f}", f"{p95:.1f}", f"{top:.1f}") for name, a, b, p50, p95, top in rows
    ]
    for cells in lines:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )


def run(args: argparse.Namespace, workdir: Path) -> None:
    import django

    setup_as_a_web_process()
    from django.db import connection
    from django.test import Client

    from review.models import Asset
    from review.selectors import QUEUE_PAGE_SIZE

    rng = random.Random(20240601)
    with own_database(workdir) as db_name:
        seed_start = time.perf_counter()
        cast = seed_users()
        small = min(SMALL_ASSETS, args.assets)
        seed_assets(cast, start=0, stop=small, rng=rng)
        detail_ids = seed_detail_history(cast)

        clients = {"editor": Client(), "reporter": Client()}
        clients["editor"].force_login(cast.editor)
        clients["reporter"].force_login(cast.reporters[0])

        deep_page = max(1, min(200, args.assets // QUEUE_PAGE_SIZE // 2))
        plan = scenarios(cast, detail_ids, deep_page)
        small_counts = {s.name: query_counts(clients, s) for s in plan if "deep" not in s.name}

        seed_assets(cast, start=small, stop=args.assets, rng=rng)
        if connection.vendor == "postgresql":
            # What autovacuum would have done by now on a real desk: fresh planner statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seeded_in = time.perf_counter() - seed_start
        total = Asset.objects.count()

        rows = []
        for scenario in plan:
            counts = query_counts(clients, scenario)  # also the warm-up
            timings = time_requests(clients, scenario, args.requests)
            at_small = small_counts.get(scenario.name)
            rows.append(
                (
                    scenario.name,
                    _fmt_counts(at_small) if at_small else "n/a",
                    _fmt_counts(counts),
                    percentile(timings, 50),
                    percentile(timings, 95),
                    max(timings),
                )
            )

    print(
        f"Proofdesk page benchmark: {total:,} assets ({seeded_in:.1f}s to seed), "
        f"{args.requests} timed requests per row after {WARMUP} warm-up requests"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{connection.vendor} ({db_name if connection.vendor != 'sqlite' else 'temp file'}), "
        f"{os.cpu_count()} CPUs, DEBUG off, in-process django.test.Client"
    )
    print()
    print_page_table(rows, small=small, total=total)
    print()
    print(
        "SQL @ N: queries per request with N assets on the desk (the deep page exists only "
        "with the full set); a range means the count varied between requests."
    )
    grew = [r[0] for r in rows if r[1] not in {"n/a", r[2]}]
    if grew:
        print("WARNING: the query count changed with the number of assets on: " + ", ".join(grew))
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=10_000, help="assets to seed (10000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (200)")
    args = parser.parse_args()
    if args.assets < 1 or args.requests < 2:
        parser.error("--assets must be at least 1 and --requests at least 2")
    in_own_workdir(run, args)


if __name__ == "__main__":
    main()
