"""Time and peak memory to render and sign the labeled rendition of a 12-megapixel JPEG.

Runs `labeling.renditions.build_rendition` (decode, burn the badge in, re-encode with IPTC XMP,
sign a C2PA manifest with the original as ingredient, read it back and verify it against the
newsroom's root) on a photo-like 4000×3000 JPEG made in code, with development credentials
in a temporary folder. No database and no files outside that folder.

    .venv/bin/python bench/rendition.py [--runs 10] [--width 4000 --height 3000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 2
GOAL_MS = 1000.0


def _configure(workdir: Path) -> None:
    """Environment for newsroom.settings, set before Django is imported."""
    sys.path.insert(0, str(ROOT))
    keys = workdir / "keys"
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["STORAGE_BACKEND"] = "filesystem"
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["SIGNING_CERT_CHAIN"] = str(keys / "signing-chain.pem")
    os.environ["SIGNING_KEY"] = str(keys / "signing-key.pem")
    os.environ["SIGNING_TRUST_ANCHOR"] = ""


def make_photo(width: int, height: int) -> bytes:
    """A JPEG that compresses like a photograph: smooth gradients and shapes under per-channel
    sensor-like noise and fractal detail (a flat test card would compress to a few hundred KB
    and flatter every step)."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    size = (width, height)
    sky = Image.linear_gradient("L").resize(size)
    glow = Image.radial_gradient("L").resize(size)
    detail = Image.effect_mandelbrot(size, (-0.8, -0.25, -0.6, -0.1), 60)
    channels = []
    for index, (weight, sigma) in enumerate([(0.55, 38), (0.45, 44), (0.35, 50)]):
        base = Image.blend(sky, glow, weight)
        base = ImageChops.add(base, detail.point(lambda v, i=index: v // (2 + i)))
        noise = Image.effect_noise(size, sigma).filter(ImageFilter.GaussianBlur(0.5))
        channels.append(Image.blend(base, noise, 0.35))
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for i in range(12):
        x, y = (i * 331) % width, (i * 577) % height
        r = 80 + (i * 97) % 400
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(240, 230, 200), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _subjects() -> tuple[Any, Any, Any, Any]:
    """Unsaved model instances are enough: build_rendition only reads their fields."""
    from labeling.models import Certainty, Classification, Label, LabelTerm
    from review.models import Asset, MediaKind

    asset = Asset(
        pk=1,
        original_filename="generated-12mp.jpg",
        media_type="image/jpeg",
        media_kind=MediaKind.IMAGE,
        sha256="0" * 64,
    )
    classification = Classification(
        asset=asset,
        version=1,
        source_type="trainedAlgorithmicMedia",
        techniques=["wholly_synthetic"],
        certainty=Certainty.CONFIRMED,
    )
    term = LabelTerm(key="ai-generated", source_types=["trainedAlgorithmicMedia"])
    label = Label(
        asset=asset,
        version=1,
        classification=classification,
        term=term,
        language="en",
        name="AI-generated",
        text="This image was generated with artificial intelligence. It does not show a real "
        "scene.",
        generated_text="",
    )
    return asset, classification, label, term


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def time_steps(original: bytes) -> dict[str, float]:
    """One rendition, step by step, the way build_rendition runs them."""
    from django.conf import settings

    from labeling.renditions import _labeled_image, _manifest, _sign, verify_rendition
    from labeling.signing import load_signing_credentials
    from provenance.xmp import xmp_packet

    asset, classification, label, _ = _subjects()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    credentials = load_signing_credentials()
    timings["load credentials"] = _ms(start)

    start = time.perf_counter()
    xmp = xmp_packet(
        digital_source_type=classification.source_type,
        credit=settings.NEWSROOM_NAME,
        creator_tool="Proofdesk",
    )
    source, media_type, result = _labeled_image(original, "image/jpeg", label, xmp)
    timings["decode + badge + encode"] = _ms(start)
    if not result.burned_in:
        raise SystemExit(f"The badge was not burned in: {result.note}")

    start = time.perf_counter()
    manifest = _manifest(
        asset=asset, label=label, classification=classification, edited=True, title="bench.jpg"
    )
    data, _ = _sign(
        manifest,
        original=io.BytesIO(original),
        original_type="image/jpeg",
        source=source,
        source_type=media_type,
        credentials=credentials,
        sidecar=False,
    )
    timings["sign (C2PA manifest)"] = _ms(start)

    start = time.perf_counter()
    state, _ = verify_rendition(data, media_type, anchor_pem=credentials.anchor_pem)
    timings["read back + verify"] = _ms(start)
    if state != "trusted":
        raise SystemExit(f"The rendition read back as {state!r}, not trusted.")
    return timings


def time_total(original: bytes) -> tuple[float, float, int]:
    """build_rendition itself, end to end (credentials loaded as rendition_create does): wall
    time, CPU time of this process (all its threads), and the rendition's size."""
    from labeling.renditions import build_rendition
    from labeling.signing import load_signing_credentials

    asset, classification, label, _ = _subjects()
    start = time.perf_counter()
    cpu_start = time.process_time()
    built = build_rendition(
        asset=asset,
        original=io.BytesIO(original),
        label=label,
        classification=classification,
        credentials=load_signing_credentials(),
    )
    elapsed = _ms(start)
    cpu = (time.process_time() - cpu_start) * 1000
    if built.verification_state != "trusted" or built.badge != "burned_in":
        raise SystemExit(f"Unexpected rendition: {built.verification_state}, {built.badge}")
    return elapsed, cpu, len(built.data)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def prepare_child(workdir: Path, width: int, height: int) -> None:
    """In its own process: the dev credentials and the photo, written to the work folder."""
    from labeling.signing import write_dev_credentials

    write_dev_credentials(workdir / "keys", organisation="Bench Newsroom")
    start = time.perf_counter()
    (workdir / "photo.jpg").write_bytes(make_photo(width, height))
    print(json.dumps({"made_in_s": time.perf_counter() - start}))


def memory_child(photo: Path) -> None:
    """In a fresh process: how far one rendition raises the process's memory high-water mark
    above where it stood with Django, c2pa and the original already loaded."""
    import tracemalloc

    import django

    django.setup()
    from labeling.renditions import build_rendition
    from labeling.signing import load_signing_credentials

    original = photo.read_bytes()
    asset, classification, label, _ = _subjects()
    credentials = load_signing_credentials()

    def build() -> None:
        build_rendition(
            asset=asset,
            original=io.BytesIO(original),
            label=label,
            classification=classification,
            credentials=credentials,
        )

    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    rss_before = _status_kib("VmRSS")
    # Reset VmHWM to the current RSS so that it measures this rendition only (Linux).
    try:
        Path("/proc/self/clear_refs").write_text("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    build()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm = _status_kib("VmHWM")

    # A second rendition under tracemalloc: what Python itself allocates (Pillow's and the
    # c2pa library's native buffers are not traced, so this is a lower bound).
    tracemalloc.start()
    build()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "maxrss_before_kib": maxrss_before,
                "maxrss_after_kib": maxrss_after,
                "rss_before_kib": rss_before,
                "hwm_kib": hwm if hwm_reset else 0,
                "traced_peak_bytes": traced_peak,
            }
        )
    )


