"""Writes for provenance: verifying an asset and storing the report, trust list changes.

Verification reads the whole file in native code, so it runs outside any transaction, under a
size cap and a time limit; only the result is written inside one.
"""

from __future__ import annotations

import concurrent.futures
import functools
import importlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Least
from django.utils import timezone

from audit.services import audit_batch, audit_record

# services queue tasks and tasks call services: both modules import each other as modules (the
# names are looked up when a function runs), so either may be imported first.
from provenance import tasks
from provenance.detectors import Detector, DetectorFacts
from provenance.isolated import unreadable, verify_handle, verify_in_child
from provenance.models import (
    DetectorRun,
    DetectorStatus,
    ProvenanceReport,
    ProvenanceThumbnail,
    ReportReason,
    TrustList,
    TrustRecheck,
    thumbnail_path,
)
from provenance.reader import Verification, library_version
from provenance.states import (
    CAPTURE_SOURCE_TYPES,
    SYNTHETIC_SOURCE_TYPES,
)
from provenance.trust import TrustBundle, effective_trust, parse_pem_bundle
from provenance.xmp import XmpMetadata
from review.events import asset_changed_send
from review.models import Asset, AssetStatus

logger = logging.getLogger(__name__)

NEVER_APPROVED = frozenset({AssetStatus.RECEIVED, AssetStatus.CHECKING})

# One pool per process: a verification that overruns its limit keeps its thread (native code
# cannot be interrupted) but the caller moves on and records the timeout.
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="c2pa")
# The same for the life of the process; asking the package metadata costs 0.2 ms a report.
_library_version = functools.cache(library_version)


def _start_verification(asset: Asset, trust: TrustBundle) -> PendingReading:
    if asset.size_bytes > settings.C2PA_MAX_VERIFY_BYTES:
        limit_mb = settings.C2PA_MAX_VERIFY_BYTES // (1024 * 1024)
        refused: concurrent.futures.Future[tuple[Verification, XmpMetadata]]
        refused = concurrent.futures.Future()
        refused.set_result(
            unreadable(
                f"The file is larger than the {limit_mb} MB verification cap; "
                "its credentials were not read."
            )
        )
        return PendingReading(asset, trust, refused, timeout=None)
    options: dict[str, Any] = {
        "trust_anchors": trust.anchors,
        "allowed_list": trust.allowed,
        "remote_fetch": settings.C2PA_REMOTE_MANIFEST_FETCH,
        "remote_hosts": settings.C2PA_REMOTE_MANIFEST_HOSTS,
        "remote_timeout": settings.C2PA_REMOTE_MANIFEST_TIMEOUT,
        "remote_max_bytes": settings.C2PA_REMOTE_MANIFEST_MAX_BYTES,
    }
    future = _pool.submit(_read_file, asset, options)
    # A child process keeps its own time limit, and is killed at it.
    in_child = asset.size_bytes > settings.C2PA_IN_PROCESS_MAX_BYTES
    return PendingReading(asset, trust, future, None if in_child else settings.C2PA_VERIFY_TIMEOUT)


def _read_file(asset: Asset, options: dict[str, Any]) -> tuple[Verification, XmpMetadata]:
    """The read itself, in the pool. It touches storage, never the database."""
    # A .c2pa manifest store that came beside the file is verified against it.
    options = {**options, "sidecar": asset.sidecar_manifest_bytes()}
    if asset.size_bytes > settings.C2PA_IN_PROCESS_MAX_BYTES:
        return _verify_in_child(asset, options)
    with asset.file.open("rb") as handle:
        return verify_handle(handle, asset.media_type, **options)


def _verify_in_child(asset: Asset, options: dict[str, Any]) -> tuple[Verification, XmpMetadata]:
    """Large files are read in a child process (provenance/isolated.py says why). The child
    needs a local path: storage without one (S3) is copied to a temporary file in chunks."""
    timeout = settings.C2PA_VERIFY_TIMEOUT
    try:
        local_path = asset.file.path
    except NotImplementedError:
        with tempfile.NamedTemporaryFile(suffix=".media") as copy:
            with asset.file.open("rb") as source:
                shutil.copyfileobj(source, copy, 1024 * 1024)
            copy.flush()
            return verify_in_child(copy.name, asset.media_type, timeout=timeout, **options)
    if not os.path.exists(local_path):
        raise FileNotFoundError(local_path)
    return verify_in_child(local_path, asset.media_type, timeout=timeout, **options)


