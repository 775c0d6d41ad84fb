"""Consent exports: who may have which PDF, the audit of every PDF that leaves the desk, and the
bulk export (a ZIP of one PDF per asset plus a manifest) built in the background.

The bulk build renders one PDF at a time (in a renderer process it replaces every few dozen
documents, see consent.exports.pdf_writer) and writes it into a ZIP on a temporary file at once, so
memory stays flat however many assets are exported; the finished ZIP is streamed into private
storage. Rendering never runs inside a transaction: each step commits on its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Least
from django.http import Http404
from django.utils import timezone

from accounts.roles import AnyUser
from audit.services import audit_record

# This module queues consent.tasks' export task, and that task runs this module: see there.
from consent import tasks
from consent.errors import ConsentError
from consent.exports.pdf import FORMAT, asset_consent_pdf, bulk_asset_renderer, person_consent_pdf
from consent.models import ConsentExport, ConsentRecord, ExportStatus, Party, Person
from review.access import can_export_consent, can_view_consent_evidence
from review.models import Asset, AssetStatus

logger = logging.getLogger(__name__)

EXPIRING_DAYS = 30
CHUNK = 1024 * 1024

# --- access ---------------------------------------------------------------------------------


def person_for_export(user: AnyUser, pk: int) -> Person:
    """A person's PDF spans assets the user may not all see: legal only. The permission is
    checked before the lookup, so others cannot probe which ids exist."""
    if not can_view_consent_evidence(user):
        raise PermissionDenied("Only legal can export a person's consent across media items.")
    person = Person.objects.select_related("guardian").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


def export_for_user(user: AnyUser, pk: int) -> ConsentExport:
    """A bulk export the user may follow and download: the one who asked for it, or legal."""
    export = ConsentExport.objects.select_related("requested_by").filter(pk=pk).first()
    if export is None:
        raise Http404("No such export.")
    if not (export.requested_by_id == user.pk or can_export_consent(user)):
        raise PermissionDenied("Only legal and the person who asked for it can see this export.")
    return export


# --- audit of single PDFs -------------------------------------------------------------------------


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


def consent_asset_pdf_export(
    *, actor: User | None, asset: Asset, ip_address: str | None, via: str
) -> tuple[bytes, str]:
    """Render an asset's consent PDF and record that it left the desk. The caller has checked
    access. Returns the PDF and its sha256."""
    pdf = asset_consent_pdf(asset)
    return pdf, consent_pdf_exported(
        actor=actor, obj=asset, kind="asset", pdf=pdf, ip_address=ip_address, via=via
    )


def consent_person_pdf_export(
    *, actor: User | None, person: Person, ip_address: str | None, via: str
) -> tuple[bytes, str]:
    pdf = person_consent_pdf(person)
    return pdf, consent_pdf_exported(
        actor=actor, obj=person, kind="person", pdf=pdf, ip_address=ip_address, via=via
    )


def recent_exports(limit: int = 20) -> list[ConsentExport]:
    return list(ConsentExport.objects.select_related("requested_by").order_by("-pk")[:limit])


# --- what a bulk export selects -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    story_ref: str = ""
    expiring: bool = False  # a current consent ends within EXPIRING_DAYS
    status: str = ""  # the asset's status on the desk

    def check(self) -> None:
        if not self.story_ref and not self.expiring:
            raise ConsentError(
                f"Choose a story, or the consents expiring within {EXPIRING_DAYS} days."
            )
        if self.status and self.status not in AssetStatus.values:
            raise ConsentError("Choose a status from the list.")

    def describe(self) -> str:
        parts = []
        if self.story_ref:
            parts.append(f"story “{self.story_ref}”")
        if self.expiring:
            parts.append(f"consent expiring within {EXPIRING_DAYS} days")
        if self.status:
            parts.append(f"status {AssetStatus(self.status).label.lower()}")
        return "Assets with " + ", ".join(parts) if parts else "All assets"


def export_assets(filters: ExportFilters) -> QuerySet[Asset]:
    """The assets a bulk export covers: those with someone on record for consent (a party)
    that match every chosen filter."""
    on_record = Party.objects.filter(removed_at__isnull=True).values("asset_id")
    assets = Asset.objects.filter(pk__in=on_record)
    if filters.story_ref:
        assets = assets.filter(story_ref=filters.story_ref)
    if filters.status:
        assets = assets.filter(status=filters.status)
    if filters.expiring:
        today = timezone.localdate()
        expiring = ConsentRecord.objects.filter(
            lapse__isnull=True,
            superseded_by__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=EXPIRING_DAYS),
        )
        assets = assets.filter(pk__in=expiring.values("asset_id"))
    return assets.order_by("pk")


# --- the bulk export's states ------------------------------------------------------------------


def consent_export_request(
    *, actor: User, filters: ExportFilters, ip_address: str | None = None
) -> ConsentExport:
    """Legal asks for a ZIP of the consent PDFs of the matching assets; the build is queued once
    the row is committed, so the worker always finds it."""
    if not can_export_consent(actor):
        raise ConsentError("Only legal can export consent records.")
    filters.check()
    asset_ids = list(export_assets(filters).values_list("pk", flat=True))
    if not asset_ids:
        raise ConsentError("No media item with consent on record matches these filters.")
    with transaction.atomic():
        export = ConsentExport.objects.create(
            requested_by=actor,
            filters=asdict(filters),
            description=filters.describe()[:300],
            total=len(asset_ids),
        )
        audit_record(
            actor=actor,
            action="consent.export_requested",
            obj=export,
            details={"filters": asdict(filters), "assets": len(asset_ids), "ip": ip_address},
        )
        export_id = export.pk
        transaction.on_commit(lambda: tasks.consent_export_run.delay(export_id, asset_ids))
    return export


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


def consent_export_downloaded(
    *, actor: User, export: ConsentExport, ip_address: str | None
) -> None:
    audit_record(
        actor=actor,
        action="consent.export_downloaded",
        obj=export,
        details={"sha256": export.sha256, "ip": ip_address},
    )
