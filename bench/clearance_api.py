"""Server time and SQL queries of the CMS API's clearance and list endpoints with 10,000 assets.

Runs in-process through django.test.Client with `Authorization: Bearer <token>` (no network):
the time is what Django spends on a request, middleware, token check, view, queries and JSON
included. Like bench/queue_pages.py it never touches the dev database: it makes its own (a
fresh SQLite file in a temporary folder, or a new `proofdesk_bench_<pid>` database on the
server named by BENCH_DATABASE_URL) and removes it at the end.

About half the assets are cleared: a provenance report, a classification, a label, a rendition
row (a placeholder file name: the endpoints never open files), the creator's party and consent
record, a sign-off with the snapshot the gate would have taken, and an `asset.cleared` outbox
event. The rest are in every other status, with no sign-off.

    .venv/bin/python bench/clearance_api.py [--assets 10000] [--requests 200]
    BENCH_DATABASE_URL=postgres:///proofdesk .venv/bin/python bench/clearance_api.py
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# The script's own folder is on sys.path when it runs; mypy does not know that folder.
from queue_pages import (  # type: ignore[import-not-found]
    in_own_workdir,
    own_database,
    percentile,
    seed_assets,
    seed_users,
    setup_as_a_web_process,
)

SMALL_ASSETS = 100
WARMUP = 5
BATCH = 1000
SAMPLE = 200  # distinct assets the clearance requests cycle over


def _sha(n: int, what: str) -> str:
    return hashlib.sha256(f"{what}-{n}".encode()).hexdigest()


def seed_clearances(cast: Any, asset_ids: list[int], rng: random.Random) -> None:
    """Everything a cleared asset has, for `asset_ids`, with bulk_create in batches."""
    from django.utils import timezone

    from consent.models import ConsentRecord, ConsentStatement, Party, Person
    from integrations.models import EventType, OutboxEvent
    from labeling.models import Classification, Label, LabelTerm, Rendition
    from provenance.models import ProvenanceReport
    from review.models import Asset, AssetStatus
    from signoff.gate import snapshot_hash
    from signoff.models import SignOff

    editor = cast.editor
    term = LabelTerm.objects.get(key="ai-generated")
    statement = ConsentStatement.objects.get(key="synthetic-media", version=1)
    now = timezone.now()
    for start in range(0, len(asset_ids), BATCH):
        batch = asset_ids[start : start + BATCH]
        published = [pk for pk in batch if rng.random() < 0.3]
        Asset.objects.filter(pk__in=batch).update(status=AssetStatus.APPROVED)
        Asset.objects.filter(pk__in=published).update(status=AssetStatus.PUBLISHED)
        reports = ProvenanceReport.objects.bulk_create(
            ProvenanceReport(
                asset_id=pk,
                state=rng.choice(["trusted", "valid", "no_manifest"]),
                signer={"organisation": "Wire Agency", "common_name": "Wire Agency Signer"},
                digital_source_types=["trainedAlgorithmicMedia"],
                library_version="bench",
                trust_fingerprint="0" * 64,
            )
            for pk in batch
        )
        classifications = Classification.objects.bulk_create(
            Classification(
                asset_id=pk,
                version=1,
                source_type="trainedAlgorithmicMedia",
                purpose="illustration",
                certainty="declared",
                created_by=editor,
            )
            for pk in batch
        )
        labels = Label.objects.bulk_create(
            Label(
                asset_id=pk,
                version=1,
                classification=classification,
                term=term,
                language="en",
                name="AI-generated",
                text="This image was generated with artificial intelligence.",
                generated_text="This image was generated with artificial intelligence.",
                created_by=editor,
            )
            for pk, classification in zip(batch, classifications, strict=True)
        )
        renditions = Rendition.objects.bulk_create(
            Rendition(
                asset_id=pk,
                label=label,
                file=f"renditions/bench/{pk}.jpg",  # never opened
                sha256=_sha(pk, "rendition"),
                media_type="image/jpeg",
                size_bytes=rng.randint(200_000, 4_000_000),
                placement="embedded",
                badge="burned_in",
                verification_state="trusted",
                signer_fingerprint="1" * 64,
                created_by=editor,
            )
            for pk, label in zip(batch, labels, strict=True)
        )
        people = Person.objects.bulk_create(
            Person(full_name=f"Bench Creator {pk}", created_by=editor) for pk in batch
        )
        parties = Party.objects.bulk_create(
            Party(asset_id=pk, person=person, role="creator", added_by=editor)
            for pk, person in zip(batch, people, strict=True)
        )
        records = ConsentRecord.objects.bulk_create(
            ConsentRecord(
                party=party,
                asset_id=party.asset_id,
                person=party.person,
                role="creator",
                signed_name=party.person.full_name if party.person else "",
                statement=statement,
                statement_text=statement.body,
                statement_sha256=_sha(party.asset_id, "statement"),
                valid_from=date.today() - timedelta(days=30),
                method="signed_in_person",
                signed_at=now,
                record_sha256=_sha(party.asset_id, "record"),
            )
            for party in parties
        )
        signoffs = []
        for pk, report, classification, label, rendition, party, record in zip(
            batch, reports, classifications, labels, renditions, parties, records, strict=True
        ):
            snapshot = {
                "asset": {"id": pk, "sha256": _sha(pk, "asset")},
                "provenance_report": report.pk,
                "classification": classification.pk,
                "label": {"id": label.pk, "version": 1, "text": label.text},
                "rendition": {"id": rendition.pk, "sha256": rendition.sha256},
                "parties": [party.pk],
                "consent_records": [
                    {"id": record.pk, "version": 1, "sha256": record.record_sha256}
                ],
                "waivers": [],
            }
            signoffs.append(
                SignOff(
                    asset_id=pk,
                    approved_by=editor,
                    snapshot=snapshot,
                    content_hash=snapshot_hash(snapshot),
                    cleared_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 30)),
                )
            )
        SignOff.objects.bulk_create(signoffs)
        OutboxEvent.objects.bulk_create(
            OutboxEvent(
                event_id=f"msg_bench_{pk}",
                type=EventType.ASSET_CLEARED,
                asset_id=pk,
                sequence=1,
                payload={"asset_id": pk},
            )
            for pk in batch
        )


@dataclass(frozen=True)
class Scenario:
    name: str
    urls: list[str]
    expect: str  # a string the answer must contain, so we time the answer we think we time


def scenarios(cleared: list[int], uncleared: list[int], deep_cursor: str) -> list[Scenario]:
    from django.utils import timezone

    since = (timezone.now() - timedelta(days=1)).isoformat()
    return [
        Scenario(
            "clearance, cleared",
            [f"/api/v1/assets/{pk}" for pk in cleared[:SAMPLE]],
            '"status":"cleared"',
        ),
        Scenario(
            "clearance, not cleared",
            [f"/api/v1/assets/{pk}" for pk in uncleared[:SAMPLE]],
            '"status":"not_cleared"',
        ),
        Scenario("list, first page (50)", ["/api/v1/assets"], '"items":[{'),
        Scenario("list, 200 per page", ["/api/v1/assets?limit=200"], '"items":[{'),
        Scenario("list, story filter", ["/api/v1/assets?story=story-42"], '"items":['),
        Scenario(
            "list, changed since a day",
            ["/api/v1/assets?" + _query(changed_since=since)],
            '"items":[{',
        ),
        Scenario(
            "list, deep cursor", ["/api/v1/assets?" + _query(cursor=deep_cursor)], '"items":['
        ),
    ]


def _query(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def _get(client: Any, headers: dict[str, str], scenario: Scenario, url: str) -> None:
    response = client.get(url, headers=headers)
    body = response.content.decode().replace(" ", "")
    if response.status_code != 200 or scenario.expect.replace(" ", "") not in body:
        raise SystemExit(
            f"{scenario.name}: GET {url} gave {response.status_code} without "
            f"{scenario.expect!r}: {body[:300]}; fix the benchmark or the app before timing it."
        )


def query_counts(client: Any, headers: dict[str, str], scenario: Scenario) -> set[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # One request outside the count: it may be the one that writes the token's last_used_at
    # (once a minute), which is not what the endpoint costs.
    _get(client, headers, scenario, scenario.urls[0])
    counts = set()
    for i in range(WARMUP):
        url = scenario.urls[i % len(scenario.urls)]
        with CaptureQueriesContext(connection) as captured:
            _get(client, headers, scenario, url)
        counts.add(len(captured.captured_queries))
    return counts


def time_requests(client: Any, headers: dict[str, str], scenario: Scenario, n: int) -> list[float]:
    """Milliseconds per request. No query capture here: it would add its own overhead."""
    timings = []
    for i in range(n):
        url = scenario.urls[i % len(scenario.urls)]
        start = time.perf_counter()
        _get(client, headers, scenario, url)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _fmt_counts(counts: set[int]) -> str:
    return str(min(counts)) if len(counts) == 1 else f"{min(counts)}-{max(counts)}"


def _split(ids: list[int]) -> tuple[list[int], list[int]]:
    """Every other asset is cleared; of the others, those still on the desk's checklist."""
    return ids[::2], ids[1::2]


