"""The bulk consent export's build (the background task's body) and the audit of every consent
PDF that leaves the desk.

The build renders one PDF at a time (in a renderer process it replaces every few dozen
documents, see consent.exports.pdf_writer) and writes it into a ZIP on a temporary file at once,
so memory stays flat however many assets are exported; the finished ZIP is streamed into private
storage. Rendering never runs inside a transaction: each step commits on its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from audit.services import audit_record
from consent.exports.pdf import FORMAT, bulk_asset_renderer
from consent.models import ConsentExport, ExportStatus, Person
from review.models import Asset

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


def consent_pdf_exported(
    *,
    actor: User | None,
    obj: Asset | Person,
    kind: str,
    pdf: bytes,
    ip_address: str | None,
    via: str,
) -> str:
    """Record that a consent PDF left the desk (a download, the command line or a bulk export)
    and return its sha256. Called after rendering: the event names the exact file handed out."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    audit_record(
        actor=actor,
        action="consent.exported",
        obj=obj,
        details={"kind": kind, "sha256": sha256, "size": len(pdf), "ip": ip_address, "via": via},
    )
    return sha256


def _claim(export_id: int) -> ConsentExport | None:
    # Compare-and-swap: only a queued export starts, or a running one whose worker died
    # (acks_late redelivers the task); a finished or failed export is never rebuilt.
    claimed = ConsentExport.objects.filter(
        pk=export_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.RUNNING, done=0, error="")
    if not claimed:
        return None
    return ConsentExport.objects.select_related("requested_by").get(pk=export_id)


def _write_pdfs(
    export: ConsentExport,
    asset_ids: list[int],
    archive: zipfile.ZipFile,
    render: Callable[[Asset], bytes],
) -> None:
    files: list[dict[str, Any]] = []
    for asset_id in asset_ids:
        asset = Asset.objects.filter(pk=asset_id).first()
        if asset is not None:
            pdf = render(asset)
            name = f"asset-{asset.pk}-consent.pdf"
            # PDFs are compressed inside already: storing them saves CPU and loses nothing.
            archive.writestr(name, pdf, compress_type=zipfile.ZIP_STORED)
            sha256 = consent_pdf_exported(
                actor=export.requested_by,
                obj=asset,
                kind="asset",
                pdf=pdf,
                ip_address=None,
                via=f"bulk export {export.pk}",
            )
            files.append(
                {
                    "name": name,
                    "sha256": sha256,
                    "size": len(pdf),
                    "asset_id": asset.pk,
                    "asset_sha256": asset.sha256,
                    "asset_filename": asset.original_filename,
                }
            )
            del pdf
        # Least: a redelivered run never shows more than 100 %.
        ConsentExport.objects.filter(pk=export.pk).update(done=Least(F("done") + 1, F("total")))
    manifest = {
        "format": FORMAT,
        "export_id": export.pk,
        "description": export.description,
        "filters": export.filters,
        "requested_by": export.requested_by.get_username(),
        "requested_at": export.created_at.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "files": files,
        "skipped_asset_ids": sorted(set(asset_ids) - {f["asset_id"] for f in files}),
    }
    archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))


def _digest(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def consent_export_build(*, export_id: int, asset_ids: list[int]) -> str:
    """Build the ZIP (the task's body). Returns the export's final status."""
    export = _claim(export_id)
    if export is None:
        current = ConsentExport.objects.filter(pk=export_id).values_list("status", flat=True)
        return current.first() or ""
    stored = ""
    try:
        with tempfile.TemporaryFile(suffix=".zip") as handle:
            with (
                zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
                bulk_asset_renderer() as render,
            ):
                _write_pdfs(export, asset_ids, archive, render)
            sha256 = _digest(handle)
            name = f"consent-exports/consent-export-{export.pk}.zip"
            stored = export.file.storage.save(name, File(handle, name=name))
        with transaction.atomic():
            finished = ConsentExport.objects.filter(
                pk=export.pk, status=ExportStatus.RUNNING
            ).update(
                status=ExportStatus.DONE,
                file=stored,
                sha256=sha256,
                done=F("total"),
                finished_at=timezone.now(),
            )
            if finished:
                audit_record(
                    actor=export.requested_by,
                    action="consent.export_built",
                    obj=export,
                    details={"sha256": sha256, "files": len(asset_ids), "file": stored},
                )
        if not finished:
            # Someone else finished or failed it meanwhile (a redelivered duplicate).
            export.file.storage.delete(stored)
        return ExportStatus.DONE if finished else ""
    except Exception as exc:
        logger.exception("consent export %s failed", export_id)
        if stored:
            export.file.storage.delete(stored)
        with transaction.atomic():
            ConsentExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:1000],
                finished_at=timezone.now(),
            )
            audit_record(
                actor=export.requested_by,
                action="consent.export_failed",
                obj=export,
                details={"error": type(exc).__name__},
            )
        return ExportStatus.FAILED
