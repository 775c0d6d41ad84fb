"""The desk's consent pages: an asset's parties and their consent, recording consent in
person, legal's waivers, revocations and alerts, people, statements and the legal dashboard.

Views parse input, call one service or selector, and render. Every view fetches through a
helper that checks the asset (404/403) and who may see its consent (`review.access`); the
actions shown on a page and the POSTs accepted ask the same `can_*` functions. htmx requests
get the page's partial, everything else (and history restores) the full page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.roles import AnyUser
from consent import services
from consent.desk.forms import (
    AlertResolveForm,
    ConsentRecordForm,
    PartyAddForm,
    PeopleSearchForm,
    PreviewForm,
    RevokeForm,
    StatementForm,
    WaiverForm,
)
from consent.desk.selectors import desk_minute, legal_dashboard
from consent.errors import ConsentError
from consent.models import ConsentAlert, ConsentRecord, InformedPoint, Party, Person
from consent.remote.selectors import LinksPanel, links_panels
from consent.selectors import (
    PEOPLE_PAGE_SIZE,
    PartyFile,
    PersonHit,
    alert_for_user,
    asset_consent,
    asset_for_consent,
    may_use_people,
    party_for_user,
    people_search,
    people_visible_to,
    person_duplicates,
    person_file,
    person_for_user,
    record_for_user,
    statement_versions,
    with_lookalikes,
)
from review.access import (
    can_collect_consent,
    can_grant_waiver,
    can_manage_statements,
    can_record_revocation,
    can_view_consent_evidence,
    require,
)
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest, client_ip, url_per_id, wants_fragment
from review.models import Asset

EVIDENCE_KINDS = ("signature", "evidence")
PICKER_SIZE = 10
COLLECT_DENIED = "Your role cannot record consent for this asset."
# The forms of a party's card; a failure in one shows its message on that card.
PARTY_FORMS = frozenset({"remove", "waive", "revoke"})


def _form_errors(form: forms.Form) -> str:
    """A form's errors as one sentence for the alert next to it."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


