"""Who may report and decide incidents. `incident_denial` is the one function that decides; the
forms on the incidents page and every POST the services accept (under the row lock) ask it.

Reporting: anyone on the desk who may see the asset, while it is approved or published (an
asset still in review is fixed in review, not through an incident). Deciding: standards editors
and administrators (`incidents.decide_incident`), once per incident.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import Http404

from accounts.roles import AnyUser
from incidents.models import Incident, IncidentStatus
from review.access import Denial, can_decide_incidents, can_view_asset, get_asset_for_user
from review.models import Asset, AssetStatus

REPORTABLE_STATES = frozenset({AssetStatus.APPROVED, AssetStatus.PUBLISHED})
DECIDE_DENIED = "Only standards editors decide on incidents."


class IncidentAction(StrEnum):
    REPORT = "report"
    DECIDE = "decide"


def incident_denial(
    user: AnyUser | None,
    asset: Asset,
    action: IncidentAction,
    incident: Incident | None = None,
) -> Denial | None:
    """Why `user` may not take `action` now, or None when they may. `user` is None only for a
    report that comes from the CMS or the public (no desk account)."""
    if user is not None and not can_view_asset(user, asset):
        return Denial("role", "You do not have access to this asset.")
    if action is IncidentAction.REPORT:
        if asset.status not in REPORTABLE_STATES:
            current = AssetStatus(asset.status).label.lower()
            return Denial(
                "state",
                f"Only approved or published assets take incident reports; this one is {current}.",
            )
        return None
    if user is None or not can_decide_incidents(user):
        return Denial("role", DECIDE_DENIED)
    if incident is not None and incident.status != IncidentStatus.OPEN:
        return Denial("state", "This incident has already been decided.")
    return None


def get_incident_for_user(user: AnyUser, *, asset_pk: int, incident_pk: int) -> Incident:
    """An incident on an asset the user may see: the asset's own access check (404, 403), then
    404 if the asset has no such incident."""
    asset = get_asset_for_user(user, asset_pk)
    incident = Incident.objects.filter(pk=incident_pk, asset=asset).first()
    if incident is None:
        raise Http404("No such incident.")
    incident.asset = asset
    return incident
