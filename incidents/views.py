"""The incidents page of an asset: its incidents, a report form for anyone on the desk who may
see the asset, and a decide form per open incident for standards editors. Views parse input,
call one service and redirect back (or render the page with the error); no JavaScript needed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import IncidentAction, get_incident_for_user, incident_denial
from incidents.forms import (
    EmergencyTakedownForm,
    IncidentDecisionForm,
    IncidentReportForm,
    IncidentTriageForm,
    PublicReportActionForm,
)
from incidents.models import (
    Decision,
    Incident,
    IncidentSource,
    IncidentStatus,
    PublicReport,
    Severity,
)
from incidents.selectors import incident_inbox, incident_steps, incidents_for_asset
from incidents.services import (
    IncidentRefused,
    InvalidIncident,
    incident_decide,
    incident_emergency_takedown,
    incident_report,
    incident_take_down_now,
    incident_triage,
    public_report_attach,
    public_report_dismiss,
)
from labeling.selectors import current_classification, term_options
from review.access import can_decide_incidents, get_asset_for_user, require
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest
from review.models import Asset
from review.templatetags.desk_messages import IN_PLACE

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
    notes = _in_place_messages(request)
    incidents = list(incidents_for_asset(asset_id=asset.pk))
    choices = (
        _label_choices(asset)
        if may_decide and any(i.status == IncidentStatus.OPEN for i in incidents)
        else []
    )
    for incident in incidents:
        form = triage_form = None
        if may_decide and incident.status == IncidentStatus.OPEN:
            form = (
                decide_form
                if decide_form is not None and decide_pk == incident.pk
                else IncidentDecisionForm(incident_pk=incident.pk, label_choices=choices)
            )
            triage_form = IncidentTriageForm(
                incident_pk=incident.pk, initial={"severity": incident.severity}
            )
        rows.append(
            {
                "incident": incident,
                "notes": notes.get(incident.pk, []),
                "steps": incident_steps(incident),
                "decide_form": form,
                "triage_form": triage_form,
            }
        )
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


def _label_choices(asset: Asset) -> list[tuple[str, str]]:
    """The labels a relabel may set: the active terms that fit the asset's classification."""
    options, _ = term_options(asset, current_classification(asset))
    return [(o.term.key, o.names.get("en", o.term.key)) for o in options if o.fits]


def _refused_status(exc: IncidentRefused) -> int:
    return 403 if exc.denial.kind == "role" else 409


@staff_required
@require_GET
def asset_incidents(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_asset_for_user(request.user, pk))


@staff_required
@require_GET
def removal(request: HtmxHttpRequest, pk: int, incident_pk: int) -> HttpResponse:
    """Whether the CMS has confirmed a takedown yet: the incident page asks every few seconds
    while it waits."""
    incident = get_incident_for_user(request.user, asset_pk=pk, incident_pk=incident_pk)
    if incident.takedown_deadline is None:
        raise Http404("This incident asked no CMS for a removal.")
    return render(request, PAGE + "#removal", {"incident": incident, "asset": incident.asset})


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
    form = IncidentDecisionForm(
        request.POST, incident_pk=incident.pk, label_choices=_label_choices(asset)
    )
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
            relabel=form.relabel(),
        )
    except IncidentRefused as exc:
        return _page(request, asset, status=_refused_status(exc), error=str(exc))
    except InvalidIncident as exc:
        return _page(
            request, asset, status=400, error=str(exc), decide_form=form, decide_pk=incident.pk
        )
    label = Decision(decided.decision).label.lower()
    done = f"Incident {decided.pk} decided: {label}."
    if decided.decision == Decision.RELABEL:
        done += (
            " The new label is set and the rendition is being re-signed; the asset is back in "
            "review for an editor to approve them."
        )
    return _done(request, decided, done)


def _done(request: HtmxHttpRequest, incident: Incident, text: str) -> HttpResponseBase:
    """Back to the incident, its message shown inside it (where the person is looking, and
    focused: the page's fragment names it), not at the top of a long page."""
    messages.success(request, text, extra_tags=f"{IN_PLACE} incident-{incident.pk}")
    return redirect(_incident_url(incident))


def _in_place_messages(request: HtmxHttpRequest) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = {}
    for message in messages.get_messages(request):
        tags = message.extra_tags.split()
        if IN_PLACE in tags:
            for tag in tags:
                if tag.startswith("incident-") and tag.removeprefix("incident-").isdigit():
                    notes.setdefault(int(tag.removeprefix("incident-")), []).append(str(message))
    return notes