def _child(*args: str, workdir: Path) -> dict[str, Any]:
    """Run this script in a child mode; its last output line is JSON."""
    done = subprocess.run(
        [sys.executable, __file__, *args, "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def run(args: argparse.Namespace, workdir: Path) -> None:
    # The photo is made, and the memory measured, in child processes started while this one is
    # still small: a child inherits its parent's high-water mark (ru_maxrss survives fork and
    # exec), so a child started after the timed runs would report this process's peak.
    prepared = _child("--prepare", str(args.width), str(args.height), workdir=workdir)
    photo = workdir / "photo.jpg"
    memory = _child("--memory-child", str(photo), workdir=workdir)

    import django

    django.setup()
    from importlib.metadata import version

    original = photo.read_bytes()
    for _ in range(WARMUP):
        time_steps(original)
        time_total(original)
    steps: dict[str, list[float]] = {}
    totals: list[float] = []
    cpu: list[float] = []
    out_size = 0
    for _ in range(args.runs):
        for name, ms in time_steps(original).items():
            steps.setdefault(name, []).append(ms)
        total, cpu_ms, out_size = time_total(original)
        totals.append(total)
        cpu.append(cpu_ms)

    megapixels = args.width * args.height / 1e6
    print(
        f"Proofdesk rendition benchmark: {args.width}×{args.height} JPEG ({megapixels:.0f} MP, "
        f"{len(original) / 1e6:.1f} MB, made in {prepared['made_in_s']:.1f}s) → labeled "
        f"rendition {out_size / 1e6:.1f} MB; {args.runs} timed runs after {WARMUP} warm-up runs"
    )
    print(
        f"Python {platform.python_version()}, Pillow {version('pillow')}, "
        f"c2pa-python {version('c2pa-python')}, ES256 dev credentials, {os.cpu_count()} CPUs"
    )
    print()
    widths = (34, 9, 9, 9)
    print(_row(("step", "p50 ms", "p95 ms", "max ms"), widths))
    print("  ".join("-" * w for w in widths))
    rows = [*steps.items(), ("total (build_rendition)", totals), ("  its CPU time", cpu)]
    for name, values in rows:
        p50, p95 = percentile(values, 50), percentile(values, 95)
        print(_row((name, f"{p50:.0f}", f"{p95:.0f}", f"{max(values):.0f}"), widths))
    print()

    def mib(kib: float) -> str:
        return f"{kib / 1024:.0f} MiB"

    before = memory["rss_before_kib"]
    print(f"{'RSS before (Django, c2pa, original loaded)':<48} {mib(before)}")
    if memory["hwm_kib"]:
        peak = memory["hwm_kib"]
        print(f"{'peak RSS during one rendition (VmHWM)':<48} {mib(peak)} (+{mib(peak - before)})")
    growth = memory["maxrss_after_kib"] - memory["maxrss_before_kib"]
    print(f"{'ru_maxrss growth over one rendition':<48} +{mib(growth)}")
    traced = memory["traced_peak_bytes"] / 1024
    print(
        f"{'Python allocations peak (tracemalloc)':<48} {mib(traced)} (native buffers not traced)"
    )
    median = statistics.median(totals)
    verdict = "under" if median < GOAL_MS else "OVER"
    print()
    print(f"median total {median:.0f} ms: {verdict} the {GOAL_MS:.0f} ms goal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs (10)")
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--prepare", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare or args.memory_child:
        _configure(args.workdir)
        if args.prepare:
            prepare_child(args.workdir, *args.prepare)
        else:
            memory_child(args.memory_child)
        return
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-rendition-"))
    try:
        _configure(workdir)
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