def metadata_conflict(c2pa_types: list[str], xmp_type: str) -> str:
    """Say so when the unsigned metadata and the credentials disagree about AI."""
    if not xmp_type or not c2pa_types:
        return ""
    xmp_synthetic = xmp_type in SYNTHETIC_SOURCE_TYPES
    c2pa_synthetic = any(t in SYNTHETIC_SOURCE_TYPES for t in c2pa_types)
    c2pa_capture = any(t in CAPTURE_SOURCE_TYPES for t in c2pa_types)
    if xmp_synthetic and c2pa_capture and not c2pa_synthetic:
        return (
            f"The IPTC metadata says {xmp_type} (AI or synthetic), but the Content "
            f"Credentials say {', '.join(c2pa_types)}."
        )
    if c2pa_synthetic and xmp_type in CAPTURE_SOURCE_TYPES:
        return (
            f"The Content Credentials say {', '.join(c2pa_types)} (AI or synthetic), but the "
            f"IPTC metadata says {xmp_type}."
        )
    return ""


def _load_detector(dotted: str) -> Detector:
    module_name, _, class_name = dotted.rpartition(".")
    detector: Detector = getattr(importlib.import_module(module_name), class_name)()
    return detector


def _run_detectors(asset: Asset, verification: Verification, xmp: XmpMetadata) -> list[DetectorRun]:
    facts = DetectorFacts(
        path=asset.file.name,
        media_type=asset.media_type,
        state=verification.state,
        c2pa_source_types=list(verification.digital_source_types),
        xmp_source_type=xmp.digital_source_type,
        claim_generator=verification.claim_generator,
        software_agents=[
            a["software_agent"] for a in verification.actions if a.get("software_agent")
        ],
        creator_tool=xmp.creator_tool,
    )
    runs: list[DetectorRun] = []
    for dotted in settings.PROVENANCE_DETECTORS:
        try:
            detector = _load_detector(dotted)
        except Exception as exc:  # a misconfigured plug-in is recorded, never propagated
            logger.exception("detector %s could not be loaded", dotted)
            runs.append(
                DetectorRun(
                    asset=asset,
                    detector=dotted[-100:],
                    detector_version="?",
                    status=DetectorStatus.FAILED,
                    explanation=f"Could not load: {type(exc).__name__}: {exc}"[:2000],
                )
            )
            continue
        started = time.perf_counter()
        run = DetectorRun(asset=asset, detector=detector.name, detector_version=detector.version)
        future = _pool.submit(detector.detect, facts)
        try:
            finding = future.result(timeout=settings.PROVENANCE_DETECTOR_TIMEOUT)
        except concurrent.futures.TimeoutError:
            run.status = DetectorStatus.TIMEOUT
            run.explanation = f"No answer within {settings.PROVENANCE_DETECTOR_TIMEOUT} s."
        except Exception as exc:  # a plug-in's failure is recorded, never propagated
            logger.exception("detector %s failed on asset %s", detector.name, asset.pk)
            run.status = DetectorStatus.FAILED
            run.explanation = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            run.status = DetectorStatus.OK
            run.score = finding.score
            run.verdict = finding.verdict
            run.explanation = finding.explanation
        run.duration_ms = (time.perf_counter() - started) * 1000
        runs.append(run)
    return runs


def _store_thumbnails(found: dict[str, tuple[str, bytes]]) -> dict[str, tuple[str, str]]:
    """Put the thumbnails the read found into file storage, before the outcome's transaction
    (a write to object storage is a request of its own, not to be made holding row locks).
    Returns identifier -> (media type, stored name). A thumbnail that cannot be stored is left
    out, as one the credentials lack is: the panel shows the ingredient without it."""
    stored: dict[str, tuple[str, str]] = {}
    for identifier, (media_type, data) in found.items():
        name = thumbnail_path(data)
        try:
            if not default_storage.exists(name):
                # Two checks may store the same image at once: the second gets a name of its
                # own from the storage, which is as good.
                name = default_storage.save(name, ContentFile(data))
        except Exception:
            logger.exception("thumbnail %s could not be stored", identifier)
            continue
        stored[identifier] = (media_type, name)
    return stored


@dataclass(frozen=True)
class ProvenanceReading:
    """What reading an asset's file found, before anything is stored in the database (its
    thumbnails are already in file storage)."""

    verification: Verification
    xmp: XmpMetadata
    runs: list[DetectorRun]
    trust: TrustBundle
    thumbnails: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class PendingReading:
    """A read started by `provenance_read_start`: the file is being read in the pool while the
    caller's thread does something else."""

    asset: Asset
    trust: TrustBundle
    future: concurrent.futures.Future[tuple[Verification, XmpMetadata]]
    timeout: float | None

    def result(self) -> ProvenanceReading:
        """Wait for the read (up to its time limit), then store its thumbnails and run the
        detectors."""
        verification, xmp = self._answer()
        thumbnails = _store_thumbnails(verification.thumbnails)
        runs = _run_detectors(self.asset, verification, xmp)
        return ProvenanceReading(verification, xmp, runs, self.trust, thumbnails)

    def _answer(self) -> tuple[Verification, XmpMetadata]:
        """What the read found, or what went wrong (the time limit, a missing file, native
        code failing on hostile media) as a finding with its reason, never an exception."""
        try:
            return self.future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            return unreadable(
                f"Verification took longer than {settings.C2PA_VERIFY_TIMEOUT} s and was abandoned."
            )
        except FileNotFoundError:
            return unreadable("The stored file is missing.")
        except Exception as exc:  # hostile media: a finding with its reason, never a crash
            logger.exception("verification of asset %s failed", self.asset.pk)
            return unreadable(f"The file could not be read: {type(exc).__name__}: {exc}"[:2000])


