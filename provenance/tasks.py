from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

# Tasks call services and services queue tasks: see provenance.services.
from provenance import services


@shared_task(acks_late=True)
def trust_recheck_run(recheck_id: int, asset_ids: list[int]) -> int:
    # One task walks the list so progress moves in order; each step commits on its own, so a
    # restarted worker's redelivery repeats only the cheap tail of the work.
    for asset_id in asset_ids:
        services.trust_recheck_step(recheck_id=recheck_id, asset_id=asset_id)
    services.trust_recheck_finish(recheck_id=recheck_id)
    return len(asset_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=300)
def provenance_verify(asset_id: int, reason: str, requested_by_id: int | None = None) -> str:
    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    report = services.provenance_verify_asset(asset_id=asset_id, reason=reason, requested_by=user)
    return str(report.state)


@shared_task
def trust_files_watch() -> int | None:
    """Periodic (celery beat): re-check the assets in review when the trust bundle files named
    in settings changed on disk."""
    recheck = services.trust_change_watch()
    return recheck.pk if recheck is not None else None
