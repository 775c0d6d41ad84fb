"""Deciding and reporting incidents through the real services, for the tests of every app that
shows what an incident changed."""

from __future__ import annotations

from incidents.models import Decision, HarmCategory, Incident, IncidentSource, Severity
from incidents.services import Relabel, incident_decide, incident_report


def decide(
    incident: Incident,
    actor,
    decision: str = Decision.NO_ACTION,
    *,
    public_note: str = "",
    note: str = "",
    relabel: Relabel | None = None,
) -> Incident:
    return incident_decide(
        incident_id=incident.pk,
        actor=actor,
        decision=decision,
        public_note=public_note,
        note=note,
        relabel=relabel,
    )


def report_mislabeled(asset, reporter) -> Incident:
    """A staff report that the label is wrong, as a relabel answers."""
    return incident_report(
        asset_id=asset.pk,
        reported_by=reporter,
        harm_category=HarmCategory.MISLABELED,
        severity=Severity.MEDIUM,
        description="An illustration, not a depiction of events.",
        source=IncidentSource.STAFF,
    )


def relabel_as(incident: Incident, actor, term_key: str, public_note: str) -> Incident:
    return decide(
        incident, actor, Decision.RELABEL, public_note=public_note, relabel=Relabel(term_key)
    )
