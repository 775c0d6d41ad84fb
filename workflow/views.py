"""The review desk's pages: the queue, upload, and the asset page that composes every app's
panel, with the actions taken on it (the workflow's, the second approval, the acknowledgement
of failing credentials, a provenance re-check). Views parse input, call one service or
selector, and render; htmx requests get the page's partial, everything else the full page.

Their URL names stay in the `review` namespace (workflow.urls): names are an interface of the
templates and of bookmarks, not of the Python package that answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.roles import AnyUser
from provenance.selectors import provenance_panel
from provenance.services import provenance_request_recheck
from review.access import (
    ACTIONS,
    Action,
    ActionRefused,
    available_actions,
    can_acknowledge_provenance,
    can_recheck_provenance,
    can_review_asset,
    can_second_approve,
    can_upload,
    can_view_consent,
    get_asset_for_user,
)
from review.decorators import acting_user, staff_required
from review.forms import NoteForm, UploadForm
from review.http import HtmxHttpRequest, wants_fragment
from review.intake import (
    ORPHAN_SIDECAR,
    IntakeError,
    Rejection,
    upload_batch,
    upload_rejections,
)
from review.media import media_response
from review.models import Asset, AssetStatus
from review.selectors import (
    asset_comments,
    asset_duplicates,
    asset_timeline,
)
from signoff.selectors import SignOffPanel, readiness_of, signoff_panel
from signoff.services import (
    SignOffError,
    active_signoff,
    provenance_acknowledge,
    signoff_second_approve,
)
from workflow.services import (
    TRANSITION_SERVICES,
    IntakeResult,
    InvalidNote,
    asset_intake,
    comment_add,
)
from workflow.tasks import asset_check, tasks_run_in_process


def _upload_context(request: HtmxHttpRequest, form: UploadForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "max_upload_size": settings.MAX_UPLOAD_SIZE, **extra}


@staff_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def upload(request: HtmxHttpRequest) -> HttpResponse:
    if not can_upload(request.user):
        return render(request, "403.html", {"reason": "Your role cannot upload media."}, status=403)
    if request.method == "GET":
        return render(request, "review/upload.html", _upload_context(request, UploadForm()))

    form = UploadForm(request.POST)
    files = request.FILES.getlist("files")  # streams and hashes the upload
    rejected: list[Rejection] = list(upload_rejections(request))
    results: list[IntakeResult] = []
    if form.is_valid() and not files and not rejected:
        form.add_error(None, "Choose at least one file to upload.")
    if form.is_valid():
        # photo.c2pa sent with photo.jpg is that file's sidecar manifest, not an asset.
        batch = upload_batch(files)
        rejected += [Rejection(f.name or "upload", ORPHAN_SIDECAR) for f in batch.orphan_sidecars]
        for uploaded, sidecar in batch.media:
            try:
                results.append(
                    asset_intake(
                        uploaded_by=acting_user(request),
                        content=uploaded,
                        sha256=uploaded.sha256,  # type: ignore[attr-defined]
                        original_filename=uploaded.name or "upload",
                        source=form.cleaned_data["source"],
                        story_ref=form.cleaned_data["story_ref"],
                        description=form.cleaned_data["description"],
                        intake_token=form.cleaned_data["intake_token"],
                        sidecar=sidecar,
                    )
                )
            except IntakeError as exc:
                rejected.append(Rejection(uploaded.name or "upload", str(exc)))
    status = 200 if results or (form.is_valid() and not rejected) else 400
    next_form = (
        UploadForm(
            initial={
                "source": form.data.get("source"),
                "story_ref": form.data.get("story_ref", ""),
            }
        )
        if results
        else form
    )
    context = _upload_context(
        request,
        next_form,
        results=results,
        rejected=rejected,
        submitted=True,
        batch_time=timezone.now(),
    )
    template = (
        "review/upload.html#upload-panel" if wants_fragment(request) else "review/upload.html"
    )
    return render(request, template, context, status=status)


# Asked in the browser before the button's POST is sent (hx-confirm): the actions that cannot
# be taken back from this page.
CONFIRMATIONS = {
    Action.APPROVE: "Approve this asset? The CMS may publish it, with its label, as soon as it "
    "is cleared.",
    Action.REJECT: "Reject this asset? It cannot be resubmitted.",
    Action.WITHDRAW: "Withdraw this asset? Nobody can review or publish it afterwards.",
    Action.MARK_PUBLISHED: "Mark this asset as published?",
}
# What the desk says once an action went through.
DONE = {
    Action.APPROVE: "Approved: cleared for publication.",
    Action.REQUEST_CHANGES: "Sent back to the uploader with your note.",
    Action.REJECT: "Rejected.",
    Action.RESUBMIT: "Resubmitted for review.",
    Action.WITHDRAW: "Withdrawn.",
    Action.MARK_PUBLISHED: "Marked as published.",
}
APPROVED_PENDING_SECOND = (
    "Approved: legal or standards must give the second approval before it is cleared."
)


def _status_label(asset: Asset, signoff: SignOffPanel) -> str:
    """The status in words; an approval still waiting for its second approval says so rather
    than a bare "Approved" that reads as cleared."""
    label = str(asset.get_status_display())
    pending = signoff.signoff is not None and signoff.signoff.cleared_at is None
    if asset.status == AssetStatus.APPROVED and pending:
        return f"{label}, waiting for a second approval"
    return label


def _detail_context(request: HtmxHttpRequest, asset: Asset, **extra: Any) -> dict[str, Any]:
    signoff = signoff_panel(asset, request.user)
    readiness = readiness_of(gate=signoff.gate, signoff=signoff.signoff)
    actions = available_actions(asset, request.user, readiness=readiness)
    return {
        "asset": asset,
        "status_label": _status_label(asset, signoff),
        "actions": [
            (action, ACTIONS[action], CONFIRMATIONS.get(action, ""))
            for action in actions
            if action != Action.COMMENT
        ],
        "can_comment": Action.COMMENT in actions,
        "comments": asset_comments(asset),
        "timeline": asset_timeline(asset),
        "duplicates": asset_duplicates(asset, request.user),
        "note_form": NoteForm(),
        "is_uploader": asset.uploaded_by_id == request.user.pk,
        "panel": provenance_panel(asset),
        "can_recheck": can_recheck_provenance(request.user, asset),
        # No query: the permissions are cached by available_actions above. The consent card
        # itself loads after the page (consent:summary), so this page's query count stays.
        "can_view_consent": can_view_consent(request.user, asset),
        "signoff_panel": signoff,
        # Approve shown disabled, pointing at the checklist, when only the gate stands in the way.
        "approve_blocked": (
            Action.APPROVE not in actions
            and signoff.gate is not None
            and not signoff.gate.passed
            and can_review_asset(request.user, asset)
        ),
        **extra,
    }


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def asset_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    asset = get_asset_for_user(request.user, pk)
    template = "review/asset_detail.html"
    if wants_fragment(request) and request.GET.get("fragment") == "workflow":
        template += "#workflow-update"
    return render(request, template, _detail_context(request, asset))


def workflow_response(
    request: HtmxHttpRequest,
    asset_id: int,
    *,
    error: str = "",
    status: int = 200,
    success: str = "",
    region: str = "workflow",
) -> HttpResponseBase:
    """The answer to a POST on an asset: for htmx, the region it changed with its message (the
    status and sign-off, or the comments) and the other regions out of band; otherwise a
    redirect back to the page (or the page itself with the error)."""
    if not wants_fragment(request) and not error:
        messages.success(request, success)
        return redirect("review:asset_detail", pk=asset_id)
    asset = get_asset_for_user(request.user, asset_id)
    template = "review/asset_detail.html"
    if wants_fragment(request):
        template += f"#{region}-update"
    context = _detail_context(
        request,
        asset,
        **{f"{'comment' if region == 'discussion' else 'action'}_error": error},
        **{f"{'comment' if region == 'discussion' else 'action'}_success": success},
    )
    return render(request, template, context, status=status)


@staff_required
@require_POST
def asset_action(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    try:
        chosen = Action(action)
        service = TRANSITION_SERVICES[chosen]
    except (ValueError, KeyError):
        raise Http404("No such action.") from None
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        service(
            asset_id=asset.pk, actor=acting_user(request), note=form.cleaned_data.get("note", "")
        )
    except ActionRefused as exc:
        status = 403 if exc.denial.kind == "role" else 409  # state or gate: not now
        return workflow_response(request, asset.pk, error=exc.denial.message, status=status)
    except InvalidNote as exc:
        return workflow_response(request, asset.pk, error=str(exc), status=400)
    done = DONE[chosen]
    if chosen is Action.APPROVE:
        asset.refresh_from_db(fields=["status"])
        signoff = active_signoff(asset)
        if signoff is not None and signoff.cleared_at is None:
            done = APPROVED_PENDING_SECOND
    return workflow_response(request, asset.pk, success=done)


@staff_required
@require_POST
def asset_comment(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        comment_add(
            asset_id=asset.pk,
            author=acting_user(request),
            body=form.cleaned_data.get("note", ""),
        )
    except ActionRefused as exc:
        return workflow_response(
            request, asset.pk, error=exc.denial.message, status=403, region="discussion"
        )
    except InvalidNote as exc:
        return workflow_response(request, asset.pk, error=str(exc), status=400, region="discussion")
    return workflow_response(request, asset.pk, success="Comment added.", region="discussion")


@staff_required
@require_GET
def asset_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One asset's status as the upload page shows it, asked again every 2 s while its checks
    run (the response stops asking once they are done)."""
    asset = get_asset_for_user(request.user, pk)
    return render(request, "review/upload.html#result-status", {"asset": asset})


