"""The provenance check: its cost over a bare c2pa read, and its throughput with two workers.

Part 1 takes each file from disk to a stored ProvenanceReport as `manage.py ingest` does
(sha256_of_path, asset_intake, asset_run_checks) and compares the check (asset_run_checks) and
the whole path with a bare `c2pa.Reader(...).json()` of the same file with the app's reader
settings (same trust, remote fetch off). Files: the shared C2PA corpus (C2PA_CORPUS; files the
desk refuses are skipped) and signed JPEGs made in code, one of them large and shown on its own
row. It counts the SQL statements, commits and audit events of every file's check (and of its
intake), once on a nearly empty database and again at the end, after part 2 added its assets.
Part 2 intakes `--assets` assets while no worker runs, so their tasks wait on Redis
(BENCH_BROKER_URL, database 13 by default), then starts two Celery worker processes and times
until all are in review. Without Redis it falls back to two processes calling asset_run_checks
on half the assets each.

It never touches the dev database: its own SQLite file in a temporary folder, or a new
`proofdesk_bench_<pid>` database on the server named by BENCH_DATABASE_URL (as queue_pages.py
does), dropped at the end. Exits 1 when something is wrong: a report missing or in a state
other than expected.tsv's, an asset not in review, workers that never finish, a check that runs
more than MAX_CHECK_STATEMENTS SQL statements or more than one commit, or one whose statement
count grew with the data. The timing goals (GOAL_RATIO, GOAL_PER_MINUTE) are printed, not
enforced: they depend on the machine.

    .venv/bin/python bench/provenance.py [--repeat 5] [--assets 600] [--big-mb 12]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres .venv/bin/python bench/provenance.py
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import multiprocessing
import os
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "c2pa-corpus"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"  # the tests use 14 and a dev worker 0
GOAL_RATIO = 1.5  # the check of the big file against a bare read of it
GOAL_PER_MINUTE = 10_000  # small assets checked a minute by two workers
MAX_CHECK_STATEMENTS = 15  # SQL statements of one check, COMMIT (and SQLite's BEGIN) included
WARMUP = 1
BIG = "big"
# The check's steps. The credentials are read in a pool thread while the check's own thread
# re-hashes the file, so the parts add up to more than the check.
PARTS = ("hash", "intake", "rehash+decode", "c2pa+xmp", "detectors", "outcome write")
CHECK_PARTS = PARTS[2:]
# expected.tsv holds the reference reader's verdicts; as desk states (see test_corpus.py):
EXPECTED_STATE = {
    "Valid": "valid",
    "Invalid": "invalid",
    "Trusted": "trusted",
    "ManifestNotFound": "no_manifest",
    "Error": "remote_unavailable",
    "NotSupported": "unsupported",
    "Other": "unreadable",
}


@dataclass
class Sample:
    label: str
    path: Path
    media_type: str
    expected: str
    group: str
    # "bare", "app", "check" and each of PARTS: milliseconds per timed run
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # What one check of this file cost on a nearly empty database, and at the end
    first_cost: Cost | None = None
    last_cost: Cost | None = None


@dataclass(frozen=True)
class Cost:
    """The database work of one step: SQL statements (COMMIT included), commits, audit events
    written, and the INSERT statements that wrote them."""

    statements: int
    commits: int
    audit_events: int
    audit_inserts: int

    def __str__(self) -> str:
        return (
            f"{self.statements} SQL statements, {self.commits} commit(s), {self.audit_events} "
            f"audit event(s) in {self.audit_inserts} INSERT(s)"
        )


def corpus_samples(corpus: Path) -> tuple[list[Sample], list[str]]:
    from review.intake import IntakeError, sniff_file

    samples, skipped = [], []
    with (corpus / "expected.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = corpus / row["path"]
            try:
                with path.open("rb") as media:
                    mime = sniff_file(media).media_type
            except IntakeError:
                skipped.append(row["path"])  # refused at intake: there is no app path to time
                continue
            key = row["validation_state"] if row["result"] == "manifest" else row["result"]
            samples.append(Sample(row["path"], path, mime, EXPECTED_STATE[key], mime))
    return samples, skipped


def noise_jpeg(target_mb: float) -> bytes:
    from PIL import Image

    # Noise does not compress: about 1.18 bytes per pixel at quality 95, so the size is known.
    pixels = target_mb * 1024 * 1024 / 1.18
    width = int(math.sqrt(pixels * 4 / 3))
    height = int(pixels / width)
    raw = random.Random(20261128).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def generated_samples(workdir: Path, big_mb: float) -> list[Sample]:
    from tests.provenance.media import make_signer, signed_jpeg

    signer = make_signer("Proofdesk Bench Agency")
    ai_parent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia")
    made = {
        "capture.jpg": signed_jpeg(signer, title="capture.jpg"),
        "edit-of-ai.jpg": signed_jpeg(signer, parent=ai_parent, title="edit-of-ai.jpg"),
        "big.jpg": signed_jpeg(signer, base=noise_jpeg(big_mb), title="big.jpg"),
    }
    (workdir / "made").mkdir()
    samples = []
    for name, data in made.items():
        path = workdir / "made" / name
        path.write_bytes(data)
        group = BIG if name == "big.jpg" else "image/jpeg"
        # No trust anchor is configured for the bench signer: valid, not trusted.
        samples.append(Sample(f"made {name}", path, "image/jpeg", "valid", group))
    return samples


class Timers:
    """Time spent in the check's steps, by wrapping the module globals they are called through;
    a wrapper costs about a microsecond, so the timed runs keep them in place."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def _timed(self, func: Callable[..., Any], bucket: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.spent[bucket] += (time.perf_counter() - start) * 1000

        return timed

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        import provenance.services
        import workflow.pipeline
        import workflow.tasks

        targets = [
            (workflow.pipeline, "_inspect_file", "rehash+decode"),
            (provenance.services, "_read_file", "c2pa+xmp"),
            (provenance.services, "_verify_file", "c2pa+xmp"),  # older code
            (provenance.services, "_run_detectors", "detectors"),
            (workflow.pipeline, "_record", "outcome write"),
            (workflow.pipeline, "asset_run_checks", "checks"),
            # Without a broker the task runs the checks inside asset_intake's on_commit.
            (workflow.tasks, "asset_run_checks", "checks"),
        ]
        with contextlib.ExitStack() as stack:
            for module, name, bucket in targets:
                if not hasattr(module, name):
                    continue  # older code, measured for a before-and-after: that part reads 0
                wrapper = self._timed(getattr(module, name), bucket)
                stack.enter_context(mock.patch.object(module, name, wrapper))
            yield


