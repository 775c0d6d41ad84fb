from __future__ import annotations

from celery import shared_task

from incidents.services import takedown_escalate_overdue


@shared_task
def escalate_overdue_takedowns() -> list[int]:
    """Periodic (celery beat): flag and e-mail takedowns the CMS has not confirmed in time."""
    return takedown_escalate_overdue()