def provenance_read_start(*, asset: Asset) -> PendingReading:
    """Start reading the file's credentials and metadata in the pool and return at once, so
    that the caller's thread can work meanwhile (the intake check re-hashes the file). Call it
    outside any transaction: the file is read whole, in native code."""
    trust = effective_trust()
    return _start_verification(asset, trust)


def provenance_read(*, asset: Asset) -> ProvenanceReading:
    """Read the file's credentials and metadata and run the detectors. Call it outside any
    transaction: it reads the whole file, in native code, for up to C2PA_VERIFY_TIMEOUT."""
    return provenance_read_start(asset=asset).result()


def provenance_report_store(
    *,
    asset: Asset,
    reading: ProvenanceReading,
    reason: str = ReportReason.INTAKE,
    requested_by: User | None = None,
) -> ProvenanceReport:
    """Store a reading as the asset's new report, in the caller's transaction (so that it
    commits with whatever else the caller changes, in one commit; an `audit_batch` around it
    writes its audit event with the caller's), and tell the layers above."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("provenance_report_store runs inside the caller's transaction")
    verification, xmp, trust = reading.verification, reading.xmp, reading.trust
    report = ProvenanceReport.objects.create(
        asset=asset,
        state=verification.state,
        codes=verification.codes,
        status=verification.status,
        error=verification.error,
        signer=verification.signer,
        claim_generator=verification.claim_generator[:500],
        title=verification.title[:500],
        actions=verification.actions,
        digital_source_types=verification.digital_source_types,
        ingredients=verification.ingredients,
        ingredient_count=verification.ingredient_count,
        cawg=verification.cawg,
        manifest_store=verification.manifest_store,
        xmp={
            "found": xmp.found,
            "digital_source_type": xmp.digital_source_type,
            "creators": xmp.creators,
            "credit": xmp.credit,
            "creator_tool": xmp.creator_tool,
            "error": xmp.error,
        },
        xmp_digital_source_type=xmp.digital_source_type,
        conflict=metadata_conflict(verification.digital_source_types, xmp.digital_source_type),
        library_version=_library_version(),
        trust_fingerprint=trust.fingerprint,
        duration_ms=verification.duration_ms,
        reason=reason,
        requested_by=requested_by,
    )
    ProvenanceThumbnail.objects.bulk_create(
        [
            ProvenanceThumbnail(
                report=report, identifier=identifier[:500], media_type=media_type[:50], file=name
            )
            for identifier, (media_type, name) in reading.thumbnails.items()
        ]
    )
    for run in reading.runs:
        run.report = report
    DetectorRun.objects.bulk_create(reading.runs)
    audit_record(
        actor=requested_by,
        action="provenance.verified",
        obj=asset,
        details={
            "report_id": report.pk,
            "state": report.state,
            "codes": report.codes,
            "reason": reason,
            "trust_fingerprint": trust.fingerprint,
        },
    )
    # An asset still in its first check has never been approved (it reaches `checking` only
    # from `received`): no sign-off covers it yet, and telling the layers above would cost
    # every upload two queries for nothing.
    if asset.status not in NEVER_APPROVED:
        asset_changed_send(
            asset_id=asset.pk, reason="The provenance check was re-run.", actor=requested_by
        )
    return report


def provenance_verify_asset(
    *,
    asset_id: int,
    reason: str = ReportReason.INTAKE,
    requested_by: User | None = None,
) -> ProvenanceReport:
    """Verify an asset's credentials and metadata and store a new report."""
    asset = Asset.objects.get(pk=asset_id)
    reading = provenance_read(asset=asset)
    with transaction.atomic(), audit_batch():
        return provenance_report_store(
            asset=asset, reading=reading, reason=reason, requested_by=requested_by
        )


# --- trust lists -------------------------------------------------------------------------

ASSETS_TO_RECHECK = (AssetStatus.IN_REVIEW, AssetStatus.CHANGES_REQUESTED)