# --- an asset's consent page -----------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A refused action on the consent page: which form (and for which party or alert), the
    message to show next to it, and the form as submitted so nothing typed is lost."""

    form: str  # "add", "remove", "waive", "revoke", "resolve"
    message: str
    target: int | None = None
    bound: forms.Form | None = None


@dataclass(frozen=True)
class PartyPanel:
    file: PartyFile
    waive_form: WaiverForm
    revoke_form: RevokeForm
    error_form: str
    error: str
    links: LinksPanel  # the remote links (consent/_links.html, the link pages' own)


_RESOLUTION = AlertResolveForm.base_fields["resolution"]


@dataclass(frozen=True)
class AlertPanel:
    """An open consent alert and its resolve form (templates/consent/_alert.html), worded and
    linked here, without a form instance of its own: legal's dashboard shows fifty, and there a
    form, its bound field, a `|date` and two URLs per alert were a fifth of the page's time.
    AlertResolveForm only parses what is posted."""

    alert_id: int
    asset_id: int
    kind: str  # revoked or expired
    signed_name: str
    asset_status: str  # what the asset was when the consent lapsed
    since: str
    asset_url: str
    resolve_url: str
    resolution: str  # what was typed, when the resolve was refused
    error: str
    label: ClassVar[str] = str(_RESOLUTION.label)
    help_text: ClassVar[str] = str(_RESOLUTION.help_text)

    @property
    def field_id(self) -> str:
        return f"resolve-{self.alert_id}-resolution"


def _alert_panels(alerts: Iterable[ConsentAlert], failure: Failure | None) -> list[AlertPanel]:
    """Panels for alerts read with their lapse and its record."""
    asset_url, resolve_url = url_per_id("consent:asset"), url_per_id("consent:alert_resolve")
    panels = []
    for alert in alerts:
        mine = failure is not None and failure.form == "resolve" and failure.target == alert.pk
        failed = failure if mine else None
        typed = failed.bound.data.get("resolution", "") if failed and failed.bound else ""
        lapse = alert.lapse
        panels.append(
            AlertPanel(
                alert_id=alert.pk,
                asset_id=alert.asset_id,
                kind=lapse.get_kind_display(),
                signed_name=lapse.record.signed_name,
                asset_status=alert.asset_status,
                since=desk_minute(lapse.effective_at),
                asset_url=asset_url(alert.asset_id),
                resolve_url=resolve_url(alert.pk),
                resolution=str(typed),
                error=failed.message if failed is not None else "",
            )
        )
    return panels


def _bound_or_new(failure: Failure | None, name: str, target: int, fresh: forms.Form) -> Any:
    if failure is not None and failure.form == name and failure.target == target and failure.bound:
        return failure.bound
    return fresh


def _picked(user: AnyUser, form: forms.Form, name: str) -> list[PersonHit]:
    raw = form.data.get(name, "") if form.is_bound else ""
    if not str(raw).isdigit():
        return []
    return with_lookalikes(people_visible_to(user).filter(pk=int(raw)).select_related("guardian"))


def _page_context(
    request: HtmxHttpRequest,
    asset: Asset,
    *,
    failure: Failure | None = None,
    success: str = "",
    **extra: Any,
) -> dict[str, Any]:
    user = request.user
    consent = asset_consent(asset)
    links = links_panels(user, [file.party for file in consent.parties])
    panels = []
    for file, party_links in zip(consent.parties, links, strict=True):
        pk = file.party.pk
        failed_here = failure is not None and failure.form in PARTY_FORMS and failure.target == pk
        panels.append(
            PartyPanel(
                file=file,
                waive_form=_bound_or_new(
                    failure, "waive", pk, WaiverForm(auto_id=f"waive-{pk}-%s")
                ),
                revoke_form=_bound_or_new(
                    failure, "revoke", pk, RevokeForm(auto_id=f"revoke-{pk}-%s")
                ),
                error_form=failure.form if failure is not None and failed_here else "",
                error=failure.message if failure is not None and failed_here else "",
                links=party_links,
            )
        )
    alerts = _alert_panels(consent.open_alerts, failure)
    adding = failure is not None and failure.form == "add"
    add_form = failure.bound if adding and failure and failure.bound else PartyAddForm()
    return {
        "asset": asset,
        "consent": consent,
        "panels": panels,
        "alert_panels": alerts,
        "can_collect": can_collect_consent(user, asset),
        "can_waive": can_grant_waiver(user, asset),
        "can_revoke": can_record_revocation(user, asset),
        "add_form": add_form,
        # After a refusal the people picked stay picked (the search results are gone).
        "person_hits": _picked(user, add_form, "person"),
        "guardian_hits": _picked(user, add_form, "guardian"),
        "add_error": failure.message if adding and failure else "",
        "page_error": failure.message
        if failure is not None and failure.form not in {"add", "resolve"} and not failure.target
        else "",
        "success": success,
        **extra,
    }


def _consent_response(
    request: HtmxHttpRequest,
    asset: Asset,
    *,
    failure: Failure | None = None,
    success: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponseBase:
    """The answer to a POST on the consent page: the page's partial for htmx; otherwise a
    redirect back (POST/redirect/GET), or the page itself with the error."""
    if not wants_fragment(request) and failure is None:
        messages.success(request, success)
        return redirect("consent:asset", pk=asset.pk)
    template = "consent/asset.html"
    if wants_fragment(request):
        template += "#consent"
    context = _page_context(request, asset, failure=failure, success=success, **extra)
    return render(request, template, context, status=status)


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def asset_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    asset = asset_for_consent(request.user, pk)
    template = "consent/asset.html"
    if wants_fragment(request):
        template += "#consent"
    return render(request, template, _page_context(request, asset))


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def summary(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    """The consent card on the review page, loaded after the page so that page's queries stay
    as they are. Outside htmx there is no card to fill: go to the consent page."""
    asset = asset_for_consent(request.user, pk)
    if not wants_fragment(request):
        return redirect("consent:asset", pk=asset.pk)
    context = {"asset": asset, "consent": asset_consent(asset), "on_review_page": True}
    return render(request, "consent/asset.html#summary", context)


@staff_required
@require_POST
def party_add(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = asset_for_consent(request.user, pk)
    require(can_collect_consent(request.user, asset), COLLECT_DENIED)
    form = PartyAddForm(request.POST)
    if not form.is_valid():
        failure = Failure("add", _form_errors(form), bound=form)
        return _consent_response(request, asset, failure=failure, status=400)
    data = form.cleaned_data
    actor = acting_user(request)
    visible = people_visible_to(request.user)
    try:
        if data["who"] == "unidentified":
            party = services.party_add(
                asset_id=asset.pk, actor=actor, role=data["role"], description=data["description"]
            )
        elif data["who"] == "existing":
            person = visible.filter(pk=data["person"]).first()
            if person is None:
                raise ConsentError("Pick the person from the search results.")
            party = services.party_add(
                asset_id=asset.pk,
                actor=actor,
                role=data["role"],
                person=person,
                description=data["description"],
            )
        else:
            guardian = None
            if data["is_minor"] and data["guardian"]:
                guardian = visible.filter(pk=data["guardian"]).first()
                if guardian is None:
                    raise ConsentError("Pick the guardian from the search results.")
            party = services.party_add_new_person(
                asset_id=asset.pk,
                actor=actor,
                role=data["role"],
                person=form.details(),
                description=data["description"],
                is_minor=data["is_minor"],
                guardian=guardian,
                new_guardian=form.new_guardian(),
                allow_duplicate=data["allow_duplicate"],
            )
    except services.PossibleDuplicate as exc:
        shown = list(visible.filter(pk__in=exc.matches).order_by("full_name", "pk"))
        failure = Failure("add", str(exc), bound=form)
        return _consent_response(request, asset, failure=failure, status=409, duplicates=shown)
    except ConsentError as exc:
        failure = Failure("add", str(exc), bound=form)
        return _consent_response(request, asset, failure=failure, status=400)
    return _consent_response(request, asset, success=f"Added {party}.")


@staff_required
@require_POST
def party_remove(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    party = party_for_user(request.user, pk)
    require(can_collect_consent(request.user, party.asset), COLLECT_DENIED)
    try:
        services.party_remove(party_id=party.pk, actor=acting_user(request))
    except ConsentError as exc:
        failure = Failure("remove", str(exc), target=party.pk)
        return _consent_response(request, party.asset, failure=failure, status=400)
    return _consent_response(request, party.asset, success=f"Removed {party}.")


@staff_required
@require_POST
def party_waive(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    party = party_for_user(request.user, pk)
    require(can_grant_waiver(request.user, party.asset), "Only legal can waive consent.")
    form = WaiverForm(request.POST, auto_id=f"waive-{party.pk}-%s")
    form.is_valid()
    try:
        services.waiver_grant(
            party_id=party.pk,
            actor=acting_user(request),
            basis=form.cleaned_data.get("basis", ""),
            justification=form.cleaned_data.get("justification", ""),
        )
    except ConsentError as exc:
        failure = Failure("waive", str(exc), target=party.pk, bound=form)
        return _consent_response(request, party.asset, failure=failure, status=400)
    return _consent_response(request, party.asset, success=f"Consent of {party} waived.")


@staff_required
@require_POST
def record_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    record = record_for_user(request.user, pk)
    require(can_record_revocation(request.user, record.asset), "Only legal records revocations.")
    form = RevokeForm(request.POST, auto_id=f"revoke-{record.party_id}-%s")
    if not form.is_valid():
        failure = Failure("revoke", _form_errors(form), target=record.party_id, bound=form)
        return _consent_response(request, record.asset, failure=failure, status=400)
    try:
        services.consent_revoke(
            record_id=record.pk,
            actor=acting_user(request),
            how=form.cleaned_data["how"],
            note=form.cleaned_data["note"],
            effective_at=form.cleaned_data["effective_at"],
        )
    except ConsentError as exc:
        failure = Failure("revoke", str(exc), target=record.party_id, bound=form)
        return _consent_response(request, record.asset, failure=failure, status=400)
    return _consent_response(
        request, record.asset, success=f"Revocation of {record.signed_name}'s consent recorded."
    )


@staff_required
@require_POST
def alert_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    alert = alert_for_user(request.user, pk)
    require(can_record_revocation(request.user, alert.asset), "Only legal resolves consent alerts.")
    on_dashboard = request.POST.get("return_to") == "dashboard"
    form = AlertResolveForm(request.POST, auto_id=f"resolve-{alert.pk}-%s")
    form.is_valid()
    try:
        services.alert_resolve(
            alert_id=alert.pk,
            actor=acting_user(request),
            resolution=form.cleaned_data.get("resolution", ""),
        )
    except ConsentError as exc:
        failure = Failure("resolve", str(exc), target=alert.pk, bound=form)
        if on_dashboard:
            return _dashboard_response(request, failure=failure, status=400)
        return _consent_response(request, alert.asset, failure=failure, status=400)
    success = f"Alert on #{alert.asset_id} resolved."
    if on_dashboard:
        return _dashboard_response(request, success=success)
    return _consent_response(request, alert.asset, success=success)


# --- recording consent in person -------------------------------------------------------------


def _latest_record(party: Party) -> ConsentRecord | None:
    return party.consent_records.select_related("statement").order_by("-version").first()


PREVIEW_FIELDS = ("statement", "uses", "channels", "territories", "valid_from", "valid_until")


def _preview(party: Party, form: PreviewForm) -> dict[str, Any]:
    """The exact text the person will read (and that is stored) once the scope names a use;
    until then the template shows the statement's own text."""
    statements = {s.pk: s for s in services.latest_statements()}
    form.is_valid()
    statement = statements.get(form.cleaned_data.get("statement") or 0)
    scope = form.scope()
    text = services.statement_text(statement, party, scope) if statement and scope else ""
    return {"statement": statement, "preview": text}