def bare_read(sample: Sample, trust: Any) -> float:
    import c2pa

    from provenance.reader import reader_context

    start = time.perf_counter()
    with sample.path.open("rb") as handle:
        context = reader_context(
            trust_anchors=trust.anchors, allowed_list=trust.allowed, remote_fetch=False
        )
        # "No manifest" and "unsupported" are answers too, and cost a read all the same.
        with (
            contextlib.suppress(c2pa.C2paError),
            c2pa.Reader(sample.media_type, handle, context=context) as reader,
        ):
            reader.json()
    return (time.perf_counter() - start) * 1000


def intake(sample: Sample, uploader: Any, digest: str) -> int:
    from django.core.files import File

    from workflow.services import asset_intake

    with sample.path.open("rb") as handle:
        result = asset_intake(
            uploaded_by=uploader,
            content=File(handle, name=sample.path.name),
            sha256=digest,
            original_filename=sample.path.name,
            source="agency",
        )
    return result.asset.pk


def app_path(sample: Sample, uploader: Any, timers: Timers) -> tuple[float, dict[str, float], int]:
    """The ingest command's sequence, timed step by step: total ms, its parts, the asset id."""
    import workflow.pipeline
    from review.intake import sha256_of_path

    timers.spent.clear()
    start = time.perf_counter()
    digest = sha256_of_path(sample.path)
    hashed = time.perf_counter()
    asset_id = intake(sample, uploader, digest)
    intaken = time.perf_counter()
    checks_in_intake = timers.spent["checks"]
    workflow.pipeline.asset_run_checks(asset_id=asset_id)
    end = time.perf_counter()
    spent = timers.spent
    parts = {
        "hash": (hashed - start) * 1000,
        "intake": (intaken - hashed) * 1000 - checks_in_intake,
        **{name: spent[name] for name in CHECK_PARTS},
        "check": spent["checks"],
    }
    return (end - start) * 1000, parts, asset_id


