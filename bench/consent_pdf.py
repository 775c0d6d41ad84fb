"""Consent PDFs: the time to render an asset with ten parties, and the peak memory of bulk
exports of 50 and 200 consent records (one asset and one PDF each).

Everything goes through the real services (people, parties, signatures on the pad, uploaded
releases, a remote link, a guardian, a waiver, a revocation) and the real export path
(`consent_export_request` queues the build after the commit; with no broker it runs
in-process, as with `make run`). Like bench/queue_pages.py it works in its own temporary
folder with its own SQLite database and media root, and removes them at the end.

    .venv/bin/python bench/consent_pdf.py [--runs 20] [--small 50] [--large 200]

Exit status 1 when something is wrong: a PDF that does not render or lacks a hash, a ZIP whose
manifest does not match its files, or peak memory that grows with the number of records.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

# The script's own folder is on sys.path when it runs; mypy does not know that folder.
from queue_pages import (  # type: ignore[import-not-found]
    _configure,
    own_database,
    percentile,
    seed_users,
)

WARMUP = 3
MIB = 1024 * 1024
# Memory "does not grow with the number of records" when four times the records peak at no
# more than this above the smaller export, in this process and in the renderer, and this
# process keeps no more than this after it (allocator noise, the manifest's list of files).
GROWTH_TOLERANCE_MIB = 8.0


def _jpeg(size: tuple[int, int], seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (seed * 37 % 255, 90, 140))
    draw = ImageDraw.Draw(image)
    for i in range(0, size[0], 40):
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(255, (i + seed) % 255, 60), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _asset(uploader: Any, n: int, story: str, size: tuple[int, int]) -> Any:
    from django.core.files.base import ContentFile

    from review.models import Asset, AssetStatus, MediaKind

    data = _jpeg(size, n)
    return Asset.objects.create(
        file=ContentFile(data, name=f"bench-{n}.jpg"),
        original_filename=f"bench-{n}.jpg",
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="image/jpeg",
        media_kind=MediaKind.IMAGE,
        size_bytes=len(data),
        width=size[0],
        height=size[1],
        story_ref=story,
        description="Synthetic illustration for the consent benchmark.",
        uploaded_by=uploader,
        status=AssetStatus.IN_REVIEW,
    )


@dataclass
class Signer:
    reporter: Any
    statement: Any
    signature: str
    points: list[str] = field(default_factory=list)

    def sign(self, party: Any, method: str = "signed_in_person", **extra: Any) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from consent.services import Scope, Signing, consent_record_create

        today = timezone.localdate()
        evidence = None
        if method == "uploaded_release":
            evidence = SimpleUploadedFile("signed-release.pdf", _release_pdf())
        name = party.person.guardian if party.person.is_minor else party.person
        return consent_record_create(
            party_id=party.pk,
            collected_by=self.reporter,
            statement=self.statement,
            scope=Scope(
                uses=["Illustration of the explainer", "Social media teaser"],
                channels=["website", "newsletter", "social media"],
                territories=["worldwide"],
                valid_from=today - timedelta(days=2),
                valid_until=today + timedelta(days=extra.pop("days", 365)),
            ),
            acknowledged=self.points,
            signing=Signing(
                method=method,
                signed_name=name.full_name,
                signature_data_url=self.signature,
                evidence=evidence,
                witness_name="Sam Standards" if method == "signed_in_person" else "",
                ip_address="192.0.2.44",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) bench",
            ),
            **extra,
        )


def _release_pdf() -> bytes:
    # A whole PDF (cross-reference table, startxref): the desk refuses damaged evidence.
    from tests.consent.media import pdf_bytes

    return pdf_bytes()


def _signer(reporter: Any) -> Signer:
    from consent.demo import demo_signature
    from consent.models import InformedPoint
    from consent.services import latest_statements

    statement = next(s for s in latest_statements() if s.key == "synthetic-media")
    return Signer(
        reporter, statement, demo_signature("Bench Signer"), [p.value for p in InformedPoint]
    )


def seed_ten_parties(reporter: Any, legal: Any, signer: Signer) -> Any:
    """The creator and nine people depicted, every way consent is given or missing: in person,
    uploaded releases, a remote link, a minor's guardian, a second version, a revocation and
    an unidentified person waived by legal."""
    from consent.models import PartyRole, WaiverBasis
    from consent.remote.services import consent_link_create, consent_link_sign
    from consent.services import Signing, consent_revoke, party_add, person_create, waiver_grant

    asset = _asset(reporter, 0, "bench-ten", (1600, 1200))

    def party(name: str, role: str = PartyRole.SUBJECT, **person: Any) -> Any:
        someone = person_create(actor=reporter, full_name=name, **person)
        return party_add(asset_id=asset.pk, actor=reporter, role=role, person=someone)

    signer.sign(party("Noor Haddad", PartyRole.CREATOR))
    for name in ["Tomás Rivera", "Lena Fischer", "Kwame Mensah"]:
        signer.sign(party(name))
    for name in ["Priya Natarajan", "Jonas Berg"]:
        signer.sign(party(name), method="uploaded_release")
    guardian = person_create(actor=reporter, full_name="Ines Okafor")
    signer.sign(party("Ada Okafor", is_minor=True, guardian=guardian), role="guardian")
    renewed = party("Marta Kowalska")
    first = signer.sign(renewed, days=30)
    signer.sign(renewed, supersedes=first, days=730)
    remote = party("Sven Larsen")
    _link, token = consent_link_create(
        party_id=remote.pk,
        actor=reporter,
        statement=signer.statement,
        scope=_scope_of(first),
    )
    revoked = consent_link_sign(
        token=token,
        acknowledged=signer.points,
        signing=Signing(
            method="signed_remotely",
            signed_name="Sven Larsen",
            signature_data_url=signer.signature,
            ip_address="198.51.100.80",
            user_agent="Mozilla/5.0 (iPhone) bench",
        ),
    )
    consent_revoke(record_id=revoked.pk, actor=legal, how="Phone call to the desk")
    unknown = party_add(
        asset_id=asset.pk,
        actor=reporter,
        role=PartyRole.SUBJECT,
        description="Crowd in the background, faces not identifiable",
    )
    waiver_grant(
        party_id=unknown.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification="Reporting on the deepfake itself; the crowd is blurred beyond recognition.",
    )
    return asset


def _scope_of(record: Any) -> Any:
    from consent.services import Scope

    return Scope(
        uses=list(record.uses),
        channels=list(record.channels),
        territories=list(record.territories),
        valid_from=record.valid_from,
        valid_until=record.valid_until,
    )


def seed_bulk(reporter: Any, signer: Signer, story: str, count: int, start: int) -> None:
    """`count` assets of one story, each with its creator's signed consent: one record each."""
    from consent.models import PartyRole
    from consent.services import party_add, person_create

    for n in range(start, start + count):
        asset = _asset(reporter, n, story, (800, 600))
        person = person_create(actor=reporter, full_name=f"Creator {n:04d}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.CREATOR, person=person)
        signer.sign(party)


# --- measuring -----------------------------------------------------------------------------------


def _status_kib(field_name: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field_name} not in /proc/{pid}/status")


def _children() -> set[int]:
    """This process's children (the PDF renderer), from /proc/*/stat."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == me:
            found.add(int(stat.parent.name))
    return found


class RssSampler:
    """VmRSS of this process and of its children (the renderer processes), every 10 ms on a
    thread: the children's peak, and a second opinion next to the kernel's VmHWM for ours."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self.children_peak_kib = 0
        self.children_seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        children: set[int] = set()
        ticks = 0
        while not self._stop.is_set():
            if ticks % 25 == 0:  # a new renderer starts every few dozen PDFs at most
                children = _children()
                self.children_seen |= children
            ticks += 1
            self.peak_kib = max(self.peak_kib, _status_kib("VmRSS"))
            total = 0
            for pid in children:
                try:
                    total += _status_kib("VmRSS", pid)
                except (OSError, RuntimeError):
                    continue  # exited (recycled) since the last scan
            self.children_peak_kib = max(self.children_peak_kib, total)
            self._stop.wait(0.01)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BulkResult:
    records: int
    seconds: float
    before_mib: float
    peak_mib: float
    sampled_mib: float
    renderer_peak_mib: float
    renderers: int
    zip_mib: float

    @property
    def growth_mib(self) -> float:
        return self.peak_mib - self.before_mib


def _reset_peak() -> bool:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def bulk_export(legal: Any, story: str, expected: int) -> BulkResult:
    from consent.exports.services import ExportFilters, consent_export_request
    from consent.models import ConsentExport, ExportStatus

    gc.collect()
    can_reset = _reset_peak()
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    with RssSampler() as sampler:
        export = consent_export_request(actor=legal, filters=ExportFilters(story_ref=story))
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM") if can_reset else sampler.peak_kib
    export = ConsentExport.objects.get(pk=export.pk)
    if export.status != ExportStatus.DONE or export.done != expected:
        raise SystemExit(
            f"export of {story}: {export.status} {export.done}/{expected} {export.error}"
        )
    with export.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != export.sha256:
        raise SystemExit(f"export of {story}: stored ZIP does not match its sha256")
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    if len(manifest["files"]) != expected:
        raise SystemExit(f"export of {story}: {len(manifest['files'])} files, not {expected}")
    for entry in manifest["files"]:
        if hashlib.sha256(archive.read(entry["name"])).hexdigest() != entry["sha256"]:
            raise SystemExit(f"export of {story}: {entry['name']} does not match the manifest")
    return BulkResult(
        records=expected,
        seconds=seconds,
        before_mib=before / 1024,
        peak_mib=peak / 1024,
        sampled_mib=sampler.peak_kib / 1024,
        renderer_peak_mib=sampler.children_peak_kib / 1024,
        renderers=len(sampler.children_seen),
        zip_mib=len(data) / MIB,
    )


def time_renders(asset: Any, runs: int) -> tuple[float, float, list[float], list[float], int]:
    """Seconds: WeasyPrint's import, the first render (fonts found and loaded), then `runs`
    timed renders after WARMUP more. Also the CPU seconds of the timed renders and the size."""
    from consent.exports.pdf import asset_consent_pdf
    from consent.models import ConsentRecord

    start = time.perf_counter()
    import weasyprint  # noqa: F401

    imported = time.perf_counter() - start
    start = time.perf_counter()
    pdf = asset_consent_pdf(asset)
    first = time.perf_counter() - start
    text = _text_of(pdf)
    if text is not None:
        for record in ConsentRecord.objects.filter(asset=asset):
            if record.record_sha256.encode() not in text:
                raise SystemExit(f"record {record.pk}'s hash is not in the PDF's text")
    for _ in range(WARMUP):
        asset_consent_pdf(asset)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = asset_consent_pdf(asset)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return imported, first, wall, cpu, len(pdf)


def _text_of(pdf: bytes) -> bytes | None:
    """pdftotext's output, or None without poppler-utils (the check is then skipped)."""
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, "-", "-"], input=pdf, capture_output=True, check=True).stdout