def run(args: argparse.Namespace, workdir: Path) -> None:
    import django

    setup_as_a_web_process()
    from django.db import connection
    from django.test import Client

    from integrations.api import encode_cursor
    from integrations.models import Integration
    from integrations.tokens import token_create
    from review.models import Asset, AssetStatus

    rng = random.Random(20261128)
    with own_database(workdir) as db_name:
        seed_start = time.perf_counter()
        cast = seed_users()
        integration = Integration.objects.create(name="Bench CMS")
        # The clearance of assets never cleared is read too: a CMS asking before it publishes.
        _, token = token_create(
            integration=integration, scopes=["assets:read", "assets:read-uncleared"]
        )
        headers = {"Authorization": f"Bearer {token}"}
        client = Client()

        def seed(start: int, stop: int) -> None:
            seed_assets(cast, start=start, stop=stop, rng=rng)
            new = list(Asset.objects.order_by("pk").values_list("pk", flat=True)[start:stop])
            to_clear, _ = _split(new)
            seed_clearances(cast, to_clear, rng)

        def plan() -> list[Scenario]:
            ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
            cleared, rest = _split(ids)
            on_desk = list(
                Asset.objects.filter(
                    pk__in=rest, status__in=[AssetStatus.IN_REVIEW, AssetStatus.CHECKING]
                ).values_list("pk", flat=True)
            )
            rng.shuffle(cleared)
            rng.shuffle(on_desk)
            return scenarios(cleared, on_desk, encode_cursor(ids[int(len(ids) * 0.9)]))

        small = min(SMALL_ASSETS, args.assets)
        seed(0, small)
        small_counts = {s.name: query_counts(client, headers, s) for s in plan()}
        seed(small, args.assets)
        if connection.vendor == "postgresql":
            # What autovacuum would have done by now on a real desk: fresh planner statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seeded_in = time.perf_counter() - seed_start
        total = Asset.objects.count()
        cleared_total = Asset.objects.filter(signoffs__isnull=False).count()

        rows = []
        for scenario in plan():
            counts = query_counts(client, headers, scenario)  # also the warm-up
            timings = time_requests(client, headers, scenario, args.requests)
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
        f"Proofdesk CMS API benchmark: {total:,} assets, {cleared_total:,} cleared "
        f"({seeded_in:.1f}s to seed), {args.requests} timed requests per row after "
        f"{WARMUP} warm-up requests"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{connection.vendor} ({db_name if connection.vendor != 'sqlite' else 'temp file'}), "
        f"{os.cpu_count()} CPUs, DEBUG off, in-process django.test.Client, bearer token"
    )
    print()
    header = ("request", f"SQL @ {small}", f"SQL @ {total:,}", "p50 ms", "p95 ms", "max ms")
    widths = (26, 9, 12, 8, 8, 8)
    print(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    print("  ".join("-" * w for w in widths))
    for name, small_q, big_q, p50, p95, top in rows:
        cells = (name, small_q, big_q, f"{p50:.1f}", f"{p95:.1f}", f"{top:.1f}")
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    print()
    print(
        "SQL @ N: queries per request with N assets on the desk (the token lookup included); "
        "a range means the count varied between requests."
    )
    grew = [r[0] for r in rows if r[1] != r[2]]
    if grew:
        print("WARNING: the query count changed with the number of assets on: " + ", ".join(grew))
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=10_000, help="assets to seed (10000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row (200)")
    args = parser.parse_args()
    if args.assets < 4 or args.requests < 2:
        parser.error("--assets must be at least 4 and --requests at least 2")
    in_own_workdir(run, args)


if __name__ == "__main__":
    main()
