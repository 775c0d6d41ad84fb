"""Provenance pages: thumbnails from credentials and the trust lists. (Re-running an asset's
check is an action on the asset page: workflow.views.recheck_provenance.)"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from provenance.forms import TrustListForm
from provenance.models import ProvenanceThumbnail, TrustList, TrustRecheck
from provenance.selectors import trust_overview
from provenance.services import trust_list_retire, trust_list_upload
from provenance.trust import InvalidTrustBundle
from review.access import can_manage_trust, get_asset_for_user, require
from review.decorators import acting_user, staff_required
from review.http import HtmxHttpRequest
from review.media import stored_file_response


@staff_required
@require_GET
def thumbnail(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    thumb = get_object_or_404(ProvenanceThumbnail.objects.select_related("report"), pk=pk)
    get_asset_for_user(request.user, thumb.report.asset_id)
    # The format is what the credentials claim: the response's sandbox and nosniff hold
    # whatever it says, and an SVG is only ever downloaded.
    extension = mimetypes.guess_extension(thumb.media_type) or ""
    return stored_file_response(
        thumb.file,
        media_type=thumb.media_type,
        filename=f"thumbnail-{thumb.pk}{extension}",  # saved, the stored name would be a hash
        cache_control="private, max-age=3600",
    )


def _rechecking(run: TrustRecheck) -> str:
    if not run.total:
        return "No assets are in review, so nothing needs re-checking."
    return f"Re-checking {run.total} asset{'s' if run.total != 1 else ''} in review."


def _require_trust_manager(request: HtmxHttpRequest) -> None:
    require(
        can_manage_trust(request.user),
        "Only standards editors and administrators manage trust lists.",
    )


@staff_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def trust_lists(request: HtmxHttpRequest) -> HttpResponseBase:
    _require_trust_manager(request)
    form = TrustListForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bundle, run = trust_list_upload(
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    raw=form.cleaned_data["bundle"],
                    uploaded_by=acting_user(request),
                )
            except InvalidTrustBundle as exc:
                form.add_error("bundle", str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    f"{bundle} added ({bundle.certificate_count} certificates). {_rechecking(run)}",
                )
                return redirect("provenance:trust")
        else:
            status = 400
    return render(
        request, "provenance/trust.html", {"form": form, **trust_overview()}, status=status
    )


@staff_required
@require_POST
def trust_retire(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    _require_trust_manager(request)
    bundle = get_object_or_404(TrustList, pk=pk)
    run = trust_list_retire(bundle_id=bundle.pk, actor=acting_user(request))
    messages.success(request, f"{bundle} retired. {_rechecking(run)}")
    return redirect("provenance:trust")


@staff_required
@require_GET
def recheck_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _require_trust_manager(request)
    run = get_object_or_404(TrustRecheck, pk=pk)
    return render(request, "provenance/trust.html#recheck", {"run": run})
