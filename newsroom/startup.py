"""What a process does once it starts, before its first request or task."""

from __future__ import annotations

import ctypes
import gc
import os

# mallopt(3) parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit systems (HEAP_MAX_SIZE / 2); it refuses
# more. It is also the size up to which files are read in process (C2PA_IN_PROCESS_MAX_BYTES).
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024


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


def keep_freed_memory_for_reuse() -> bool:
    """Have glibc's allocator keep the memory a file read frees, for the next read, rather than
    hand it back to the kernel and fault it in again. The C2PA reader holds the file in memory
    and runs in a thread of its own (provenance.services), whose allocator arena glibc shrinks
    as soon as the read frees its buffers: the next read faulted every page in again, and a
    12 MiB JPEG's read took 42 ms instead of 19 ms on this project's two-vCPU machines
    (bench/README.md). With these thresholds blocks up to 32 MiB come from the arenas, and up
    to 64 MiB freed at an arena's top stays there; a worker's resident memory stays at about
    what its largest in-process read needed. Returns False where the C library is not glibc
    (nothing is changed there)."""
    try:
        libc_name = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):  # not a glibc system
        return False
    if not libc_name.startswith("glibc"):
        return False
    libc = ctypes.CDLL(None)
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