@staff_required
@require_GET
def asset_media(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    return media_response(asset)


# --- sign-off and provenance actions on the asset page ---------------------------------------


def _signoff_action(
    request: HtmxHttpRequest,
    pk: int,
    *,
    allowed: Callable[[AnyUser, Asset], bool],
    denied: str,
    service: Callable[..., object],
    refused_status: int,
    success: str,
) -> HttpResponseBase:
    """A sign-off action on the asset page: the access layer decides, the service writes (with
    the note), and the workflow panel answers either way."""
    asset = get_asset_for_user(request.user, pk)
    if not allowed(request.user, asset):
        return workflow_response(request, asset.pk, status=403, error=denied)
    try:
        service(asset_id=asset.pk, actor=acting_user(request), note=request.POST.get("note", ""))
    except SignOffError as exc:
        return workflow_response(request, asset.pk, status=refused_status, error=str(exc))
    return workflow_response(request, asset.pk, success=success)


@staff_required
@require_POST
def second_approve(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    return _signoff_action(
        request,
        pk,
        allowed=can_second_approve,
        denied="Only legal or standards give the second approval.",
        service=signoff_second_approve,
        refused_status=409,  # someone else approved, or the asset changed
        success="Second approval recorded: cleared.",
    )


@staff_required
@require_POST
def acknowledge_provenance(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    return _signoff_action(
        request,
        pk,
        allowed=can_acknowledge_provenance,
        denied="Only an editor can acknowledge credentials.",
        service=provenance_acknowledge,
        refused_status=400,  # the note is missing or too short
        success="Acknowledged, with your note.",
    )


@staff_required
@require_POST
def recheck_provenance(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset = get_asset_for_user(request.user, pk)
    if not can_recheck_provenance(request.user, asset):
        return workflow_response(
            request, asset.pk, status=403, error="Your role cannot re-run provenance checks."
        )
    if asset.status == AssetStatus.CHECKING:
        # Stuck in its intake check (a server killed mid-check): the whole check, which moves
        # it on to review, not only a new provenance report.
        asset_check.delay(asset.pk, "recheck")
    else:
        provenance_request_recheck(asset_id=asset.pk, actor=acting_user(request))
    # In-process tasks (no broker) have run by now; a worker may take a moment.
    return workflow_response(
        request,
        asset.pk,
        success="Provenance check re-run: the new report is below."
        if tasks_run_in_process()
        else "Provenance check queued: reload this page in a moment for the new report.",
    )
