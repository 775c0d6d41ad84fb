from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from integrations.delivery import deliveries_due, delivery_attempt

logger = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a worker killed mid-attempt leaves the message for another
# worker; the claim in delivery_attempt makes the second run a no-op until the lease runs out.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int, manual: bool = False) -> str:
    outcome = delivery_attempt(delivery_id, manual=manual)
    # Short waits go to the broker as a countdown. Long ones are left to the periodic sweep:
    # a Redis broker hands an unacknowledged countdown task to another worker after its
    # visibility timeout (one hour), and workers hold every waiting countdown in memory.
    # `next_attempt_at` is stored either way, so nothing depends on the message alone.
    if outcome.retry_in is not None and outcome.retry_in <= settings.WEBHOOK_COUNTDOWN_MAX_SECONDS:
        queue_delivery(delivery_id, countdown=outcome.retry_in)
    return outcome.status


def queue_delivery(delivery_id: int, *, countdown: float = 0.0, manual: bool = False) -> None:
    """Send the delivery's task to the broker. Called after commit; a broker that is down
    must not turn the caller's committed change into an error page: the sweep will find the
    delivery by its `next_attempt_at`."""
    try:
        deliver.apply_async((delivery_id,), {"manual": manual}, countdown=countdown)
    except OperationalError:
        logger.warning("Could not queue webhook delivery %s; the sweep will retry it", delivery_id)


@shared_task
def retry_due_deliveries() -> list[int]:
    """Periodic (celery beat): queue deliveries whose next attempt is overdue: retries too far
    off for a countdown, messages the broker lost, attempts whose worker died."""
    due = deliveries_due(
        timezone.now(),
        grace_seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS,
        limit=settings.WEBHOOK_SWEEP_BATCH,
    )
    for delivery_id in due:
        queue_delivery(delivery_id)
    return due
