"""Garbage-collection pauses during the queue's requests, with and without the startup freeze
that newsroom/wsgi.py applies (newsroom/startup.py).

A full collection walks every object the collector tracks. In a web process most of them were
loaded at startup (Django, the apps, their modules) and are never garbage; frozen, they are
left out. This seeds a desk, then serves the queue's pages in blocks of requests, alternately
with the startup objects frozen and not (`gc.unfreeze` between blocks), and prints how long the
collections of each generation took and the requests' timings. Pauses, not medians, are the
point: a full collection lands on whichever request is running.

Like queue_pages.py it runs in-process through django.test.Client and never touches the dev
database (a temporary SQLite file, or `proofdesk_bench_<pid>` on the server
BENCH_DATABASE_URL names, dropped at the end).

    .venv/bin/python bench/gc_pauses.py [--assets 5000] [--requests 1600]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

# The script's own folder is on sys.path when it runs; mypy does not know that folder.
from queue_pages import (  # type: ignore[import-not-found]
    in_own_workdir,
    own_database,
    percentile,
    seed_assets,
    seed_users,
)

URLS = [
    "/queue/",
    "/queue/?sort=status",
    "/queue/?sort=-file",
    "/queue/?q=harbour",
    "/queue/?page=3",
]
# Blocks of each mode, alternating. A full collection comes only once the objects that survived
# the younger ones reach a quarter of those already old: hundreds of requests, not tens.
BLOCKS = 2


class PauseLog:
    """The duration of every collection, by generation, while `active`."""

    def __init__(self) -> None:
        self.active = False
        self.pauses: dict[int, list[float]] = defaultdict(list)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if not self.active:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append((time.perf_counter() - self._started) * 1000)


def serve(client: Any, n: int) -> list[float]:
    timings = []
    for i in range(n):
        start = time.perf_counter()
        response = client.get(URLS[i % len(URLS)])
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {URLS[i % len(URLS)]} gave {response.status_code}")
    return timings


def run(args: argparse.Namespace, workdir: Path) -> None:
    import django

    django.setup()
    from django.test import Client

    from newsroom.startup import freeze_startup_objects

    with own_database(workdir):
        cast = seed_users()
        seed_assets(cast, start=0, stop=args.assets, rng=random.Random(20250101))
        client = Client()
        client.force_login(cast.editor)
        serve(client, len(URLS) * 2)  # warm-up: templates, URL resolvers, connections

        logs = {"not frozen": PauseLog(), "frozen": PauseLog()}
        timings: dict[str, list[float]] = defaultdict(list)
        tracked: dict[str, int] = {}
        for mode in list(logs) * BLOCKS:
            gc.unfreeze()
            if mode == "frozen":
                freeze_startup_objects()
            gc.collect()
            gc.callbacks.append(logs[mode])
            logs[mode].active = True
            timings[mode] += serve(client, args.requests // BLOCKS)
            logs[mode].active = False
            gc.callbacks.remove(logs[mode])
            tracked[mode] = len(gc.get_objects())
        gc.unfreeze()

    print(
        f"Garbage collection in the queue's requests: {args.assets:,} assets, "
        f"{args.requests} requests per mode in {BLOCKS} alternating blocks, "
        f"Python {sys.version.split()[0]}, in-process django.test.Client"
    )
    print()
    header = (
        f"{'mode':<11} {'tracked':>8} {'generation':>10} {'count':>6} {'max ms':>7} {'total ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for mode, log in logs.items():
        for generation in (0, 1, 2):
            pauses = log.pauses.get(generation, [])
            print(
                f"{mode:<11} {tracked[mode]:>8,} {generation:>10} {len(pauses):>6} "
                f"{max(pauses, default=0):>7.1f} {sum(pauses):>9.1f}"
            )
    print()
    for mode, values in timings.items():
        print(
            f"{mode}: requests p50 {statistics.median(values):.1f} ms, "
            f"p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms"
        )
    print(
        "\ntracked: objects a full collection walked at the end of the last block (frozen "
        "ones are left out). A generation-2 collection is a full one."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=5_000, help="assets to seed (5000)")
    parser.add_argument("--requests", type=int, default=1600, help="requests per mode (1600)")
    args = parser.parse_args()
    if args.requests < BLOCKS * len(URLS):
        parser.error(f"--requests must be at least {BLOCKS * len(URLS)}")
    in_own_workdir(run, args)


if __name__ == "__main__":
    main()
