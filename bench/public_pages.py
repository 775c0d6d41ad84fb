"""Server time and SQL queries for the public pages (corrections log, feed, notice, disclosure,
transparency, policy, labels, report form) and the standards desk's incident pages, with a
small and a large published archive.

The audience reaches these pages without logging in, so they must stay fast and flat however
much the newsroom has published and corrected. Like bench/queue_pages.py it runs in-process
through django.test.Client, in a database of its own, and exits non-zero if a page's query
count grows with the archive.

    .venv/bin/python bench/public_pages.py [--assets 10000] [--requests 100]
    BENCH_DATABASE_URL=postgres:///proofdesk .venv/bin/python bench/public_pages.py
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queue_pages import (  # noqa: E402  (the path above first)
    KINDS,
    Cast,
    Scenario,
    _configure,
    _fmt_counts,
    explicit_timestamps,
    own_database,
    percentile,
    print_page_table,
    query_counts,
    seed_users,
    setup_as_a_web_process,
    time_requests,
)

SMALL_ASSETS = 100
BATCH = 2000
# One published asset in five had a notice: a correction, a relabel or a takedown.
NOTICE_EVERY = 5


def seed_published(cast: Cast, *, start: int, stop: int, rng: random.Random) -> None:
    """Published assets `start`..`stop-1` with a classification and a label each, one in five
    with a decided incident (and its public report), a month apart at most. Rows only."""
    from django.utils import timezone

    from incidents.models import (
        Decision,
        HarmCategory,
        Incident,
        IncidentSource,
        IncidentStatus,
        PublicReport,
        Severity,
    )
    from labeling.models import Certainty, Classification, Label, LabelTerm
    from review.models import Asset, AssetSource, AssetStatus

    term = LabelTerm.objects.get(key="ai-generated")
    standards = cast.second_editor
    decisions = [Decision.CORRECTION, Decision.RELABEL, Decision.TAKEDOWN]
    now = timezone.now()
    with explicit_timestamps():
        for batch_start in range(start, stop, BATCH):
            numbers = range(batch_start, min(stop, batch_start + BATCH))
            assets = []
            for n in numbers:
                kind, mime, stem, ext = KINDS[n % 3]
                created = now - timedelta(minutes=31 * n + 5)
                uid = uuid.uuid4()
                assets.append(
                    Asset(
                        uid=uid,
                        file=f"assets/{uid.hex[:2]}/{uid.hex}",
                        original_filename=f"{stem}-{n}.{ext}",
                        sha256=f"{rng.getrandbits(256):064x}",
                        media_type=mime,
                        media_kind=kind,
                        size_bytes=rng.randint(20_000, 40_000_000),
                        source=AssetSource.STAFF,
                        story_ref=f"story-{n % 500}",
                        uploaded_by=rng.choice(cast.reporters),
                        status=AssetStatus.PUBLISHED,
                        created_at=created,
                        updated_at=created,
                        status_changed_at=created,
                    )
                )
            assets = Asset.objects.bulk_create(assets)
            classifications = Classification.objects.bulk_create(
                Classification(
                    asset=asset,
                    version=1,
                    source_type="trainedAlgorithmicMedia",
                    certainty=Certainty.DECLARED,
                    created_by=cast.editor,
                )
                for asset in assets
            )
            Label.objects.bulk_create(
                Label(
                    asset=asset,
                    version=1,
                    classification=classification,
                    term=term,
                    language="en",
                    name="AI-generated",
                    text="This image was generated with AI.",
                    generated_text="This image was generated with AI.",
                    created_by=cast.editor,
                )
                for asset, classification in zip(assets, classifications, strict=True)
            )
            incidents = []
            for asset in assets[::NOTICE_EVERY]:
                reported = asset.created_at + timedelta(hours=2)
                decision = rng.choice(decisions)
                incidents.append(
                    Incident(
                        asset=asset,
                        harm_category=HarmCategory.MISLABELED,
                        severity=Severity.HIGH,
                        description="Bench report.",
                        source=IncidentSource.PUBLIC,
                        reported_at=reported,
                        triaged_at=reported + timedelta(minutes=5),
                        triaged_by=standards,
                        status=IncidentStatus.DECIDED,
                        decision=decision,
                        public_note="We corrected the label of this item.",
                        decided_by=standards,
                        decided_at=reported + timedelta(minutes=rng.randint(6, 240)),
                    )
                )
            incidents = Incident.objects.bulk_create(incidents)
            PublicReport.objects.bulk_create(
                PublicReport(
                    url=f"https://news.example.org/{incident.asset_id}",
                    harm_category=HarmCategory.MISLABELED,
                    received_at=incident.reported_at,
                    incident=incident,
                )
                for incident in incidents
            )


def scenarios(sample: dict[str, Any]) -> list[Scenario]:
    disclosures = [f"/disclosures/{uid}/" for uid in sample["uids"]]
    return [
        Scenario("corrections log, first page", "public", ["/corrections/"], "Corrections"),
        Scenario("corrections log, Spanish", "public", ["/corrections/?lang=es"], "Retir"),
        Scenario("corrections feed (Atom)", "public", ["/corrections/feed/"], "<feed", html=False),
        Scenario("one notice", "public", [f"/corrections/{sample['notice']}/"], "corrected"),
        Scenario("disclosure page", "public", disclosures, "AI-generated"),
        Scenario("transparency", "public", ["/transparency/"], "<svg"),
        Scenario("policy", "public", ["/policy/synthetic-media/"], "<h1"),
        Scenario("labels", "public", ["/labels/"], "AI-generated"),
        Scenario("report form", "public", ["/report/"], 'name="harm_category"'),
        Scenario("desk: incidents inbox", "standards", ["/incidents/"], "Incidents inbox"),
        Scenario(
            "desk: an asset's incidents",
            "standards",
            [f"/assets/{sample['notice_asset']}/incidents/"],
            "Steps",
        ),
    ]


def sample_of() -> dict[str, Any]:
    from incidents.models import Incident

    newest = Incident.objects.order_by("-decided_at").select_related("asset")[:20]
    return {
        "uids": [incident.asset.uid.hex for incident in newest],
        "notice": newest[0].pk,
        "notice_asset": newest[0].asset_id,
    }


def run(args: argparse.Namespace, workdir: Path) -> None:
    import django

    setup_as_a_web_process()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from incidents.models import Incident
    from review.models import Asset

    rng = random.Random(20261205)
    with own_database(workdir) as db_name:
        seed_start = time.perf_counter()
        cast = seed_users()
        small = min(SMALL_ASSETS, args.assets)
        seed_published(cast, start=0, stop=small, rng=rng)
        clients = {"public": Client(), "standards": Client()}
        clients["standards"].force_login(get_user_model().objects.get(username="bench_standards"))
        plan = scenarios(sample_of())
        small_counts = {s.name: query_counts(clients, s) for s in plan}

        seed_published(cast, start=small, stop=args.assets, rng=rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seeded_in = time.perf_counter() - seed_start
        total = Asset.objects.count()
        notices = Incident.objects.count()
        rows = []
        for scenario in plan:
            counts = query_counts(clients, scenario)
            timings = time_requests(clients, scenario, args.requests)
            rows.append(
                (
                    scenario.name,
                    _fmt_counts(small_counts[scenario.name]),
                    _fmt_counts(counts),
                    percentile(timings, 50),
                    percentile(timings, 95),
                    max(timings),
                )
            )

    print(
        f"Proofdesk public pages: {total:,} published assets with {notices:,} notices "
        f"({seeded_in:.1f}s to seed), {args.requests} timed requests per row"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{connection.vendor} ({db_name if connection.vendor != 'sqlite' else 'temp file'}), "
        f"{os.cpu_count()} CPUs, DEBUG off, in-process django.test.Client"
    )
    print()
    print_page_table(rows, small=small, total=total)
    grew = [r[0] for r in rows if r[1] != r[2]]
    if grew:
        print("WARNING: the query count changed with the archive on: " + ", ".join(grew))
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=10_000, help="published assets (10000)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    args = parser.parse_args()
    if args.assets < 1 or args.requests < 2:
        parser.error("--assets must be at least 1 and --requests at least 2")
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-"))
    try:
        _configure(workdir)
        # The audience's pages are rate-limited per address; one benchmark client is one
        # address, so the limit is lifted for the run (the limit has tests of its own).
        os.environ["PUBLIC_RATE_LIMIT"] = "1000000/m"
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
