from __future__ import annotations

from celery import shared_task

from review.services import asset_run_checks


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def asset_check(asset_id: int) -> str | None:
    asset = asset_run_checks(asset_id=asset_id)
    return asset.status if asset is not None else None
