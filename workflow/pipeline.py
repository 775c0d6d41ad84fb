"""The checks that move an asset from `checking` into review, run by the background task
(workflow.tasks.asset_check): re-hash and decode the stored file and read its Content
Credentials (provenance), both at once for large files. Reads run outside any transaction; the
outcome (the provenance report, the asset's move into review and their audit events) is written
in one transaction, by the one status writer, with one commit and one batch of audit events.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from PIL import Image

from audit.services import audit_batch
from provenance.services import (
    ProvenanceReading,
    provenance_read,
    provenance_read_start,
    provenance_report_store,
)
from review.images import decodable_image_type
from review.intake import HASH_CHUNK
from review.models import Asset, AssetStatus, MediaKind
from review.transitions import IllegalTransition, asset_transition

logger = logging.getLogger(__name__)

FILE_MISSING = "The stored file is missing."
# From this size the file is re-hashed on the check's thread while the credentials are read in
# the provenance pool. Both read the whole file and both let go of the GIL while they work
# (hashlib on large chunks, the C2PA reader in native code), so on two cores the check takes
# about as long as the longer of the two. Below it the re-hash is mostly Python (Pillow's
# header read), which the reader's callbacks would wait on for the GIL: one after the other
# is quicker (bench/provenance.py: 0.7 ms against 1.7-2.0 ms for the corpus's small files).
PARALLEL_REHASH_BYTES = 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class CheckOutcome:
    problems: list[str]
    facts: dict[str, Any]


def _inspect_file(asset: Asset) -> CheckOutcome:
    """Re-read the stored file: does it still hash to what was uploaded, what are its
    dimensions. Runs outside any transaction: it reads the whole file."""
    problems: list[str] = []
    facts: dict[str, Any] = {}
    try:
        # A file object of its own: `asset.file.open()` hands back the one FieldFile, whose
        # file the credentials read running beside this one would close under it.
        with asset.file.storage.open(asset.file.name, "rb") as handle:
            digest = hashlib.sha256()
            # One buffer filled again and again: a fresh megabyte per read costs the kernel
            # page faults that show on a large file.
            buffer = bytearray(HASH_CHUNK)
            view = memoryview(buffer)
            while count := handle.readinto(buffer):
                digest.update(view[:count])
            if digest.hexdigest() != asset.sha256:
                problems.append("The stored file no longer matches the uploaded file's sha256.")
            facts["sha256_verified"] = digest.hexdigest() == asset.sha256
            # SVG and JPEG XL are never decoded: no dimensions, and no "could not be decoded".
            if asset.media_kind == MediaKind.IMAGE and decodable_image_type(asset.media_type):
                handle.seek(0)
                try:
                    with Image.open(handle) as image:
                        facts["width"], facts["height"] = image.size
                # Pillow raises far more than OSError on hostile input: DecompressionBombError,
                # SyntaxError, ValueError, struct.error. Any of them is a finding, not a crash.
                except Exception as exc:
                    problems.append(f"The image could not be decoded: {exc}")
    except FileNotFoundError:
        problems.append(FILE_MISSING)
    return CheckOutcome(problems, facts)


def _provenance_failed(exc: Exception) -> str:
    return f"The provenance check failed ({type(exc).__name__}); re-run it from this page."


def _guarded(asset: Asset, step: Callable[[], T]) -> tuple[T | None, list[str]]:
    """Whatever the credentials say is a finding, not a problem; only a verifier crash is a
    problem, and it blocks nothing: the asset goes to review and an editor can re-run the
    check."""
    try:
        return step(), []
    except Exception as exc:
        logger.exception("provenance check of asset %s failed", asset.pk)
        return None, [_provenance_failed(exc)]


def _read(asset: Asset) -> tuple[CheckOutcome, ProvenanceReading | None]:
    """Everything the checks read from the file, before anything is written."""
    if asset.size_bytes < PARALLEL_REHASH_BYTES:
        outcome = _inspect_file(asset)
        if FILE_MISSING in outcome.problems:
            return outcome, None
        reading, problems = _guarded(asset, lambda: provenance_read(asset=asset))
        return CheckOutcome([*outcome.problems, *problems], outcome.facts), reading
    # The read starts in the provenance pool and this thread re-hashes meanwhile. (With the
    # re-hash in a thread of its own as well, the 12 MiB JPEG's check took 3-4 ms longer.)
    pending, problems = _guarded(asset, lambda: provenance_read_start(asset=asset))
    outcome = _inspect_file(asset)
    reading = None
    if pending is not None:
        reading, problems = _guarded(asset, pending.result)
    if FILE_MISSING in outcome.problems:
        return outcome, None  # what the reader says about a missing file is no finding
    return CheckOutcome([*outcome.problems, *problems], outcome.facts), reading


def _record(
    asset_id: int, outcome: CheckOutcome, reading: ProvenanceReading | None, reason: str
) -> Asset:
    """The report and the move into review, with their audit events, in one commit."""
    with transaction.atomic(), audit_batch():
        # Locked first, as every status change does (then the audit head, at the batch's end):
        # the same order everywhere, so two writers wait for each other instead of deadlocking.
        # Without lock_asset's join of the uploader, which nothing here reads.
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        if reading is not None:
            provenance_report_store(asset=asset, reading=reading, reason=reason)
        try:
            return asset_transition(
                asset=asset,
                to_state=AssetStatus.IN_REVIEW,
                from_states={AssetStatus.CHECKING},
                actor=None,
                event="asset.checked",
                details={"problems": outcome.problems, **outcome.facts},
                fields={
                    "width": outcome.facts.get("width"),
                    "height": outcome.facts.get("height"),
                    "check_error": "\n".join(outcome.problems),
                },
            )
        except IllegalTransition as moved:
            # Withdrawn (or checked by another worker) while we were reading: the report is
            # still what the file says, and is kept.
            return moved.asset


def asset_run_checks(*, asset_id: int, reason: str = "intake") -> Asset | None:
    """Run the intake checks and move the asset into review. Safe to run twice: a second run
    finds the asset no longer `checking` and does nothing."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status != AssetStatus.CHECKING:
        logger.debug("asset %s is not waiting for checks; skipping", asset_id)
        return asset
    outcome, reading = _read(asset)
    try:
        return _record(asset_id, outcome, reading, reason)
    except Exception as exc:
        if reading is None:
            raise
        # The database refused the report (a manifest it cannot store, say). That is the
        # provenance check failing, not the checks: the asset still goes to review, without it.
        logger.exception("storing the provenance report of asset %s failed", asset_id)
        problems = [*outcome.problems, _provenance_failed(exc)]
        return _record(asset_id, CheckOutcome(problems, outcome.facts), None, reason)
