"""Writes to incidents: a report, and the standards desk's decision on it. Each is one atomic
block that locks the row it changes, asks `incident_denial` under the lock, writes, and records
an audit event. A decision is announced as `incidents.events.incident_decided` inside the same
transaction; the CMS integration turns it into an outbox event, so the event and the decision
commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
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
    PublicReport,
    Severity,
)
from incidents.notify import notify_incident_reported, notify_overdue_takedowns
from labeling.models import Label
from labeling.services import LabelingError, label_set
from labeling.tasks import rendition_render
from labeling.vocabulary import LANGUAGES
from review.access import Denial, can_decide_incidents, can_view_asset
from review.models import Asset, AssetStatus
from review.transitions import asset_transition, lock_asset
from signoff.services import signoff_void

MAX_TEXT = 5000
TAKEDOWN_FROM = frozenset(
    {
        AssetStatus.APPROVED,
        AssetStatus.PUBLISHED,
        AssetStatus.IN_REVIEW,
        AssetStatus.CHANGES_REQUESTED,
    }
)


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
    reported_at: datetime | None = None,
) -> Incident:
    """Open an incident on an approved or published asset. `reported_by` is the desk member
    who reports it (required for staff reports), None for a report from the CMS or the public.
    `reported_at` is now, unless the report came in earlier (a public report the desk matched
    by hand): the times to act are counted from when the harm was reported.
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
        reported_at=reported_at or timezone.now(),
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
    transaction.on_commit(
        partial(
            notify_incident_reported,
            incident_id=incident.pk,
            actor_id=reported_by.pk if reported_by is not None else None,
        )
    )
    return incident


@dataclass(frozen=True)
class Relabel:
    """The new label a relabel decision sets: a term of the vocabulary and the audience's text
    (None: the term's suggested wording for the asset's classification)."""

    term_key: str
    text: str | None = None


def _lock_for_decision(incident_id: int, actor: User) -> Incident:
    """The asset first, then the incident (the CMS confirming a takedown locks them in that
    order too, so the two never wait on each other); refused unless `actor` may decide it."""
    asset_id = Incident.objects.values_list("asset_id", flat=True).get(pk=incident_id)
    asset = lock_asset(asset_id)
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("decided_by")
        .get(pk=incident_id)
    )
    incident.asset = asset
    denial = incident_denial(actor, incident.asset, IncidentAction.DECIDE, incident)
    if denial is not None:
        if denial.kind == "state":
            denial = Denial("state", denial.message + _who_decided(incident))
        raise IncidentRefused(denial)
    return incident


@transaction.atomic
def incident_triage(*, incident_id: int, actor: User, severity: str) -> Incident:
    """A standards editor looked at an open report and set how severe it is (a public report's
    severity is only a first guess from its category). The first triage's time is the step
    the incident page and the transparency figures show; later ones only change severity."""
    _check_choice(severity, Severity.values, "severity")
    incident = _lock_for_decision(incident_id, actor)
    before = incident.severity
    incident.severity = severity
    fields = ["severity"]
    if incident.triaged_at is None:
        incident.triaged_at = timezone.now()
        incident.triaged_by = actor
        fields += ["triaged_at", "triaged_by"]
    incident.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="incident.triaged",
        obj=incident,
        details={"asset_id": incident.asset_id, "severity_from": before, "severity": severity},
    )
    return incident


