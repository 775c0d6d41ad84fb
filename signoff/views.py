"""Sign-off actions on the asset page: the second approval and the acknowledgement of failing
credentials. Approval itself is the review workflow's Approve, which asks the gate."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_POST

from review.access import get_asset_for_user
from review.decorators import acting_user, staff_required
from review.views import workflow_response
from signoff.services import SignOffError, provenance_acknowledge, signoff_second_approve


@staff_required
@require_POST
def second_approve(request: HttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    if not request.user.has_perm("signoff.second_approve"):
        return workflow_response(
            request, asset.pk, status=403, error="Only legal or standards give the second approval."
        )
    try:
        signoff_second_approve(
            asset_id=asset.pk, actor=acting_user(request), note=request.POST.get("note", "")
        )
    except SignOffError as exc:
        return workflow_response(request, asset.pk, status=409, error=str(exc))
    return workflow_response(request, asset.pk, success="Second approval recorded: cleared.")


@staff_required
@require_POST
def acknowledge_provenance(request: HttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    if not request.user.has_perm("review.review_asset"):
        return workflow_response(
            request, asset.pk, status=403, error="Only an editor can acknowledge credentials."
        )
    try:
        provenance_acknowledge(
            asset_id=asset.pk, actor=acting_user(request), note=request.POST.get("note", "")
        )
    except SignOffError as exc:
        return workflow_response(request, asset.pk, status=400, error=str(exc))
    return workflow_response(request, asset.pk, success="Acknowledged, with your note.")
