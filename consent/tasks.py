from __future__ import annotations

from celery import shared_task

from consent.exports.build import consent_export_build
from consent.remote.tasks import consent_preview_make  # noqa: F401  (registered with the worker)
from consent.services import consent_expire_due


@shared_task
def expire_consents() -> list[int]:
    """Daily (celery beat): record the expiry of consents past their term."""
    return consent_expire_due()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def consent_export_run(export_id: int, asset_ids: list[int]) -> str:
    """Build a bulk consent export (a ZIP of PDFs); progress is on the ConsentExport row."""
    return consent_export_build(export_id=export_id, asset_ids=asset_ids)