@contextlib.contextmanager
def counted() -> Iterator[list[Cost]]:
    """The Cost of the block, in the list once it ends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AuditEvent

    found: list[Cost] = []
    events_before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        yield found
    sql = [q["sql"] for q in captured.captured_queries]
    found.append(
        Cost(
            statements=len(sql),
            commits=sum(s == "COMMIT" for s in sql),
            audit_events=AuditEvent.objects.count() - events_before,
            audit_inserts=sum(s.startswith('INSERT INTO "audit_auditevent"') for s in sql),
        )
    )


def check_cost(sample: Sample, uploader: Any) -> tuple[Cost, Cost]:
    """The Cost of intaking the file and of its check, counted apart: the check is held back
    at intake (it would run inside it without a broker) and run on its own."""
    import workflow.pipeline
    from review.intake import sha256_of_path

    digest = sha256_of_path(sample.path)
    with mock.patch("workflow.services.asset_check"), counted() as intake_cost:
        asset_id = intake(sample, uploader, digest)
    with counted() as check:
        workflow.pipeline.asset_run_checks(asset_id=asset_id)
    return intake_cost[0], check[0]


def overhead(samples: list[Sample], uploader: Any, repeat: int, problems: list[str]) -> Cost:
    """Part 1; returns the Cost of the first file's intake."""
    from provenance.models import ProvenanceReport
    from provenance.trust import effective_trust

    trust = effective_trust()
    timers = Timers()
    with timers.installed():
        for run in range(WARMUP + repeat):
            for i, sample in enumerate(samples):
                # Alternate which goes first, so that neither always finds the warmer cache.
                bare_first = (run + i) % 2 == 1
                if bare_first:
                    bare_ms = bare_read(sample, trust)
                app_ms, parts, asset_id = app_path(sample, uploader, timers)
                if not bare_first:
                    bare_ms = bare_read(sample, trust)
                report = ProvenanceReport.objects.filter(asset_id=asset_id).first()
                if (state := report and report.state) != sample.expected:
                    problems.append(f"{sample.label}: report {state}, expected {sample.expected}")
                if run >= WARMUP:
                    for key, ms in {"bare": bare_ms, "app": app_ms, **parts}.items():
                        sample.times[key].append(ms)
                elif sample.first_cost is None:
                    # Counted once the caches are warm, so that the count is the steady one.
                    sample.first_cost = check_cost(sample, uploader)[1]
    return check_cost(samples[0], uploader)[0]


def cost_problems(samples: list[Sample]) -> list[str]:
    """A check over MAX_CHECK_STATEMENTS statements or one commit, or whose statements grew
    between the nearly empty database and the full one."""
    problems = []
    for sample in samples:
        first, last = sample.first_cost, sample.last_cost
        assert first is not None and last is not None
        worst = max(first.statements, last.statements)
        if worst > MAX_CHECK_STATEMENTS:
            problems.append(
                f"{sample.label}: its check runs {worst} SQL statements "
                f"(at most {MAX_CHECK_STATEMENTS})"
            )
        commits = {first.commits, last.commits}
        if commits != {1}:
            times = " and ".join(str(c) for c in sorted(commits))
            problems.append(f"{sample.label}: its check commits {times} times, not once")
        if last.statements > first.statements:
            problems.append(
                f"{sample.label}: its check ran {first.statements} SQL statements on a nearly "
                f"empty database and {last.statements} at the end: the count grows with the data"
            )
    return problems


def _median(samples: list[Sample], key: str) -> float:
    return statistics.median(v for s in samples for v in s.times[key])


def _cost_range(costs: list[Cost]) -> str:
    low = min(c.statements for c in costs)
    high = max(c.statements for c in costs)
    return f"{low}" if low == high else f"{low}-{high}"