def run(args: argparse.Namespace, workdir: Path) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from consent.exports.pdf_writer import RECYCLE_AFTER
    from consent.models import ConsentRecord

    load_before = os.getloadavg()[0]
    with own_database(workdir):
        seed_start = time.perf_counter()
        cast = seed_users()
        legal = get_user_model().objects.get(username="bench_legal")
        reporter = cast.reporters[0]
        signer = _signer(reporter)
        ten = seed_ten_parties(reporter, legal, signer)
        seed_bulk(reporter, signer, "bench-warmup", 5, 1000)
        seed_bulk(reporter, signer, "bench-small", args.small, 2000)
        seed_bulk(reporter, signer, "bench-large", args.large, 5000)
        seeded = time.perf_counter() - seed_start
        records = ConsentRecord.objects.filter(asset=ten).count()
        parties = ten.parties.count()

        imported, first, wall, cpu, size = time_renders(ten, args.runs)

        bulk_export(legal, "bench-warmup", 5)  # imports and caches of the export path
        small = bulk_export(legal, "bench-small", args.small)
        large = bulk_export(legal, "bench-large", args.large)
        small_again = bulk_export(legal, "bench-small", args.small)
    load_after = os.getloadavg()[0]

    print(
        f"Consent PDF benchmark ({seeded:.1f}s to seed through the services), "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"WeasyPrint {sys.modules['weasyprint'].__version__}, {connection.vendor} (temp file), "
        f"{os.cpu_count()} CPUs, DEBUG off; load average {load_before:.2f} before, "
        f"{load_after:.2f} after"
    )
    print()
    print(f"Render: asset with {parties} parties, {records} consent records, {size:,} byte PDF")
    print(f"  import weasyprint                  {imported * 1000:8.0f} ms")
    print(f"  first render (fonts loaded)        {first * 1000:8.0f} ms")
    median, p95 = statistics.median(wall), percentile(wall, 95)
    print(
        f"  {args.runs} renders after {WARMUP} warm-up      median {median * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {max(wall) * 1000:.0f} ms "
        f"(CPU: median {statistics.median(cpu) * 1000:.0f} ms)"
    )
    print(f"  goal: under 1 s                    {'met' if p95 < 1.0 else 'NOT met'} (p95)")
    print()
    print(
        "Bulk export: one asset and one PDF per record, built in-process after the commit; "
        f"the PDFs are rendered in a child process replaced every {RECYCLE_AFTER} documents"
    )
    print(
        f"  {'records':>7}  {'time s':>6}  {'PDF/s':>5}  {'ZIP MiB':>7}  {'RSS before':>10}  "
        f"{'peak':>7}  {'growth':>6}  {'renderer peak':>13}  {'renderers':>9}"
    )
    for r in (small, large, small_again):
        print(
            f"  {r.records:>7}  {r.seconds:6.1f}  {r.records / r.seconds:5.1f}  {r.zip_mib:7.1f}  "
            f"{r.before_mib:8.1f} M  {r.peak_mib:5.1f} M  {r.growth_mib:4.1f} M  "
            f"{r.renderer_peak_mib:11.1f} M  {r.renderers:>9}"
        )
    print(
        f"  peak = VmHWM of this process (sampled every 10 ms: "
        f"{', '.join(f'{r.sampled_mib:.1f}' for r in (small, large, small_again))} MiB); "
        f"renderer peak = sampled VmRSS of the renderer process"
    )
    grows = large.growth_mib - small.growth_mib
    renderer_grows = large.renderer_peak_mib - small.renderer_peak_mib
    leak = small_again.before_mib - small.before_mib
    verdict = max(grows, renderer_grows, leak) <= GROWTH_TOLERANCE_MIB
    print(
        f"  {args.large} vs {args.small} records: this process's peak growth {grows:+.1f} MiB, "
        f"renderer peak {renderer_grows:+.1f} MiB; RSS before the second {args.small}-record "
        f"export {leak:+.1f} MiB -> {'flat' if verdict else 'GROWS'} "
        f"(tolerance {GROWTH_TOLERANCE_MIB:.0f} MiB)"
    )
    return 0 if verdict else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed renders (20)")
    parser.add_argument("--small", type=int, default=50, help="records in the small export (50)")
    parser.add_argument("--large", type=int, default=200, help="records in the large export (200)")
    args = parser.parse_args()
    if args.runs < 2 or args.small < 1 or args.large <= args.small:
        parser.error("--runs must be at least 2 and --large larger than --small")
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-bench-consent-"))
    try:
        _configure(workdir)
        status = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
