"""Consent PDFs and bulk exports. The asset PDF is for whoever may see the asset's consent; the
person PDF and bulk exports are legal's. Every file handed out is on the audit chain."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from consent.errors import ConsentError
from consent.exports.services import (
    EXPIRING_DAYS,
    ExportFilters,
    consent_asset_pdf_export,
    consent_export_downloaded,
    consent_export_request,
    consent_person_pdf_export,
    export_for_user,
    person_for_export,
    recent_exports,
)
from consent.models import ExportStatus
from review.access import can_export_consent, can_view_consent, get_asset_for_user, require
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest, client_ip, wants_fragment
from review.models import AssetStatus

NOT_LEGAL = "Only legal can export consent records."


class ExportForm(forms.Form):
    story_ref = forms.CharField(
        label="Story reference",
        max_length=200,
        required=False,
        help_text="Every media item of this story that has people on record for consent.",
    )
    expiring = forms.BooleanField(
        label=f"Only consents expiring within {EXPIRING_DAYS} days",
        required=False,
    )
    status = forms.ChoiceField(
        label="Status on the desk",
        choices=[("", "Any status"), *AssetStatus.choices],
        required=False,
    )

    def clean_story_ref(self) -> str:
        return str(self.cleaned_data["story_ref"]).strip()


def _private(response: HttpResponseBase) -> HttpResponseBase:
    # Personal data: never kept by a shared cache or the browser's cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf_response(pdf: bytes, filename: str) -> HttpResponseBase:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@staff_required
@require_GET
def asset_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    require(
        can_view_consent(request.user, asset),
        "Only legal, the asset's reporter and the desk's editors see its consent records.",
    )
    pdf, _sha256 = consent_asset_pdf_export(
        actor=acting_user(request), asset=asset, ip_address=client_ip(request), via="download"
    )
    return _pdf_response(pdf, f"consent-asset-{asset.pk}.pdf")


@staff_required
@require_GET
def person_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    person = person_for_export(request.user, pk)
    pdf, _sha256 = consent_person_pdf_export(
        actor=acting_user(request), person=person, ip_address=client_ip(request), via="download"
    )
    return _pdf_response(pdf, f"consent-person-{person.pk}.pdf")


@staff_required
@require_http_methods(["GET", "POST"])
def exports(request: HtmxHttpRequest) -> HttpResponseBase:
    require(can_export_consent(request.user), NOT_LEGAL)
    form = ExportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                export = consent_export_request(
                    actor=acting_user(request),
                    filters=ExportFilters(**form.cleaned_data),
                    ip_address=client_ip(request),
                )
            except ConsentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Export queued: {export.description} ({export.total} PDF"
                    f"{'s' if export.total != 1 else ''}). This page shows its progress.",
                )
                return redirect("consent:exports")
    context = {"form": form, "exports": recent_exports()}
    return render(request, "consent/exports.html", context, status=status)


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def export_progress(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    export = export_for_user(request.user, pk)
    if not wants_fragment(request):
        return redirect("consent:exports")
    return _private(render(request, "consent/exports.html#export", {"export": export}))


@staff_required
@require_GET
def export_download(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    export = export_for_user(request.user, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404("This export is not ready.")
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404("The export file is missing from storage.") from None
    consent_export_downloaded(
        actor=acting_user(request), export=export, ip_address=client_ip(request)
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"consent-export-{export.pk}.zip",
        content_type="application/zip",
    )
    return _private(response)