@transaction.atomic
def incident_decide(
    *,
    incident_id: int,
    actor: User,
    decision: str,
    public_note: str,
    note: str,
    relabel: Relabel | None = None,
) -> Incident:
    """Record the standards desk's decision on an open incident and tell the CMS (takedown:
    `asset.takedown_requested`; correction or relabel: `asset.correction_issued`).

    A relabel sets the new label version here, in the decision's transaction (which voids the
    sign-off: an editor approves the new label as any other), and re-renders and re-signs the
    rendition after the commit."""
    _check_choice(decision, Decision.values, "decision")
    public_note = _clean_text(
        public_note,
        what="The public note (the text the audience reads)",
        required=decision in NEEDS_PUBLIC_NOTE,
    )
    if (decision == Decision.RELABEL) != (relabel is not None):
        raise InvalidIncident(
            "A relabel needs the new label: choose it."
            if relabel is None
            else "Only a relabel sets a new label."
        )
    note = _clean_text(note, what="The internal note", required=False)
    # The locks make two standards editors deciding at once take turns: the second sees the
    # first one's decision and is refused, instead of both decisions (and both webhooks) going
    # out.
    incident = _lock_for_decision(incident_id, actor)
    now = timezone.now()
    new_label = _relabel(incident, relabel, actor=actor) if relabel is not None else None
    incident.status = IncidentStatus.DECIDED
    incident.decision = decision
    incident.public_note = public_note
    incident.decision_note = note
    incident.decided_by = actor
    incident.decided_at = now
    if incident.triaged_at is None:
        incident.triaged_at = now
        incident.triaged_by = actor
    taken_down = decision == Decision.TAKEDOWN and _take_down(incident, actor=actor, now=now)
    incident.save(
        update_fields=[
            "status",
            "decision",
            "public_note",
            "decision_note",
            "decided_by",
            "decided_at",
            "triaged_at",
            "triaged_by",
            "takedown_deadline",
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
            **({"label_version": new_label.version} if new_label is not None else {}),
        },
    )
    if new_label is not None:
        render = partial(rendition_render.delay, incident.asset_id, new_label.pk, actor.pk)
        transaction.on_commit(render)
    if decision != Decision.TAKEDOWN or taken_down:
        # A takedown of an asset already taken down changes nothing the CMS must hear about.
        incident_decided.send(sender=Incident, incident=incident, decided_at=now)
    return incident


def _relabel(incident: Incident, relabel: Relabel, *, actor: User) -> Label:
    """The new label version, in the current label's language (the newsroom's default when
    the asset had none)."""
    language = (
        Label.objects.filter(asset_id=incident.asset_id)
        .order_by("-version")
        .values_list("language", flat=True)
        .first()
    ) or LANGUAGES[0][0]
    try:
        return label_set(
            asset_id=incident.asset_id,
            actor=actor,
            term_key=relabel.term_key,
            language=language,
            text=relabel.text,
        )
    except LabelingError as exc:
        raise InvalidIncident(str(exc)) from None


@transaction.atomic
def incident_take_down_now(*, incident_id: int, actor: User) -> Incident:
    """Standards take the asset of an open report down at once, before triage ends: the report
    becomes critical (the CMS's shortest deadline) and is decided as a takedown, in one step."""
    incident = incident_triage(incident_id=incident_id, actor=actor, severity=Severity.CRITICAL)
    return incident_decide(
        incident_id=incident.pk,
        actor=actor,
        decision=Decision.TAKEDOWN,
        public_note="",
        note="Emergency takedown.",
    )


def incident_cms_notified(*, incident_id: int, at: datetime) -> bool:
    """A CMS acknowledged the webhook that announced the decision: the first acknowledgement is
    the incident's "CMS notified" step. Called inside the delivery's transaction."""
    changed = Incident.objects.filter(pk=incident_id, cms_notified_at__isnull=True).update(
        cms_notified_at=at
    )
    if changed:
        incident = Incident.objects.get(pk=incident_id)
        audit_record(
            actor=None,
            action="incident.cms_notified",
            obj=incident,
            details={"asset_id": incident.asset_id},
        )
    return bool(changed)


def takedown_deadline(severity: str, *, start: datetime) -> datetime:
    minutes = (
        settings.TAKEDOWN_DEADLINE_CRITICAL_MINUTES
        if severity == Severity.CRITICAL
        else settings.TAKEDOWN_DEADLINE_MINUTES
    )
    return start + timedelta(minutes=minutes)


def _take_down(incident: Incident, *, actor: User, now: datetime) -> bool:
    """Move the asset (locked by the caller) to taken_down and void the sign-off in force, so
    that neither the clearance API nor a polling CMS calls it cleared any more. Files and
    records stay. False when the asset was taken down already: nothing changes."""
    asset = incident.asset
    if asset.status == AssetStatus.TAKEN_DOWN:
        return False
    asset_transition(
        asset=asset,
        to_state=AssetStatus.TAKEN_DOWN,
        # In review too: a consent lapse voids the sign-off and sends the asset back to review,
        # while a CMS may still show it.
        from_states=TAKEDOWN_FROM,
        actor=actor,
        event="asset.taken_down",
        details={"incident_id": incident.pk, "severity": incident.severity},
    )
    signoff_void(asset_id=asset.pk, reason=f"Taken down (incident {incident.pk}).", actor=actor)
    incident.takedown_deadline = takedown_deadline(incident.severity, start=now)
    return True


