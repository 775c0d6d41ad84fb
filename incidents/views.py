"""The incidents page of an asset: its incidents, a report form for anyone on the desk who may
see the asset, and a decide form per open incident for standards editors. Views parse input,
call one service and redirect back (or render the page with the error); no JavaScript needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.access import IncidentAction, get_incident_for_user, incident_denial
from incidents.forms import EmergencyTakedownForm, IncidentDecisionForm, IncidentReportForm
from incidents.models import Decision, IncidentSource, IncidentStatus
from incidents.selectors import incident_inbox, incidents_for_asset
from incidents.services import (
    IncidentRefused,
    InvalidIncident,
    incident_decide,
    incident_emergency_takedown,
    incident_report,
)
from review.access import can_decide_incidents, get_asset_for_user, require
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest
from review.models import Asset

PAGE = "incidents/asset_incidents.html"


def _page(
    request: HtmxHttpRequest,
    asset: Asset,
    *,
    status: int = 200,
    error: str = "",
    report_form: IncidentReportForm | None = None,
    decide_form: IncidentDecisionForm | None = None,
    decide_pk: int | None = None,
    emergency_form: EmergencyTakedownForm | None = None,
) -> HttpResponse:
    report_denial = incident_denial(request.user, asset, IncidentAction.REPORT)
    may_decide = incident_denial(request.user, asset, IncidentAction.DECIDE) is None
    rows: list[dict[str, Any]] = []
    for incident in incidents_for_asset(asset_id=asset.pk):
        form = None
        if may_decide and incident.status == IncidentStatus.OPEN:
            form = (
                decide_form
                if decide_form is not None and decide_pk == incident.pk
                else IncidentDecisionForm(incident_pk=incident.pk)
            )
        rows.append({"incident": incident, "decide_form": form})
    context = {
        "asset": asset,
        "rows": rows,
        "report_form": (report_form or IncidentReportForm()) if report_denial is None else None,
        "report_denial": report_denial,
        # A public reporter's e-mail is for the standards desk only.
        "may_decide": may_decide,
        # Standards may take a reportable asset down at once, before any triage.
        "emergency_form": (
            (emergency_form or EmergencyTakedownForm())
            if may_decide and report_denial is None
            else None
        ),
        "error": error,
    }
    return render(request, PAGE, context, status=status)


def _refused_status(exc: IncidentRefused) -> int:
    return 403 if exc.denial.kind == "role" else 409


@staff_required
@require_GET
def asset_incidents(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_asset_for_user(request.user, pk))


@staff_required
@require_POST
def report(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    form = IncidentReportForm(request.POST)
    if not form.is_valid():
        return _page(
            request,
            asset,
            status=400,
            error="The report is incomplete; see the marked fields.",
            report_form=form,
        )
    data = form.cleaned_data
    try:
        incident = incident_report(
            asset_id=asset.pk,
            reported_by=acting_user(request),
            harm_category=data["harm_category"],
            severity=data["severity"],
            description=data["description"],
            source=IncidentSource.STAFF,
        )
    except IncidentRefused as exc:
        return _page(request, asset, status=_refused_status(exc), error=str(exc), report_form=form)
    except InvalidIncident as exc:
        return _page(request, asset, status=400, error=str(exc), report_form=form)
    messages.success(request, f"Incident {incident.pk} reported; the standards desk will decide.")
    return redirect("incidents:asset_incidents", pk=asset.pk)


@staff_required
@require_POST
def decide(request: HtmxHttpRequest, pk: int, incident_pk: int) -> HttpResponseBase:
    incident = get_incident_for_user(request.user, asset_pk=pk, incident_pk=incident_pk)
    asset = incident.asset
    # The role first, so that someone who may not decide learns that rather than a form error.
    denial = incident_denial(request.user, asset, IncidentAction.DECIDE)
    if denial is not None:
        return _page(request, asset, status=403, error=denial.message)
    form = IncidentDecisionForm(request.POST, incident_pk=incident.pk)
    if not form.is_valid():
        return _page(
            request,
            asset,
            status=400,
            error="The decision is incomplete; see the marked fields.",
            decide_form=form,
            decide_pk=incident.pk,
        )
    data = form.cleaned_data
    try:
        decided = incident_decide(
            incident_id=incident.pk,
            actor=acting_user(request),
            decision=data["decision"],
            public_note=data["public_note"],
            note=data["note"],
        )
    except IncidentRefused as exc:
        return _page(request, asset, status=_refused_status(exc), error=str(exc))
    except InvalidIncident as exc:
        return _page(
            request, asset, status=400, error=str(exc), decide_form=form, decide_pk=incident.pk
        )
    label = Decision(decided.decision).label.lower()
    messages.success(request, f"Incident {decided.pk} decided: {label}.")
    return redirect("incidents:asset_incidents", pk=asset.pk)


@staff_required
@require_POST
def emergency_takedown(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    denial = incident_denial(request.user, asset, IncidentAction.DECIDE)
    if denial is not None:
        return _page(request, asset, status=403, error=denial.message)
    form = EmergencyTakedownForm(request.POST)
    if not form.is_valid():
        return _page(
            request,
            asset,
            status=400,
            error="The takedown was not made; see the marked fields.",
            emergency_form=form,
        )
    try:
        incident = incident_emergency_takedown(
            asset_id=asset.pk,
            actor=acting_user(request),
            harm_category=form.cleaned_data["harm_category"],
            description=form.cleaned_data["description"],
        )
    except IncidentRefused as exc:
        return _page(request, asset, status=_refused_status(exc), error=str(exc))
    except InvalidIncident as exc:
        return _page(request, asset, status=400, error=str(exc), emergency_form=form)
    messages.success(
        request,
        f"Taken down (incident {incident.pk}). Every CMS has been asked to remove it; the "
        "incidents inbox shows when each confirms.",
    )
    return redirect("incidents:asset_incidents", pk=asset.pk)


@staff_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    require(can_decide_incidents(request.user), "The incidents inbox is for the standards desk.")
    return render(request, "incidents/inbox.html", {"inbox": incident_inbox()})
