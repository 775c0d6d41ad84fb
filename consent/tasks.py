from __future__ import annotations

from celery import shared_task

from consent.services import consent_expire_due


@shared_task
def expire_consents() -> list[int]:
    """Daily (celery beat): record the expiry of consents past their term."""
    return consent_expire_due()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def consent_export_run(export_id: int, asset_ids: list[int]) -> str:
    """Build a bulk consent export (a ZIP of PDFs); progress is on the ConsentExport row."""
    # Imported here: the PDF renderer (WeasyPrint) is heavy, and the beat and other tasks
    # of this module never need it.
    from consent.exports.services import consent_export_build

    return consent_export_build(export_id=export_id, asset_ids=asset_ids)
