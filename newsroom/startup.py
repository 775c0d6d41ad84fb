"""What a web process does once Django is loaded, before its first request."""

from __future__ import annotations

import gc

YOUNG_COLLECTION_ALLOCATIONS = 50_000


def tune_garbage_collector() -> None:
    """Tune the garbage collector for serving pages, once everything is loaded.

    Everything loaded so far (Django, the apps, their modules and settings) lives as long as the
    process, yet every full collection walked all of it again: frozen, it is out of the
    collector's reach. Frozen objects are never freed, which costs nothing for objects that are
    never garbage; a gunicorn worker forked from a preloaded master also keeps their pages
    shared.

    A page then allocates tens of thousands of short-lived objects (rows, querysets, template
    output): at the default 700 allocations between young collections that is a collection every
    few dozen microseconds of work. With YOUNG_COLLECTION_ALLOCATIONS the queue's pages took
    about a tenth less time, median and 95th percentile alike (bench/README.md), and memory
    stays bounded all the same."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, *gc.get_threshold()[1:])