def _incident_url(incident: Incident) -> str:
    return reverse("incidents:asset_incidents", args=[incident.asset_id]) + (
        f"#incident-{incident.pk}"
    )


@staff_required
@require_POST
def triage(request: HtmxHttpRequest, pk: int, incident_pk: int) -> HttpResponseBase:
    incident = get_incident_for_user(request.user, asset_pk=pk, incident_pk=incident_pk)
    form = IncidentTriageForm(request.POST, incident_pk=incident.pk)
    if not form.is_valid():
        return _page(request, incident.asset, status=400, error="Choose a severity.")
    try:
        triaged = incident_triage(
            incident_id=incident.pk,
            actor=acting_user(request),
            severity=form.cleaned_data["severity"],
        )
    except IncidentRefused as exc:
        return _page(request, incident.asset, status=_refused_status(exc), error=str(exc))
    severity = Severity(triaged.severity).label.lower()
    return _done(request, triaged, f"Incident {triaged.pk} triaged: {severity}.")


@staff_required
@require_http_methods(["GET", "POST"])
def take_down_now(request: HtmxHttpRequest, pk: int, incident_pk: int) -> HttpResponseBase:
    """The one-click takedown of an open report, before triage ends: the link asks for
    confirmation on a page of its own (no script needed), and the confirmation takes it down."""
    incident = get_incident_for_user(request.user, asset_pk=pk, incident_pk=incident_pk)
    # The role here; the state (decided meanwhile, and by whom) under the service's lock.
    denial = incident_denial(request.user, incident.asset, IncidentAction.DECIDE)
    if denial is not None:
        return _page(request, incident.asset, status=403, error=denial.message)
    if request.method == "GET" and incident.status != IncidentStatus.OPEN:
        return _page(
            request, incident.asset, status=409, error="This incident has already been decided."
        )
    context = {
        "incident": incident,
        "asset": incident.asset,
        "deadline_minutes": settings.TAKEDOWN_DEADLINE_CRITICAL_MINUTES,
    }
    if request.method == "GET":
        return render(request, "incidents/take_down_now.html", context)
    if request.POST.get("confirm") != "yes":
        context["error"] = "Confirm the takedown with the button below, or go back."
        return render(request, "incidents/take_down_now.html", context, status=400)
    try:
        decided = incident_take_down_now(incident_id=incident.pk, actor=acting_user(request))
    except IncidentRefused as exc:
        return _page(request, incident.asset, status=_refused_status(exc), error=str(exc))
    return _done(
        request,
        decided,
        f"Taken down (incident {decided.pk}). Every CMS has been asked to remove it; the "
        "incidents inbox shows when each confirms.",
    )


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


INBOX_DENIED = "The incidents inbox is for the standards desk."


def _inbox_page(
    request: HtmxHttpRequest, *, status: int = 200, report_pk: int | None = None, error: str = ""
) -> HttpResponse:
    context = {"inbox": incident_inbox(), "error_report": report_pk, "error": error}
    return render(request, "incidents/inbox.html", context, status=status)


@staff_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    require(can_decide_incidents(request.user), INBOX_DENIED)
    return _inbox_page(request)


@staff_required
@require_POST
def public_report_action(request: HtmxHttpRequest, report_pk: int) -> HttpResponseBase:
    """An unmatched public report: open an incident on the asset the desk recognised, or set
    the report aside. Either way it leaves the list; nothing is deleted."""
    require(can_decide_incidents(request.user), INBOX_DENIED)
    report = get_object_or_404(PublicReport, pk=report_pk)
    form = PublicReportActionForm(request.POST)
    if not form.is_valid():
        return _inbox_page(request, status=400, report_pk=report.pk, error=form.first_error())
    try:
        if form.cleaned_data["action"] == "dismiss":
            public_report_dismiss(report_id=report.pk, actor=acting_user(request))
            messages.success(request, f"Report R-{report.pk} set aside; it is kept.")
            return redirect("incidents:inbox")
        incident = public_report_attach(
            report_id=report.pk, asset_id=form.cleaned_data["asset"], actor=acting_user(request)
        )
    except IncidentRefused as exc:
        status = _refused_status(exc)
        return _inbox_page(request, status=status, report_pk=report.pk, error=str(exc))
    except InvalidIncident as exc:
        return _inbox_page(request, status=400, report_pk=report.pk, error=str(exc))
    return _done(request, incident, f"Report R-{report.pk} is now incident {incident.pk}.")
