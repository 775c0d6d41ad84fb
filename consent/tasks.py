from __future__ import annotations

from celery import shared_task

from consent.services import consent_expire_due


@shared_task
def expire_consents() -> list[int]:
    """Daily (celery beat): record the expiry of consents past their term."""
    return consent_expire_due()
