"""Files for the storage tests, and a way to measure what a piece of code holds in memory."""

from __future__ import annotations

import io
import os
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import pytest
from PIL import Image

from tests.provenance.media import TestSigner, make_signer, signed_jpeg

MiB = 1024 * 1024
# Larger than C2PA_IN_PROCESS_MAX_BYTES (32 MiB), so the credentials are read in a child
# process from a local copy, and far larger than any buffer the storage code should hold.
LARGE_SIDE = 6000  # 36 megapixels of noise: about 40 MiB as a JPEG

T = TypeVar("T")

SVG_BYTES = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
    b'<script>alert(document.cookie)</script><rect width="40" height="40"/></svg>'
)


@cache
def signer() -> TestSigner:
    return make_signer(organisation="Storage Test Agency")


@cache
def large_signed_jpeg() -> bytes:
    """A C2PA-signed JPEG of about 40 MiB whose pixels do not compress."""
    noise = Image.frombytes("RGB", (LARGE_SIDE, LARGE_SIDE), os.urandom(LARGE_SIDE**2 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="JPEG", quality=95)
    return signed_jpeg(signer(), base=buffer.getvalue(), title="large.jpg")


@dataclass
class Peak:
    """The most memory Python code allocated (in every thread) while the block ran, over what
    it held when the block started."""

    bytes: int = 0

    @property
    def mib(self) -> float:
        return self.bytes / MiB


_tracing = threading.Lock()


@contextmanager
def peak_memory() -> Iterator[Peak]:
    if tracemalloc.is_tracing():
        pytest.fail("tracemalloc is already tracing: the measurement would be wrong")
    peak = Peak()
    with _tracing:
        tracemalloc.start()
        try:
            yield peak
        finally:
            _current, highest = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak.bytes = highest


def measured(function: Callable[..., T], peak: Peak) -> Callable[..., T]:
    """`function`, measuring its peak into `peak` (the largest of its calls)."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        with peak_memory() as this_call:
            result = function(*args, **kwargs)
        peak.bytes = max(peak.bytes, this_call.bytes)
        return result

    return wrapper
