"""The WeasyPrint half of the consent PDFs: HTML, a stylesheet and the JSON record in, a PDF/A-3b
file with the JSON attached out. `consent.exports.pdf` gathers the data and writes the HTML.

No Django in this module, so that `RendererProcess` can run it as a child process
(`python -m consent.exports.pdf_writer`). A bulk export renders its PDFs there and replaces the
child every few dozen documents: WeasyPrint's native libraries (Pango, HarfBuzz, fontconfig) keep
0.2-0.5 MB per document that nothing in Python can release, so rendering hundreds of PDFs in
one long-lived worker would grow with the number of records (bench/README.md has the figures).
The child is a plain subprocess rather than multiprocessing, which refuses to start children
from Celery's (daemonic) prefork workers.
"""

from __future__ import annotations

import gc
import logging
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

JSON_NAME = "consent-record.json"
RECYCLE_AFTER = 40  # documents per renderer process: about 20 MB of native memory at most
_FRAME = struct.Struct(">Q")

# WeasyPrint logs every layout step at INFO: a line per page per PDF in the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RenderFailed(RuntimeError):
    """The renderer process failed or died; the message says how."""


@dataclass(frozen=True)
class PdfJob:
    html: str
    data: bytes  # the JSON attachment
    css_path: str
    created: datetime  # UTC, the attachment's date


# --- rendering ------------------------------------------------------------------------------------


@contextmanager
def _collector_paused() -> Iterator[None]:
    """WeasyPrint allocates hundreds of thousands of short-lived objects per document; each
    threshold crossing made Python's cycle collector walk the whole heap (Django included),
    about a third of the rendering time. The cycles the render leaves are collected once after
    it, at the next threshold crossing. Process-wide, so another thread rendering at the same
    time merely loses part of the gain."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_local = threading.local()


def _font_config() -> Any:
    # One font configuration per thread (Pango font maps are not thread-safe): a new one per
    # document loads the fonts again and keeps twice as much native memory afterwards.
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def _weasyprint() -> Any:
    """WeasyPrint, imported here: it is heavy (Pango, fonts), and most processes never render.

    Importing it sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process (weasyprint/images.py),
    after which Pillow pads a file cut short instead of refusing it: the evidence checks, the
    thumbnails and every other image reader in this process would accept broken files. Our PDFs
    embed only images this code encoded, so Pillow's default is put back after the import."""
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


@cache
def _stylesheet(path: str) -> Any:
    return _weasyprint().CSS(filename=path)


@cache
def _url_fetcher() -> Any:
    weasyprint = _weasyprint()
    # Images come as data: URIs and the stylesheet from a file named here: a name or statement
    # text can never make the renderer fetch anything from the network or the disk.
    return weasyprint.URLFetcher(allowed_protocols={"data"})


def write_pdf(job: PdfJob) -> bytes:
    weasyprint = _weasyprint()
    attachment = weasyprint.Attachment(
        string=job.data,
        name=JSON_NAME,
        description="The consent records, lapses, waivers and audit events as JSON",
        created=job.created,
        modified=job.created,
        # PDF/A-3 associated file: the data the visible pages are a rendering of.
        relationship="Data",
    )
    with _collector_paused():
        pdf: bytes = weasyprint.HTML(string=job.html, url_fetcher=_url_fetcher()).write_pdf(
            stylesheets=[_stylesheet(job.css_path)],
            font_config=_font_config(),
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
        )
    return pdf


# --- the renderer process ------------------------------------------------------------------------
# Frames on stdin/stdout: an 8-byte big-endian length, then the bytes. A job is four frames
# (html, json, stylesheet path, ISO date); an answer is two (b"ok" or b"error", then the PDF or
# the message). No pickle: nothing but bytes and text crosses the pipe.


def _write_frames(stream: IO[bytes], *frames: bytes) -> None:
    for frame in frames:
        stream.write(_FRAME.pack(len(frame)))
        stream.write(frame)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return payload


def serve(requests: IO[bytes], answers: IO[bytes]) -> int:
    """The child's loop: render each job until stdin closes. Returns the number rendered."""
    rendered = 0
    while (html := _read_frame(requests)) is not None:
        data, css_path, created = (_read_frame(requests) for _ in range(3))
        if data is None or css_path is None or created is None:
            break
        try:
            pdf = write_pdf(
                PdfJob(
                    html.decode("utf-8"),
                    data,
                    css_path.decode("utf-8"),
                    datetime.fromisoformat(created.decode("ascii")),
                )
            )
        except Exception as exc:  # reported to the parent, which raises RenderFailed
            _write_frames(answers, b"error", f"{type(exc).__name__}: {exc}".encode())
        else:
            _write_frames(answers, b"ok", pdf)
            rendered += 1
    return rendered


class RendererProcess:
    """Renders jobs in a child process, started on the first job and replaced after
    `recycle_after` of them. One document at a time; not for use by several threads."""

    def __init__(self, *, cwd: Path, recycle_after: int = RECYCLE_AFTER) -> None:
        self.cwd = cwd
        self.recycle_after = recycle_after
        self.started = 0  # processes started, for tests and the benchmark
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._jobs = 0

    def _start(self) -> subprocess.Popen[bytes]:
        self.close()
        path = os.environ.get("PYTHONPATH", "")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(self.cwd), path) if p)}
        process = subprocess.Popen(
            [sys.executable, "-m", "consent.exports.pdf_writer"],
            cwd=self.cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._process, self._jobs, self.pid = process, 0, process.pid
        self.started += 1
        return process

    def render(self, job: PdfJob) -> bytes:
        process = self._process
        if process is None or self._jobs >= self.recycle_after:
            process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            _write_frames(
                process.stdin,
                job.html.encode("utf-8"),
                job.data,
                job.css_path.encode("utf-8"),
                job.created.isoformat().encode("ascii"),
            )
        except BrokenPipeError:
            raise RenderFailed(self._died()) from None
        status, payload = _read_frame(process.stdout), _read_frame(process.stdout)
        if status is None or payload is None:
            raise RenderFailed(self._died())
        self._jobs += 1
        if status != b"ok":
            raise RenderFailed(payload.decode("utf-8", "replace"))
        return payload

    def _died(self) -> str:
        process, self._process = self._process, None
        code = process.wait(timeout=30) if process is not None else None
        return f"The PDF renderer process stopped (exit status {code})."

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()  # end of jobs: the child's loop ends and it exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def __enter__(self) -> RendererProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    answers = sys.stdout.buffer
    # Anything printed by accident (a library's warning) must not corrupt the frames.
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