@transaction.atomic
def incident_emergency_takedown(
    *, asset_id: int, actor: User, harm_category: str, description: str
) -> Incident:
    """Standards take an asset down at once, before any triage: a critical incident reported
    and decided in one step (the CMS is told as for any takedown)."""
    incident = incident_report(
        asset_id=asset_id,
        reported_by=actor,
        harm_category=harm_category,
        severity=Severity.CRITICAL,
        description=description,
        source=IncidentSource.STAFF,
    )
    return incident_take_down_now(incident_id=incident.pk, actor=actor)


def takedown_confirm(*, asset_id: int, how: str) -> list[int]:
    """The CMS no longer shows the asset (its last live publication was withdrawn, or none was
    live): confirm every takedown of it still waiting. Call under the asset's lock."""
    waiting = list(
        Incident.objects.select_for_update()
        .filter(
            asset_id=asset_id,
            decision=Decision.TAKEDOWN,
            takedown_deadline__isnull=False,
            takedown_confirmed_at__isnull=True,
        )
        .order_by("pk")
    )
    now = timezone.now()
    for incident in waiting:
        Incident.objects.filter(pk=incident.pk).update(takedown_confirmed_at=now)
        late = incident.takedown_deadline is not None and now > incident.takedown_deadline
        audit_record(
            actor=None,
            action="incident.takedown_confirmed",
            obj=incident,
            details={"asset_id": asset_id, "how": how, "late": late},
        )
    return [incident.pk for incident in waiting]


def takedown_escalate_overdue(*, now: datetime | None = None) -> list[int]:
    """Periodic: takedowns the CMS has not confirmed by their deadline are flagged once, and
    standards are told by e-mail after the commit (the desk shows a banner meanwhile)."""
    now = now or timezone.now()
    escalated: list[int] = []
    with transaction.atomic():
        overdue = (
            Incident.objects.select_for_update(skip_locked=True)
            .filter(
                takedown_deadline__lt=now,
                takedown_confirmed_at__isnull=True,
                escalated_at__isnull=True,
            )
            .order_by("takedown_deadline")
        )
        for incident in overdue:
            Incident.objects.filter(pk=incident.pk).update(escalated_at=now)
            audit_record(
                actor=None,
                action="incident.takedown_overdue",
                obj=incident,
                details={"asset_id": incident.asset_id, "deadline": incident.takedown_deadline},
            )
            escalated.append(incident.pk)
        if escalated:
            ids = list(escalated)
            transaction.on_commit(lambda: notify_overdue_takedowns(ids))
    return escalated


def _who_decided(incident: Incident) -> str:
    if incident.decided_by is None or incident.decided_at is None:
        return ""
    when = timezone.localtime(incident.decided_at).strftime("%Y-%m-%d %H:%M:%S")
    label = Decision(incident.decision).label.lower()
    return f" {incident.decided_by.get_username()} decided “{label}” at {when}."


# How urgent a report from the public is, by what it says: the standards desk re-triages.
PUBLIC_SEVERITY = {
    HarmCategory.CHILD_EXPLOITATION: Severity.CRITICAL,
    HarmCategory.INTIMATE_CONTENT: Severity.CRITICAL,
    HarmCategory.CONSENT_WITHDRAWN: Severity.HIGH,
    HarmCategory.IMPERSONATION: Severity.HIGH,
}


@transaction.atomic
def public_report_receive(
    *, url: str, harm_category: str, description: str, email: str, asset_id: int | None
) -> PublicReport:
    """Keep a report from the public, and open an incident when it names a published asset
    (`asset_id`, matched by the caller from the page's address). Nothing the public sends is
    ever dropped: a report that matches nothing, or an asset that takes no report, waits in the
    standards desk's inbox."""
    _check_choice(harm_category, HarmCategory.values, "harm category")
    description = _clean_text(description, what="The description", required=False)
    report = PublicReport.objects.create(
        url=url[:500], harm_category=harm_category, description=description, email=email
    )
    if asset_id is not None:
        try:
            with transaction.atomic():
                incident = incident_report(
                    asset_id=asset_id,
                    reported_by=None,
                    harm_category=harm_category,
                    severity=PUBLIC_SEVERITY.get(HarmCategory(harm_category), Severity.MEDIUM),
                    description=description or f"Reported from {url}",
                    source=IncidentSource.PUBLIC,
                )
        except IncidentError:
            incident = None  # e.g. taken down already: the inbox shows the report
        if incident is not None:
            PublicReport.objects.filter(pk=report.pk).update(incident=incident)
            report.incident = incident
    audit_record(
        actor=None,
        action="incident.public_report_received",
        obj=report,
        # Not the description or the e-mail: the chain cannot be redacted.
        details={
            "harm_category": harm_category,
            "matched_asset_id": asset_id,
            "incident_id": report.incident_id,
        },
    )
    return report


