"""Wagtail's page signals, for every way a page goes live or down (the editor's button, a
bulk action, a workflow's approval, scheduled publishing). They record what changed, in the
publishing transaction; Proofdesk is told after the commit."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from wagtail.models import Page

from wagtail_proofdesk import services

logger = logging.getLogger(__name__)


def _report_after_publish(page_id: int) -> None:
    try:
        services.after_publish(page_id)
    except Exception:
        # The page is live and its rows are kept: `manage.py proofdesk_sync` reports them.
        logger.exception("Reporting page %s's publication to Proofdesk failed", page_id)


def _report_withdrawals(page_id: int) -> None:
    try:
        services.publications_report(page_id=page_id)
    except Exception:
        logger.exception("Reporting page %s's unpublication to Proofdesk failed", page_id)


def on_page_published(sender: Any, instance: Page, **kwargs: Any) -> None:
    services.page_publications_sync(instance)
    transaction.on_commit(partial(_report_after_publish, instance.pk))


def on_page_unpublished(sender: Any, instance: Page, **kwargs: Any) -> None:
    if services.page_publications_withdraw(instance.pk, "The page was unpublished in Wagtail."):
        transaction.on_commit(partial(_report_withdrawals, instance.pk))