def _record_context(
    party: Party, latest: ConsentRecord | None, form: ConsentRecordForm, **extra: Any
) -> dict[str, Any]:
    scope_data: Any = (
        form.data if form.is_bound else {k: form.initial.get(k) or "" for k in PREVIEW_FIELDS}
    )
    return {
        "asset": party.asset,
        "party": party,
        "latest": latest,
        "form": form,
        "points": InformedPoint.choices,
        "checked": form.cleaned_data.get("acknowledged", []) if form.is_bound else [],
        **_preview(party, PreviewForm(scope_data)),
        **extra,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def record_form(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    party = party_for_user(request.user, pk)
    if party.removed_at is not None:
        raise Http404("This party was removed from the asset.")
    require(can_collect_consent(request.user, party.asset), COLLECT_DENIED)
    latest = _latest_record(party)
    if request.method == "GET":
        form = ConsentRecordForm(party=party, latest=latest)
        return render(request, "consent/record.html", _record_context(party, latest, form))

    form = ConsentRecordForm(request.POST, request.FILES, party=party, latest=latest)
    error = error_field = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = services.consent_record_collect(
                party_id=party.pk,
                collected_by=acting_user(request),
                expected_latest_id=data["supersedes"],
                statement=data["statement"],
                scope=form.scope(),
                acknowledged=data["acknowledged"],
                signing=services.Signing(
                    method=data["method"],
                    signed_name=data["signed_name"],
                    signature_data_url=data["signature"],
                    evidence=data["evidence"],
                    witness_name=data["witness_name"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ),
                role=data["role"],
            )
        except ConsentError as exc:
            error, error_field = str(exc), exc.field
        else:
            messages.success(request, f"Consent of {party} recorded (version {record.version}).")
            url = reverse("consent:asset", args=[party.asset.pk])
            if wants_fragment(request):
                return HttpResponseClientRedirect(url)
            return redirect(url)
    else:
        error = _form_errors(form)
    # The htmx form swaps only its error box: the drawn signature and the chosen file stay.
    template = (
        "consent/record.html#record-errors" if wants_fragment(request) else ("consent/record.html")
    )
    context = _record_context(party, latest, form, error=error, error_field=error_field)
    return render(request, template, context, status=400)


@staff_required
@require_GET
def record_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    party = party_for_user(request.user, pk)
    require(can_collect_consent(request.user, party.asset), COLLECT_DENIED)
    context = {"party": party, **_preview(party, PreviewForm(request.GET))}
    return render(request, "consent/record.html#preview", context)


# --- evidence --------------------------------------------------------------------------------


@staff_required
@require_GET
def evidence(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponseBase:
    if kind not in EVIDENCE_KINDS:
        raise Http404("No such evidence.")
    record = record_for_user(request.user, pk)
    field = record.signature_image if kind == "signature" else record.evidence_file
    if not field:
        raise Http404(f"This consent record has no {kind} file.")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The evidence file is missing from storage.") from None
    services.consent_evidence_viewed(
        actor=acting_user(request), record=record, kind=kind, ip_address=client_ip(request)
    )
    if kind == "signature":
        media_type, filename = "image/png", f"signature-{record.pk}.png"
    else:
        media_type = record.evidence_media_type or "application/octet-stream"
        filename = record.evidence_filename or f"evidence-{record.pk}"
    response = FileResponse(handle, content_type=media_type)
    disposition = "inline" if media_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    # Someone else's upload: never let a browser run it as a page, or guess another type.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # Each view must reach the server to be audited: nothing may answer it from a cache.
    response["Cache-Control"] = "no-store"
    return response


# --- legal dashboard -------------------------------------------------------------------------


def _dashboard_context(failure: Failure | None = None, success: str = "") -> dict[str, Any]:
    board = legal_dashboard()
    return {
        "board": board,
        "alert_panels": _alert_panels(board.alerts, failure),
        "success": success,
    }


def _require_legal(request: HtmxHttpRequest) -> None:
    require(
        can_view_consent_evidence(request.user),
        "The consent dashboard is for legal.",
    )


def _dashboard_response(
    request: HtmxHttpRequest,
    *,
    failure: Failure | None = None,
    success: str = "",
    status: int = 200,
) -> HttpResponseBase:
    if not wants_fragment(request) and failure is None:
        messages.success(request, success)
        return redirect("consent:dashboard")
    template = "consent/dashboard.html"
    if wants_fragment(request):
        template += "#alerts"
    return render(request, template, _dashboard_context(failure, success), status=status)


@staff_required
@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    _require_legal(request)
    return render(request, "consent/dashboard.html", _dashboard_context())


# --- people ----------------------------------------------------------------------------------


def _require_people(request: HtmxHttpRequest) -> None:
    require(may_use_people(request.user), "Your role does not work with consent.")


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def people(request: HtmxHttpRequest) -> HttpResponse:
    _require_people(request)
    form = PeopleSearchForm(request.GET or None)
    query, page_number = "", 1
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"] or ""
        page_number = form.cleaned_data["page"] or 1
    paginator = Paginator(people_search(request.user, query), PEOPLE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    context = {
        "form": form,
        "page": page,
        "hits": with_lookalikes(page.object_list),
        "query": query,
    }
    template = "consent/people.html#results" if wants_fragment(request) else "consent/people.html"
    return render(request, template, context)


@staff_required
@require_GET
def people_pick(request: HtmxHttpRequest) -> HttpResponse:
    """Search results as radio buttons for the add-a-person form (the person or the guardian)."""
    _require_people(request)
    field = request.GET.get("field", "person")
    if field not in {"person", "guardian"}:
        raise Http404("No such field.")
    query = request.GET.get("q", "").strip()
    found: list[Person] = []
    if query:
        results = people_search(request.user, query)
        if field == "guardian":
            results = results.filter(is_minor=False)  # a guardian cannot be a minor
        found = list(results[:PICKER_SIZE])
    context = {"field": field, "hits": with_lookalikes(found), "query": query}
    return render(request, "consent/asset.html#picker", context)


@staff_required
@require_GET
def people_duplicates(request: HtmxHttpRequest) -> HttpResponse:
    """While a new person is typed in: who among the people this user may see may be the same
    human. Never a count of the others: that would tell anyone whether an e-mail is on file."""
    _require_people(request)
    name = request.GET.get("full_name", "")
    email = request.GET.get("email", "")
    phone = request.GET.get("phone", "")
    shown = person_duplicates(name, email, phone, among=people_visible_to(request.user))
    context = {"duplicates": [d.person for d in shown]}
    return render(request, "consent/asset.html#duplicates", context)


@staff_required
@require_GET
def person_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = person_for_user(request.user, pk)
    return render(request, "consent/person.html", {"file": person_file(request.user, person)})


# --- statements ------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def statements(request: HtmxHttpRequest) -> HttpResponseBase:
    require(
        can_manage_statements(request.user),
        "Only legal manages consent statements.",
    )
    status, error, success = 200, "", ""
    if request.method == "POST":
        form = StatementForm(request.POST)
        if form.is_valid():
            try:
                statement = services.statement_publish(
                    actor=acting_user(request),
                    key=form.cleaned_data["key"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    language=form.cleaned_data["language"],
                )
            except ConsentError as exc:
                error, status = str(exc), 400
            else:
                success = f"Published {statement}."
                if not wants_fragment(request):
                    messages.success(request, success)
                    return redirect("consent:statements")
                form = StatementForm()
        else:
            error, status = _form_errors(form), 400
    else:
        form = StatementForm(initial=_statement_initial(request.GET.get("key", "")))
    context = {
        "form": form,
        "versions": statement_versions(),
        "error": error,
        "success": success,
    }
    template = "consent/statements.html"
    if wants_fragment(request):
        template += "#statements"
    return render(request, template, context, status=status)


def _statement_initial(key: str) -> dict[str, Any]:
    """A new version starts from the latest text of its key."""
    for statement in services.latest_statements():
        if statement.key == key:
            return {
                "key": key,
                "title": statement.title,
                "language": statement.language,
                "body": statement.body,
            }
    return {}