def incident_open_for_consent_lapse(*, asset_id: int, kind: str, lapse_id: int) -> Incident:
    """A consent revoked or expired on a published asset opens an incident by itself, for the
    standards desk to decide (takedown, correction). Inside the lapse's transaction. The asset
    may already be back in review (its sign-off was voided): the incident is opened anyway, as
    the audience may still see it."""
    asset = Asset.objects.select_for_update().get(pk=asset_id)
    incident = Incident.objects.create(
        asset=asset,
        harm_category=HarmCategory.CONSENT_WITHDRAWN,
        severity=Severity.HIGH,
        description=(
            f"A consent on this published asset was {kind}. The desk opened this incident by "
            "itself: decide whether to take the asset down or correct it."
        ),
        source=IncidentSource.DESK,
        reported_by=None,
    )
    audit_record(
        actor=None,
        action="incident.reported",
        obj=incident,
        to_state=IncidentStatus.OPEN,
        details={
            "asset_id": asset.pk,
            "harm_category": HarmCategory.CONSENT_WITHDRAWN,
            "severity": Severity.HIGH,
            "source": IncidentSource.DESK,
            "lapse_id": lapse_id,
        },
    )
    transaction.on_commit(partial(notify_incident_reported, incident_id=incident.pk, actor_id=None))
    return incident


def _lock_unmatched_report(report_id: int, actor: User) -> PublicReport:
    """A public report that matched nothing, locked; refused unless `actor` decides incidents
    and the report is still waiting (two editors acting on it at once take turns)."""
    if not can_decide_incidents(actor):
        raise IncidentRefused(Denial("role", "Only standards editors handle public reports."))
    report = PublicReport.objects.select_for_update().get(pk=report_id)
    if report.incident_id is not None:
        raise IncidentRefused(
            Denial("state", f"Report R-{report.pk} is already incident {report.incident_id}.")
        )
    if report.dismissed_at is not None:
        raise IncidentRefused(Denial("state", f"Report R-{report.pk} was set aside already."))
    return report


@transaction.atomic
def public_report_attach(*, report_id: int, asset_id: int, actor: User) -> Incident:
    """The standards desk recognised which asset an unmatched public report is about (the
    reader gave a page we could not match, or described it): it opens the incident the report
    would have opened, still from the public."""
    report = _lock_unmatched_report(report_id, actor)
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or not can_view_asset(actor, asset):
        raise InvalidIncident(f"There is no asset #{asset_id} you can see.")
    incident = incident_report(
        asset_id=asset.pk,
        reported_by=None,
        harm_category=report.harm_category,
        severity=PUBLIC_SEVERITY.get(HarmCategory(report.harm_category), Severity.MEDIUM),
        description=report.description or f"Reported from {report.url}",
        source=IncidentSource.PUBLIC,
        reported_at=report.received_at,
    )
    PublicReport.objects.filter(pk=report.pk).update(incident=incident)
    audit_record(
        actor=actor,
        action="incident.public_report_attached",
        obj=report,
        details={"asset_id": asset.pk, "incident_id": incident.pk},
    )
    return incident


@transaction.atomic
def public_report_dismiss(*, report_id: int, actor: User) -> PublicReport:
    """Set aside an unmatched public report (spam, or about nothing we published). It is kept,
    with who set it aside and when; only the inbox stops showing it."""
    report = _lock_unmatched_report(report_id, actor)
    report.dismissed_at = timezone.now()
    report.dismissed_by = actor
    report.save(update_fields=["dismissed_at", "dismissed_by"])
    audit_record(actor=actor, action="incident.public_report_dismissed", obj=report)
    return report
