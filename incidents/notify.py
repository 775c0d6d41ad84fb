"""Telling the standards desk that the CMS has not confirmed a takedown by its deadline, and
telling everyone who decides incidents that one was reported. Runs after commit; a mail failure
is logged, the banner on the desk shows the overdue takedowns and the inbox the new incident
either way."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import Notice
from accounts.notifications import reachable, run_logged, send_each
from accounts.roles import Role
from incidents.models import Decision, Incident, IncidentSource
from review.access import can_decide_incidents
from review.http import absolute_url
from workflow.notify import asset_name, holders_of, settings_footer

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


def notify_incident_reported(*, incident_id: int, actor_id: int | None) -> None:
    """After a report committed (staff, the CMS, the public form, or the desk itself on a lapsed
    consent): one e-mail to each person who may decide incidents and wants it, but the reporter."""
    run_logged(
        lambda: _notify_incident_reported(incident_id, actor_id),
        what=f"incident {incident_id} reported",
    )


def _notify_incident_reported(incident_id: int, actor_id: int | None) -> None:
    incident = Incident.objects.select_related("asset", "reported_by").get(pk=incident_id)
    candidates = User.objects.filter(
        groups__name__in=holders_of("incidents.decide_incident")
    ).distinct()
    people = [
        user
        for user in reachable(candidates, Notice.INCIDENT_REPORTED, actor_id=actor_id)
        if can_decide_incidents(user)
    ]
    if incident.source == IncidentSource.STAFF and incident.reported_by is not None:
        source = f"by {incident.reported_by.get_username()}"
    else:
        source = {
            IncidentSource.PUBLIC: "by a member of the public (the report form)",
            IncidentSource.CMS: "by the CMS",
            IncidentSource.DESK: "by the desk itself: a consent on the published asset lapsed",
        }.get(IncidentSource(incident.source), f"({incident.get_source_display()})")
    # Not the description: it may name the people depicted. The desk shows it, behind the login.
    lines = [
        f"An incident was reported on {asset_name(incident.asset)} {source}.",
        "",
        f"Harm: {incident.get_harm_category_display()}",
        f"Severity: {incident.get_severity_display()}",
    ]
    if incident.decision:
        # A takedown reported and decided at once (an emergency takedown).
        lines.append(f"Already decided: {Decision(incident.decision).label}")
    link = absolute_url(reverse("incidents:asset_incidents", args=[incident.asset_id]))
    body = "\n".join(lines) + f"\n\nRead the report and decide:\n{link}\n"
    send_each(
        people,
        f"Incident reported on asset #{incident.asset_id} ({incident.get_severity_display()})",
        lambda user: (
            f"Hello {user.get_username()},\n\n{body}{settings_footer(Notice.INCIDENT_REPORTED)}"
        ),
        what=f"incident {incident.pk} reported",
    )
