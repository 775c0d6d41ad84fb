from __future__ import annotations

from celery import current_app, shared_task
from django.conf import settings

from review.selectors import assets_stuck_in_checks
from workflow.pipeline import asset_run_checks


# acks_late + reject_on_worker_lost: a worker killed mid-check leaves the message on the broker
# and another worker redelivers it; asset_run_checks skips assets already checked.
# time_limit: a read that overruns is abandoned by the check itself (C2PA_VERIFY_TIMEOUT) but
# its native thread lives on; past this hard limit the pool replaces the whole process. It ends
# before the sweep would call the check stuck, so a running check is never queued twice.
# Task names are those of the module the tasks lived in before the workflow layer existed, so
# that messages already queued on a broker, and beat schedules, still find them.
@shared_task(
    name="review.tasks.asset_check",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=max(60, settings.CHECK_STUCK_AFTER_SECONDS - 60),
)
def asset_check(asset_id: int, reason: str = "intake") -> str | None:
    asset = asset_run_checks(asset_id=asset_id, reason=reason)
    return asset.status if asset is not None else None


@shared_task(name="review.tasks.sweep_stuck_checks")
def sweep_stuck_checks() -> list[int]:
    """Periodic (celery beat): re-queue checks stuck past CHECK_STUCK_AFTER_SECONDS, for
    brokers that lost the message or workers that died before acknowledging it."""
    asset_ids = assets_stuck_in_checks()
    for asset_id in asset_ids:
        asset_check.delay(asset_id, "sweep")
    return asset_ids


def tasks_run_in_process() -> bool:
    """Whether a queued task has already run when `.delay()` returns (no broker: the laptop
    default). Asks the Celery app, not Django's setting, which a test or worker may override."""
    return bool(current_app.conf.task_always_eager)
