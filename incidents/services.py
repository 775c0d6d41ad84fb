"""Writes to incidents: a report, and the standards desk's decision on it. Each is one atomic
block that locks the row it changes, asks `incident_denial` under the lock, writes, and records
an audit event. A decision is announced as `incidents.events.incident_decided` inside the same
transaction; the CMS integration turns it into an outbox event, so the event and the decision
commit or roll back together.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from incidents.access import IncidentAction, incident_denial
from incidents.events import incident_decided
from incidents.models import (
    NEEDS_PUBLIC_NOTE,
    Decision,
    HarmCategory,
    Incident,
    IncidentSource,
    IncidentStatus,
    Severity,
)
from review.access import Denial
from review.models import Asset

MAX_TEXT = 5000


class IncidentError(Exception):
    """Base of the incident domain errors."""


class IncidentRefused(IncidentError):
    """The actor may not do this now: `denial.kind` is "role" (403) or "state" (409)."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.message)
        self.denial = denial


class InvalidIncident(IncidentError):
    """The input itself is wrong (400): an unknown category, a missing text."""


def _clean_text(value: str, *, what: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidIncident(f"{what} is required.")
    if len(value) > MAX_TEXT:
        raise InvalidIncident(f"{what} is too long (at most {MAX_TEXT} characters).")
    return value


def _check_choice(value: str, allowed: list[str], what: str) -> None:
    if value not in allowed:
        raise InvalidIncident(f"Unknown {what} {value!r}.")


@transaction.atomic
def incident_report(
    *,
    asset_id: int,
    reported_by: User | None,
    harm_category: str,
    severity: str,
    description: str,
    source: str,
) -> Incident:
    """Open an incident on an approved or published asset. `reported_by` is the desk member
    who reports it (required for staff reports), None for a report from the CMS or the public.
    """
    _check_choice(harm_category, HarmCategory.values, "harm category")
    _check_choice(severity, Severity.values, "severity")
    _check_choice(source, IncidentSource.values, "source")
    if source == IncidentSource.STAFF and reported_by is None:
        raise InvalidIncident("A staff report needs the staff member who makes it.")
    description = _clean_text(description, what="A description of the harm", required=True)
    # The asset's status is checked under its lock: a withdrawal committed at the same moment
    # is seen, not raced.
    asset = Asset.objects.select_for_update().get(pk=asset_id)
    denial = incident_denial(reported_by, asset, IncidentAction.REPORT)
    if denial is not None:
        raise IncidentRefused(denial)
    incident = Incident.objects.create(
        asset=asset,
        harm_category=harm_category,
        severity=severity,
        description=description,
        source=source,
        reported_by=reported_by,
    )
    audit_record(
        actor=reported_by,
        action="incident.reported",
        obj=incident,
        to_state=IncidentStatus.OPEN,
        # Not the description: the chained audit log cannot be redacted, and a description
        # may name the people depicted. It stays on the incident row.
        details={
            "asset_id": asset.pk,
            "harm_category": harm_category,
            "severity": severity,
            "source": source,
        },
    )
    return incident


@transaction.atomic
def incident_decide(
    *, incident_id: int, actor: User, decision: str, public_note: str, note: str
) -> Incident:
    """Record the standards desk's decision on an open incident and tell the CMS (takedown:
    `asset.takedown_requested`; correction or relabel: `asset.correction_issued`)."""
    _check_choice(decision, Decision.values, "decision")
    public_note = _clean_text(
        public_note,
        what="The public note (the text the audience reads)",
        required=decision in NEEDS_PUBLIC_NOTE,
    )
    note = _clean_text(note, what="The internal note", required=False)
    # The lock makes two standards editors deciding at once take turns: the second sees the
    # first one's decision and is refused, instead of both decisions (and both webhooks) going
    # out.
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("asset", "decided_by")
        .get(pk=incident_id)
    )
    denial = incident_denial(actor, incident.asset, IncidentAction.DECIDE, incident)
    if denial is not None:
        if denial.kind == "state":
            denial = Denial("state", denial.message + _who_decided(incident))
        raise IncidentRefused(denial)
    now = timezone.now()
    incident.status = IncidentStatus.DECIDED
    incident.decision = decision
    incident.public_note = public_note
    incident.decision_note = note
    incident.decided_by = actor
    incident.decided_at = now
    incident.save(
        update_fields=[
            "status",
            "decision",
            "public_note",
            "decision_note",
            "decided_by",
            "decided_at",
        ]
    )
    audit_record(
        actor=actor,
        action="incident.decided",
        obj=incident,
        from_state=IncidentStatus.OPEN,
        to_state=IncidentStatus.DECIDED,
        details={
            "asset_id": incident.asset_id,
            "decision": decision,
            # Not the internal note: the chain cannot be redacted and the note may name people
            # (it stays on the incident row), as the report's description does.
            "public_note": public_note,
        },
    )
    incident_decided.send(sender=Incident, incident=incident, decided_at=now)
    return incident


def _who_decided(incident: Incident) -> str:
    if incident.decided_by is None or incident.decided_at is None:
        return ""
    when = timezone.localtime(incident.decided_at).strftime("%Y-%m-%d %H:%M:%S")
    label = Decision(incident.decision).label.lower()
    return f" {incident.decided_by.get_username()} decided “{label}” at {when}."