def print_overhead(samples: list[Sample], intake_cost: Cost) -> None:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.group].append(sample)
    small = [s for s in samples if s.group != BIG]
    rows = [(name, groups[name]) for name in sorted(groups) if name != BIG]
    rows.append(("all but the big file", small))
    if groups[BIG]:
        rows.append(
            (f"image/jpeg {groups[BIG][0].path.stat().st_size / 2**20:.1f} MiB, made", groups[BIG])
        )
    print(
        f"{'type':<28}{'files':>6}{'max KiB':>9}{'bare ms':>9}{'check ms':>9}{'ratio':>8}"
        f"{'app ms':>9}{'ratio':>8}{'SQL/check':>10}"
    )
    for name, members in rows:
        if name == "all but the big file" or members is groups[BIG]:
            print("-" * 96)
        bare, check = _median(members, "bare"), _median(members, "check")
        app = _median(members, "app")
        largest = max(s.path.stat().st_size for s in members) / 1024
        costs = [c for s in members for c in (s.first_cost, s.last_cost) if c is not None]
        print(
            f"{name:<28}{len(members):>6}{largest:>9,.0f}{bare:>9.1f}{check:>9.1f}"
            f"{check / bare:>7.1f}x{app:>9.1f}{app / bare:>7.1f}x{_cost_range(costs):>10}"
        )
    bare_pass = sum(_median([s], "bare") for s in small)
    check_pass = sum(_median([s], "check") for s in small)
    app_pass = sum(_median([s], "app") for s in small)
    print(
        f"\nOne pass over the {len(small)} small files (sum of per-file medians): bare "
        f"{bare_pass:.0f} ms, check {check_pass:.0f} ms ({check_pass / bare_pass:.1f}x), whole "
        f"path {app_pass:.0f} ms ({app_pass / bare_pass:.1f}x)."
    )
    for sample in groups[BIG]:
        ratio = _median([sample], "check") / _median([sample], "bare")
        verdict = "met" if ratio <= GOAL_RATIO else "NOT MET"
        print(
            f"The check of the {sample.path.stat().st_size / 2**20:.1f} MiB JPEG: {ratio:.2f}x "
            f"its bare read (goal: at most {GOAL_RATIO}x, {verdict})."
        )
    firsts = [s.first_cost for s in samples if s.first_cost is not None]
    lasts = [s.last_cost for s in samples if s.last_cost is not None]
    typical = lasts[0]
    print(
        f"\nSQL per asset (COMMIT counted; on SQLite BEGIN too). The check (asset_run_checks): "
        f"{typical} for {samples[0].label}; {_cost_range(firsts)} statements across the files "
        f"on a nearly empty database, {_cost_range(lasts)} at the end (goal: at most "
        f"{MAX_CHECK_STATEMENTS}, one commit, not growing). The intake (asset_intake): "
        f"{intake_cost}. The whole path: {intake_cost.statements + typical.statements} "
        f"statements, {intake_cost.commits + typical.commits} commits, "
        f"{intake_cost.audit_events + typical.audit_events} audit events."
    )
    print("\nWhere the app path's time goes (median ms per file, the re-hash beside the read):")
    print(f"{'type':<28}" + "".join(f"{p:>14}" for p in PARTS))
    for name, members in rows:
        cells = "".join(f"{_median(members, p):>14.2f}" for p in PARTS)
        print(f"{name:<28}{cells}")


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def worker_database_url() -> str:
    """The benchmark's database as a DATABASE_URL for the worker processes."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{db['HOST'] or ''}{port}/{quote(db['NAME'], safe='')}"


def start_workers(count: int, workdir: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    workers = []
    for n in range(count):
        cmd = [sys.executable, "-m", "celery", "-A", "newsroom", "worker", "--pool=prefork"]
        cmd += ["--concurrency=1", "--loglevel=warning", "--without-gossip", "--without-mingle"]
        cmd += ["--without-heartbeat", f"--hostname=bench-provenance-{n}-{os.getpid()}@localhost"]
        with (workdir / f"worker{n}.log").open("wb") as log:
            # A session of its own: if the warm shutdown hangs, its pool child dies with it.
            workers.append(
                subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
            )
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()  # warm shutdown: finishes the task in hand
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _check_assets(asset_ids: list[int]) -> None:
    """The fallback worker, started fresh as a Celery worker would be."""
    import django

    django.setup()
    from workflow.pipeline import asset_run_checks

    for asset_id in asset_ids:
        asset_run_checks(asset_id=asset_id)


def throughput(
    samples: list[Sample], uploader: Any, args: argparse.Namespace, problems: list[str]
) -> tuple[float, float]:
    """Seconds from starting the workers to the last asset in review, and from the first asset
    in review to the last (0 when they never finished)."""
    from django.db import connections

    from newsroom.celery import app
    from provenance.models import ProvenanceReport
    from review.intake import sha256_of_path
    from review.models import Asset, AssetStatus

    pool = [s for s in samples if s.group != BIG]
    digests = {s.path: sha256_of_path(s.path) for s in pool}
    broker = args.broker_ok
    if broker:
        app.control.purge()  # part 1's tasks and an interrupted run's would reach the workers
    # With a broker, asset_intake's on_commit sends each task to Redis, where it waits for the
    # workers; without one it would run the checks at once, so the task is held back.
    held = contextlib.nullcontext() if broker else mock.patch("workflow.services.asset_check")
    with held:
        chosen = [pool[n % len(pool)] for n in range(args.assets)]
        made = [(intake(s, uploader, digests[s.path]), s) for s in chosen]
    ids = [asset_id for asset_id, _ in made]
    waiting = Asset.objects.filter(pk__in=ids, status=AssetStatus.CHECKING)
    timeout = 120 + 3 * args.assets
    # Read when the workers load their settings; this process's are loaded already.
    os.environ["DATABASE_URL"] = worker_database_url()
    connections.close_all()
    procs: list[Any] = []
    started = time.time()
    try:
        if broker:
            procs = start_workers(args.workers, args.workdir)
        else:
            spawn = multiprocessing.get_context("spawn")
            for n in range(args.workers):
                procs.append(spawn.Process(target=_check_assets, args=(ids[n :: args.workers],)))
                procs[-1].start()
        while waiting.exists():
            dead = any((p.poll() if broker else p.exitcode) not in (None, 0) for p in procs)
            if dead or time.time() - started > timeout:
                why = "a worker died" if dead else f"not done after {timeout} s"
                logs = [p.read_text(errors="replace")[-2000:] for p in args.workdir.glob("*.log")]
                problems.append(f"throughput: {why}\n" + "\n".join(logs))
                return 0, 0
            time.sleep(0.25)
    finally:
        if broker:
            stop_workers(procs)
            app.control.purge()
        else:
            for proc in procs:
                proc.join(timeout=30)
                if proc.is_alive():
                    proc.kill()

    rows = Asset.objects.filter(pk__in=ids).values_list("pk", "status", "status_changed_at")
    statuses = {pk: status for pk, status, _ in rows}
    done = sorted(when.timestamp() for _, _, when in rows)
    reports = ProvenanceReport.objects.filter(asset_id__in=ids)
    states = dict(reports.values_list("asset_id", "state"))
    for asset_id, sample in made:
        status, state = statuses.get(asset_id), states.get(asset_id)
        if status != AssetStatus.IN_REVIEW or state != sample.expected:
            problems.append(
                f"throughput: asset {asset_id} ({sample.label}) is {status} with report "
                f"{state}; expected in_review with {sample.expected}"
            )
    return done[-1] - started, done[-1] - done[0]


def print_throughput(args: argparse.Namespace, wall: float, steady: float, checks: float) -> None:
    if args.broker_ok:
        print(f"{args.workers} Celery worker processes (prefork, -c 1 each) on {args.broker_ok}")
    else:
        print(f"NO REDIS at {args.broker}: {args.workers} multiprocessing processes instead")
    print(f"{args.assets} assets intaken first (checking), cycling over the small files")
    rate = args.assets / wall * 60
    print(f"starting the workers to the last asset in review: {wall:6.1f} s {rate:7,.0f}/min")
    rate = (args.assets - 1) / steady * 60
    print(f"first asset in review to the last (no boot):      {steady:6.1f} s {rate:7,.0f}/min")
    print(f"worker boot (start to the first asset in review): {wall - steady:6.1f} s")
    verdict = "met" if rate >= GOAL_PER_MINUTE else "NOT MET"
    print(f"goal: at least {GOAL_PER_MINUTE:,}/min once the workers run ({verdict})")
    print(
        f"(part 1, one process: asset_run_checks took {checks:.1f} ms per small file on "
        f"average, {60_000 / checks:,.0f}/min)"
    )


def command_line() -> str:
    shown = []
    for name in ("C2PA_CORPUS", "BENCH_DATABASE_URL", "BENCH_BROKER_URL"):
        if name in os.environ:
            parts = urlsplit(os.environ[name])
            if parts.password:
                parts = parts._replace(netloc=parts.netloc.replace(parts.password, "***"))
            shown.append(f"{name}={shlex.quote(urlunsplit(parts))}")
    python = os.path.relpath(sys.executable, Path.cwd())
    return " ".join([*shown, shlex.join([python, *sys.argv])])


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from newsroom.startup import keep_freed_memory_for_reuse

    # Part 1 checks files in this process: set it up as a Celery worker's (newsroom/celery.py).
    keep_freed_memory_for_reuse()

    from accounts.roles import Role
    from bench.queue_pages import own_database
    from provenance.reader import library_version

    load = os.getloadavg()[0]
    samples, skipped = corpus_samples(args.corpus)
    samples += generated_samples(args.workdir, args.big_mb)
    problems: list[str] = []
    with own_database(args.workdir) as db_name:
        uploader = get_user_model().objects.create_user(username="bench_reporter", password=None)
        uploader.groups.add(Group.objects.get(name=Role.REPORTER))
        intake_cost = overhead(samples, uploader, args.repeat, problems)
        wall, steady = throughput(samples, uploader, args, problems)
        # Again on the database parts 1 and 2 filled: a count that grows with it shows here.
        for sample in samples:
            sample.last_cost = check_cost(sample, uploader)[1]
        problems += cost_problems(samples)

    corpus = [s for s in samples if not s.label.startswith("made ")]
    print("Proofdesk provenance benchmark")
    print(f"command: {command_line()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{library_version()}, {connection.vendor} "
        f"({db_name if connection.vendor != 'sqlite' else 'temp file'}), {os.cpu_count()} CPUs, "
        f"load average {load:.2f} at start"
    )
    print(
        f"files: {len(corpus)} from {args.corpus} (refused by the desk, skipped: "
        f"{', '.join(skipped) or 'none'}) and {len(samples) - len(corpus)} signed JPEGs made here"
    )
    print(
        "\n1. From file on disk to ProvenanceReport stored (sha256_of_path + asset_intake + "
        "asset_run_checks)\n   versus a bare c2pa.Reader(...).json() of the same file: median of "
        f"{args.repeat} runs per file after {WARMUP} warm-up, order alternating\n"
    )
    print_overhead(samples, intake_cost)
    print("\n2. Throughput\n")
    if steady:
        small = [s for s in samples if s.group != BIG]
        checks = statistics.mean(_median([s], "check") for s in small)
        print_throughput(args, wall, steady, checks)
    if problems:
        print(f"\nFAIL: {len(problems)} problem(s)")
        print("\n".join(f"  {problem}" for problem in problems[:50]))
        return 1
    print("\nOK: every report stored in the expected state, every asset in review")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per file (5)")
    parser.add_argument("--assets", type=int, default=600, help="assets for part 2 (600)")
    parser.add_argument("--workers", type=int, default=2, help="workers for part 2 (2)")
    parser.add_argument("--big-mb", type=float, default=12, help="size of the big JPEG (12)")
    args = parser.parse_args()
    if args.repeat < 1 or args.assets < 2 or args.workers < 1 or args.big_mb <= 0:
        parser.error("--repeat and --workers must be at least 1, --assets at least 2")
    args.corpus = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))
    if not (args.corpus / "expected.tsv").is_file():
        parser.error(f"no C2PA corpus at {args.corpus} (set C2PA_CORPUS)")
    # Python put bench/ first on the path, where this file would pass for the app's
    # `provenance` package.
    sys.path.insert(0, str(ROOT))
    from bench.queue_pages import _configure

    args.broker = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    args.broker_ok = args.broker if redis_answers(args.broker) else ""
    args.workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-"))
    try:
        _configure(args.workdir)
        os.environ["CELERY_BROKER_URL"] = args.broker_ok  # _configure turns the broker off
        status = run(args)
    finally:
        shutil.rmtree(args.workdir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
