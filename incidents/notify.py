"""Telling the standards desk that the CMS has not confirmed a takedown by its deadline. Runs
after commit; a mail failure is logged, the banner on the desk shows the overdue takedowns
either way."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.urls import reverse

from accounts.roles import Role
from incidents.models import Incident
from review.http import absolute_url

logger = logging.getLogger(__name__)


def standards_emails() -> list[str]:
    users = User.objects.filter(groups__name=Role.STANDARDS, is_active=True).exclude(email="")
    return sorted({user.email for user in users})


def notify_overdue_takedowns(incident_ids: list[int]) -> None:
    incidents = list(Incident.objects.filter(pk__in=incident_ids).order_by("takedown_deadline"))
    recipients = standards_emails()
    if not incidents or not recipients:
        return
    inbox = absolute_url(reverse("incidents:inbox"))
    lines = [
        f"- Asset {incident.asset_id} (incident {incident.pk}): the deadline was "
        f"{incident.takedown_deadline:%Y-%m-%d %H:%M %Z}."
        for incident in incidents
    ]
    body = (
        "The CMS has not confirmed these takedowns by their deadline. Check that the media is "
        "no longer shown, and chase the CMS team:\n\n" + "\n".join(lines) + f"\n\n{inbox}\n"
    )
    count = len(incidents)
    subject = f"Proofdesk: {count} takedown{'s' if count != 1 else ''} not confirmed in time"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        logger.exception("could not e-mail standards about overdue takedowns %s", incident_ids)
