"""What a web process does once Django is loaded, before its first request."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move everything loaded so far (Django, the apps, their modules and settings) out of the
    garbage collector's reach. It lives as long as the process, yet every full collection walked
    all of it again: about 105 ms a time in the queue's requests without this, 5 ms with it
    (bench/gc_pauses.py). Full collections are rare, a few in a thousand requests, but each
    lands on whichever request is running. Frozen objects are never freed, which costs nothing
    for objects that are never garbage; a gunicorn worker forked from a preloaded master also
    keeps their pages shared. (Spacing out the young collections was tried too: fewer, much
    longer pauses.)"""
    gc.collect()
    gc.freeze()
