"""The public pages (no login): the policies every label links to, their history, and the
glossary of labels; and the desk page where standards editors publish a new version.

Every public page is GET only, rate-limited per address (PUBLIC_RATE_LIMIT), cacheable for a
minute, and shows nothing of a person."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from incidents.models import HarmCategory
from incidents.services import public_report_receive
from integrations.publications import asset_for_public_url
from public.charts import bar_chart
from public.disclosures import as_notices, disclosure, notice, notice_rows
from public.feeds import CorrectionsFeed
from public.forms import PolicyForm, ReportForm
from public.markdown import render_policy
from public.models import POLICY_LANGUAGES, PolicyDocument
from public.selectors import (
    desk_policy_list,
    label_glossary,
    policy_history,
    policy_list,
    policy_page,
    public_language,
)
from public.services import PolicyError, policy_publish
from public.transparency import transparency
from review.access import can_edit_policy, require
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
    """GET (and HEAD) only, rate-limited per client address, cacheable briefly by the browser
    and by a shared cache in front (the pages hold nothing personal)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    limited: Callable[..., HttpResponse] = ratelimit(key="ip", rate=_public_rate, block=True)(
        wrapper
    )
    return require_GET(cache_control(public=True, max_age=60)(limited))


def _public_rate(group: str, request: HttpRequest) -> str:
    # Read at each request, so that a test or an operator can change it without a restart.
    return str(settings.PUBLIC_RATE_LIMIT)


CORRECTIONS_PAGE_SIZE = 20
MONTHS_ES = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: too many requests from one address."""
    response = render(request, "public/rate_limited.html", _context(request), status=429)
    response["Retry-After"] = "60"
    return response


def _language(request: HttpRequest) -> str:
    return public_language(request.GET.get("lang"))


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    language = _language(request)
    return {
        "language": language,
        "languages": POLICY_LANGUAGES,
        "newsroom": settings.NEWSROOM_NAME,
        **extra,
    }


@public_page
def policy_index(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    return render(
        request, "public/policy_index.html", _context(request, policies=policy_list(language))
    )


@public_page
def policy_detail(request: HttpRequest, slug: str, version: int | None = None) -> HttpResponse:
    page = policy_page(slug, _language(request), version)
    context = _context(request, page=page, body=render_policy(page.version.body))
    return render(request, "public/policy_detail.html", context)


@public_page
def policy_versions(request: HttpRequest, slug: str) -> HttpResponse:
    document, versions = policy_history(slug, _language(request))
    return render(
        request,
        "public/policy_history.html",
        _context(request, document=document, versions=versions),
    )


@public_page
def labels(request: HttpRequest) -> HttpResponse:
    context = _context(request, entries=label_glossary(_language(request)))
    return render(request, "public/labels.html", context)


@public_page
def corrections(request: HttpRequest) -> HttpResponse:
    page = Paginator(notice_rows(), CORRECTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    notices = as_notices(page.object_list, _language(request))
    context = _context(request, page=page, notices=notices)
    return render(request, "public/corrections.html", context)


@public_page
def correction(request: HttpRequest, pk: int) -> HttpResponse:
    found = notice(pk, _language(request))
    return render(request, "public/correction.html", _context(request, notice=found))


@public_page
def corrections_feed(request: HttpRequest) -> HttpResponse:
    return CorrectionsFeed()(request)


@public_page
def disclosure_page(request: HttpRequest, uid: str) -> HttpResponse:
    page = disclosure(UUID(hex=uid), _language(request))
    return render(request, "public/disclosure.html", _context(request, disclosure=page))


@public_page
def transparency_page(request: HttpRequest) -> HttpResponse:
    months = transparency()
    language = _language(request)
    es = language == "es"
    labels = [MONTHS_ES[m.start.month - 1] if es else f"{m.start:%b}" for m in months]

    def chart(title: str, values: list[float | None]) -> Any:
        return bar_chart(title, labels, values)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    series: list[tuple[str, str, list[float | None]]] = [
        ("Assets labeled", "Contenidos etiquetados", [m.labeled_total for m in months]),
        ("Reports received", "Avisos recibidos", [m.reports for m in months]),
        ("Corrections", "Correcciones", [m.corrections for m in months]),
        ("Takedowns", "Retiradas", [m.takedowns for m in months]),
        (
            "Median minutes from report to takedown",
            "Mediana de minutos del aviso a la retirada",
            [rounded(m.median_minutes) for m in months],
        ),
    ]
    per_month = " por mes" if es else " per month"
    charts = []
    for english, spanish, values in series:
        title = spanish if es else english
        is_rate = english.startswith("Median")
        charts.append((title, chart(title if is_rate else title + per_month, values)))
    terms = sorted({name for m in months for name in m.labeled})
    context = _context(request, months=months, charts=charts, terms=terms)
    return render(request, "public/transparency.html", context)


def _report_rate(group: str, request: HttpRequest) -> str:
    return str(settings.PUBLIC_REPORT_RATE_LIMIT)


def _report(request: HttpRequest) -> HttpResponse:
    """Anyone may report harm in something we published: by the page's address (matched to
    the asset through the CMS's publications) or by a description."""
    form = ReportForm(
        request.POST or None, harm_choices=HarmCategory.choices, language=_language(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            # A bot filled the hidden field: answer as for anyone, keep nothing.
            return render(request, "public/report_done.html", _context(request, reference=None))
        matched = asset_for_public_url(data["url"]) if data["url"] else None
        received = public_report_receive(
            url=data["url"],
            harm_category=data["harm_category"],
            description=data["description"],
            email=data["email"],
            asset_id=matched,
        )
        context = _context(request, reference=received.pk, matched=matched is not None)
        return render(request, "public/report_done.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "public/report.html", _context(request, form=form), status=status)


# Reading the form counts like any public page; sending it has its own, lower limit.
_report_limited: Callable[..., HttpResponse] = ratelimit(
    key="ip", rate=_public_rate, method="GET", block=True
)(ratelimit(key="ip", rate=_report_rate, method="POST", block=True)(_report))
report = require_http_methods(["GET", "POST"])(_report_limited)


# --- the desk: standards publish new versions ---------------------------------------------------


@staff_required
@require_GET
def desk_policies(request: HtmxHttpRequest) -> HttpResponse:
    require(can_edit_policy(request.user), "Only standards editors publish the policies.")
    return render(request, "public/desk_policies.html", {"rows": desk_policy_list()})


@staff_required
@require_http_methods(["GET", "POST"])
def desk_policy_edit(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    require(can_edit_policy(request.user), "Only standards editors publish the policies.")
    document = get_object_or_404(PolicyDocument, pk=pk)
    latest = document.versions.order_by("-version").first()
    status = 200
    error = ""
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = policy_publish(
                    document_id=document.pk,
                    actor=acting_user(request),
                    based_on=data["based_on"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    change_note=data["change_note"],
                )
            except PolicyError as exc:
                error, status = str(exc), 409 if "while you were editing" in str(exc) else 400
            else:
                messages.success(
                    request, f"Version {version.version} of “{version.title}” is published."
                )
                return redirect("public:desk_policies")
        else:
            status = 400
    else:
        initial: dict[str, Any] = {"based_on": latest.version if latest else 0}
        if latest is not None:
            initial.update(title=latest.title, summary=latest.summary, body=latest.body)
        form = PolicyForm(initial=initial)
    context = {"document": document, "latest": latest, "form": form, "error": error}
    return render(request, "public/desk_policy_edit.html", context, status=status)
