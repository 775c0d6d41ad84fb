"""Recovering from a server or worker that died mid-work, without a broker or beat to do it:
checks left `checking` are run again, and upload temporary files nobody will read are removed.
`manage.py recover` runs it (at start-up, and from cron: README, production)."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from review.models import Asset, AssetStatus
from review.selectors import assets_stuck_in_checks
from workflow.tasks import asset_check

logger = logging.getLogger(__name__)
# Django names an upload's temporary file tmpXXXXXXXX.upload.<ext> (TemporaryUploadedFile).
UPLOAD_TEMP_GLOB = "tmp*.upload*"


@dataclass(frozen=True)
class Recovered:
    checks: list[int]
    temp_files: list[str]


def recover_stuck_checks(*, all_checking: bool = False) -> list[int]:
    """Queue the checks of assets stuck in `checking` (in-process: run them now). At start-up
    with no broker, nothing else can be checking anything, so `all_checking` takes them all
    rather than only those older than CHECK_STUCK_AFTER_SECONDS."""
    if all_checking:
        asset_ids = list(
            Asset.objects.filter(status=AssetStatus.CHECKING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        asset_ids = assets_stuck_in_checks()
    for asset_id in asset_ids:
        asset_check.delay(asset_id, "recovery")
    return asset_ids


def remove_stale_upload_files(*, now: float | None = None) -> list[str]:
    """Upload temporary files older than UPLOAD_TEMP_MAX_AGE_HOURS: a request that ran that
    long was killed with its server (a finished one closes, and so removes, its file)."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())
    cutoff = (now or time.time()) - settings.UPLOAD_TEMP_MAX_AGE_HOURS * 3600
    removed = []
    for path in folder.glob(UPLOAD_TEMP_GLOB):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except OSError:  # gone meanwhile, or not ours to remove
            logger.warning("could not remove stale upload file %s", path, exc_info=True)
    return removed


def recover(*, startup: bool = False) -> Recovered:
    return Recovered(recover_stuck_checks(all_checking=startup), remove_stale_upload_files())
