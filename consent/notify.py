"""Telling people a consent lapsed on an asset the audience may already see: legal, and the
editor who approved it. Runs after commit; a mail failure is logged, the alert stays on the
legal dashboard either way."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from consent.models import ConsentAlert
from review.http import absolute_url

logger = logging.getLogger(__name__)


def _approving_editor(asset_id: int) -> User | None:
    event = (
        AuditEvent.objects.filter(
            object_type="review.asset", object_id=str(asset_id), action="asset.approve"
        )
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    return event.actor if event is not None else None


def alert_recipients(asset_id: int) -> list[str]:
    users = list(User.objects.filter(groups__name=Role.LEGAL, is_active=True))
    editor = _approving_editor(asset_id)
    if editor is not None:
        users.append(editor)
    return sorted({u.email for u in users if u.email})


def notify_consent_lapsed(alert_id: int) -> None:
    alert = ConsentAlert.objects.select_related("asset", "lapse__record").get(pk=alert_id)
    record = alert.lapse.record
    recipients = alert_recipients(alert.asset_id)
    if not recipients:
        logger.warning("consent alert %s: nobody to tell (no legal e-mail addresses)", alert_id)
        return
    url = absolute_url(reverse("consent:asset", args=[alert.asset_id]))
    subject = (
        f"[Proofdesk] Consent {alert.lapse.get_kind_display().lower()} on "
        f"{alert.asset_status} asset #{alert.asset_id}"
    )
    body = (
        f"The consent of {record.signed_name} for asset #{alert.asset_id} "
        f"({alert.asset.original_filename}) was {alert.lapse.get_kind_display().lower()} "
        f"on {alert.lapse.effective_at:%Y-%m-%d %H:%M}.\n"
        f"The asset is {alert.asset_status}: decide whether to correct or take it down.\n\n"
        f"{url}\n"
    )
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the alert is on the dashboard whatever the mail server does
        logger.exception("consent alert %s: could not send the e-mail", alert_id)
