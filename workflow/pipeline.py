"""The checks that move an asset from `checking` into review, run by the background task
(workflow.tasks.asset_check): re-hash and decode the stored file, then read its Content
Credentials (provenance). Reads run outside any transaction; only the outcome is written, by
the one status writer.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from PIL import Image

from provenance.services import provenance_verify_asset
from review.intake import HASH_CHUNK
from review.models import Asset, AssetStatus, MediaKind
from review.transitions import IllegalTransition, asset_transition

logger = logging.getLogger(__name__)


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
        with asset.file.open("rb") as handle:
            digest = hashlib.sha256()
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != asset.sha256:
                problems.append("The stored file no longer matches the uploaded file's sha256.")
            facts["sha256_verified"] = digest.hexdigest() == asset.sha256
            if asset.media_kind == MediaKind.IMAGE:
                handle.seek(0)
                try:
                    with Image.open(handle) as image:
                        facts["width"], facts["height"] = image.size
                # Pillow raises far more than OSError on hostile input: DecompressionBombError,
                # SyntaxError, ValueError, struct.error. Any of them is a finding, not a crash.
                except Exception as exc:
                    problems.append(f"The image could not be decoded: {exc}")
    except FileNotFoundError:
        problems.append("The stored file is missing.")
    return CheckOutcome(problems, facts)


def _verify_provenance(asset: Asset, reason: str) -> list[str]:
    """Read the file's Content Credentials and metadata into a ProvenanceReport. Whatever the
    credentials say is a finding, not a problem; only a verifier crash is a problem, and it
    blocks nothing: the asset goes to review and an editor can re-run the check."""
    try:
        provenance_verify_asset(asset_id=asset.pk, reason=reason)
    except Exception as exc:
        logger.exception("provenance check of asset %s failed", asset.pk)
        return [f"The provenance check failed ({type(exc).__name__}); re-run it from this page."]
    return []


def asset_run_checks(*, asset_id: int, reason: str = "intake") -> Asset | None:
    """Run the intake checks and move the asset into review. Safe to run twice: a second run
    finds the asset no longer `checking` and does nothing."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status != AssetStatus.CHECKING:
        logger.debug("asset %s is not waiting for checks; skipping", asset_id)
        return asset
    outcome = _inspect_file(asset)
    if "The stored file is missing." not in outcome.problems:
        outcome.problems.extend(_verify_provenance(asset, reason))
    try:
        with transaction.atomic():
            return asset_transition(
                asset=asset_id,
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
        return moved.asset  # withdrawn (or checked by another worker) while we were reading
