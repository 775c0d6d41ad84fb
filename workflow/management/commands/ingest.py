"""Bulk intake from disk (wire folders): every file becomes an asset, verified before the
command returns. A C2PA sidecar manifest beside a file (photo.c2pa or photo.jpg.c2pa next to
photo.jpg) goes in with it and is verified against it; it is not an asset of its own."""

from __future__ import annotations

import contextlib
import glob
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.models import ProvenanceReport
from review.intake import (
    ORPHAN_SIDECAR,
    SIDECAR_SUFFIX,
    IntakeError,
    is_sidecar_name,
    sha256_of_path,
)
from review.models import Asset, AssetSource
from workflow.pipeline import asset_run_checks
from workflow.services import asset_intake

logger = logging.getLogger(__name__)


def _files(paths: list[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def sidecar_beside(path: Path) -> Path | None:
    """The sidecar manifest of `path`: photo.jpg.c2pa, else photo.c2pa."""
    appended = path.parent / f"{path.name}{SIDECAR_SUFFIX}"
    for candidate in (appended, path.with_suffix(SIDECAR_SUFFIX)):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def _claimed(sidecar: Path) -> bool:
    """Whether a media file beside `sidecar` takes it as its own (and ingests it with itself)."""
    stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
    siblings = [sidecar.parent / stem, *sidecar.parent.glob(f"{glob.escape(stem)}.*")]
    return any(
        s.is_file() and not is_sidecar_name(s.name) and sidecar_beside(s) == sidecar
        for s in siblings
    )


def _summary(asset: Asset, report: ProvenanceReport | None) -> dict[str, Any]:
    provenance: dict[str, Any] | None = None
    if report is not None:
        provenance = {
            "state": report.state,
            "codes": report.codes,
            "signer": report.signer.get("organisation") or report.signer.get("common_name") or "",
            "claim_generator": report.claim_generator,
            "digital_source_types": report.digital_source_types,
            "ingredients": report.ingredient_count,
            "xmp_digital_source_type": report.xmp_digital_source_type,
            "conflict": report.conflict,
            "error": report.error,
        }
    return {
        "id": asset.pk,
        "filename": asset.original_filename,
        "sha256": asset.sha256,
        "media_type": asset.media_type,
        "size": asset.size_bytes,
        "status": asset.status,
        "provenance": provenance,
    }


class Command(BaseCommand):
    help = "Ingest media files and folders (recursively) and verify their provenance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--json", action="store_true", help="One JSON object per file per line."
        )
        parser.add_argument("--uploader", default="", help="Username the assets are filed under.")
        parser.add_argument("--source", default=AssetSource.AGENCY, choices=AssetSource.values)
        parser.add_argument("--story", default="", help="Story reference for every file.")

    def handle(self, *args: Any, **options: Any) -> None:
        uploader = self._uploader(options["uploader"])
        failures = 0
        for path in _files(options["paths"]):
            if is_sidecar_name(path.name):
                if _claimed(path):
                    continue  # ingested with its media file
                failures += 1
                line = {"filename": path.name, "path": str(path), "error": ORPHAN_SIDECAR}
                self._emit(line, as_json=options["json"])
                continue
            try:
                line = self._ingest(path, uploader, options)
            except (IntakeError, OSError) as exc:
                failures += 1
                line = {"filename": path.name, "path": str(path), "error": str(exc)}
            except Exception as exc:  # one bad file never stops a wire folder's intake
                logger.exception("ingest of %s failed", path)
                failures += 1
                line = {
                    "filename": path.name,
                    "path": str(path),
                    "error": f"{type(exc).__name__}: {exc}",
                }
            self._emit(line, as_json=options["json"])
        if failures:
            raise CommandError(f"{failures} file(s) could not be ingested.", returncode=1)

    def _uploader(self, username: str) -> Any:
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
            return user
        user = (
            users.filter(groups__name="reporter").order_by("pk").first()
            or users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("No uploader: pass --uploader USERNAME.")
        return user

    def _ingest(self, path: Path, uploader: Any, options: dict[str, Any]) -> dict[str, Any]:
        if not path.is_file():
            raise IntakeError(f"No such file: {path}")
        digest = sha256_of_path(path)
        sidecar = sidecar_beside(path)
        with path.open("rb") as handle, contextlib.ExitStack() as stack:
            sidecar_file = None
            if sidecar is not None:
                sidecar_file = File(stack.enter_context(sidecar.open("rb")), name=sidecar.name)
            result = asset_intake(
                uploaded_by=uploader,
                content=File(handle, name=path.name),
                sha256=digest,
                original_filename=path.name,
                source=options["source"],
                story_ref=options["story"],
                sidecar=sidecar_file,
            )
        # With a broker the worker will find the checks done and skip them.
        asset = asset_run_checks(asset_id=result.asset.pk) or result.asset
        asset.refresh_from_db()
        report = asset.provenance_reports.order_by("-created_at", "-pk").first()
        return {
            **_summary(asset, report),
            "path": str(path),
            "sidecar": str(sidecar) if sidecar is not None else None,
        }

    def _emit(self, line: dict[str, Any], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(line, sort_keys=True))
        elif "error" in line:
            self.stderr.write(f"{line['path']}: NOT INGESTED: {line['error']}")
        else:
            prov = line["provenance"] or {}
            self.stdout.write(
                f"#{line['id']} {line['filename']}: {line['status']}, "
                f"provenance {prov.get('state', 'not checked')}"
                + (f" ({', '.join(prov['codes'])})" if prov.get("codes") else "")
            )