@transaction.atomic
def trust_list_upload(
    *, kind: str, name: str, raw: bytes, uploaded_by: User
) -> tuple[TrustList, TrustRecheck]:
    """Add a trust bundle (replacing the active one of the same kind) and re-verify the assets
    still in review in the background."""
    parsed = parse_pem_bundle(raw)
    previous = list(TrustList.objects.select_for_update().filter(kind=kind, active=True))
    TrustList.objects.filter(pk__in=[p.pk for p in previous]).update(active=False)
    bundle = TrustList.objects.create(
        kind=kind,
        name=name.strip()[:200] or f"{kind} bundle",
        pem=parsed.pem,
        sha256=parsed.sha256,
        certificate_count=len(parsed.subjects),
        subjects=parsed.subjects,
        uploaded_by=uploaded_by,
    )
    audit_record(
        actor=uploaded_by,
        action="trust.uploaded",
        obj=bundle,
        details={
            "kind": kind,
            "sha256": parsed.sha256,
            "certificates": len(parsed.subjects),
            "replaced": [p.pk for p in previous],
        },
    )
    return bundle, _start_recheck(uploaded_by)


@transaction.atomic
def trust_list_retire(*, bundle_id: int, actor: User) -> TrustRecheck:
    bundle = TrustList.objects.select_for_update().get(pk=bundle_id)
    if bundle.active:
        bundle.active = False
        bundle.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="trust.retired",
            obj=bundle,
            details={"kind": bundle.kind, "sha256": bundle.sha256},
        )
    return _start_recheck(actor)


def trust_change_watch() -> TrustRecheck | None:
    """The bundle files named in settings can change under a running server (an operator drops
    in this month's C2PA trust list). Periodically: when assets in review were last verified
    under another trust than today's, start one re-check for the new fingerprint."""
    fingerprint = effective_trust().fingerprint
    with transaction.atomic():
        # One celery beat runs this (README: production); were two to race, the cost is one
        # repeated re-check, and each step skips assets already re-read under this trust.
        if TrustRecheck.objects.filter(trust_fingerprint=fingerprint).exists():
            return None
        latest = (
            ProvenanceReport.objects.filter(asset=OuterRef("pk"))
            .order_by("-created_at", "-pk")
            .values("trust_fingerprint")[:1]
        )
        stale = (
            Asset.objects.filter(status__in=ASSETS_TO_RECHECK)
            .annotate(fingerprint=Subquery(latest))
            .filter(fingerprint__isnull=False)
            .exclude(fingerprint=fingerprint)
        )
        if not stale.exists():
            return None
        recheck = _start_recheck(None)
        audit_record(
            actor=None,
            action="trust.files_changed",
            obj=recheck,
            details={"trust_fingerprint": fingerprint, "assets": recheck.total},
        )
        return recheck


def _start_recheck(actor: User | None) -> TrustRecheck:
    asset_ids = list(
        Asset.objects.filter(status__in=ASSETS_TO_RECHECK)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recheck = TrustRecheck.objects.create(
        trust_fingerprint=effective_trust().fingerprint,
        total=len(asset_ids),
        requested_by=actor,
    )
    recheck_id = recheck.pk
    transaction.on_commit(lambda: tasks.trust_recheck_run.delay(recheck_id, asset_ids))
    return recheck


def trust_recheck_step(*, recheck_id: int, asset_id: int) -> None:
    recheck = TrustRecheck.objects.get(pk=recheck_id)
    asset = Asset.objects.filter(pk=asset_id, status__in=ASSETS_TO_RECHECK).first()
    # A redelivered run skips the assets it already re-verified under this trust.
    already = ProvenanceReport.objects.filter(
        asset_id=asset_id,
        reason=ReportReason.TRUST_CHANGE,
        trust_fingerprint=recheck.trust_fingerprint,
        created_at__gte=recheck.created_at,
    ).exists()
    if asset is not None and not already:
        provenance_verify_asset(asset_id=asset_id, reason=ReportReason.TRUST_CHANGE)
    # Least: a redelivered run never shows more than 100 %.
    TrustRecheck.objects.filter(pk=recheck_id).update(done=Least(F("done") + 1, F("total")))


def trust_recheck_finish(*, recheck_id: int) -> None:
    TrustRecheck.objects.filter(pk=recheck_id, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )


def provenance_request_recheck(*, asset_id: int, actor: User) -> None:
    """Queue a fresh verification of one asset (an editor's "re-run")."""
    asset = Asset.objects.get(pk=asset_id)
    with transaction.atomic():
        audit_record(actor=actor, action="provenance.recheck_requested", obj=asset)
        actor_id = actor.pk
        transaction.on_commit(
            lambda: tasks.provenance_verify.delay(asset_id, ReportReason.RERUN, actor_id)
        )
