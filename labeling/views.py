"""Labeling pages: the panel (classification, label, preview of what the audience sees, signed
rendition), the rendition files, and the vocabulary. Views parse input, call one service and
render; htmx requests get the panel, everything else the standalone page (or a redirect back
to it after a change)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from labeling.access import LABEL_DENIED, get_rendition_for_user, require_vocabulary_manager
from labeling.forms import (
    ClassificationForm,
    LabelForm,
    TermForm,
    label_form_initial,
    term_form_initial,
)
from labeling.models import Label, LabelTerm
from labeling.preview import NoPreview, badge_preview
from labeling.selectors import (
    current_classification,
    labeling_panel,
    term_options,
    vocabulary_overview,
)
from labeling.services import LabelingError, classification_set, label_set, rendition_create
from labeling.vocabulary_services import (
    VocabularyError,
    term_create,
    term_deactivate,
    term_reactivate,
    term_update,
)
from provenance.explanations import source_type_label
from review.access import can_label, get_asset_for_user
from review.decorators import acting_user, staff_required
from review.http import GATE_CHANGED_EVENT, HtmxHttpRequest, wants_fragment
from review.media import stored_basename, stored_file_response
from review.models import Asset

PANEL = "labeling/_panel.html"
PAGE = "labeling/panel_page.html"


def _panel_context(
    request: HtmxHttpRequest,
    asset: Asset,
    *,
    classify_form: ClassificationForm | None = None,
    label_form: LabelForm | None = None,
    label_query: dict[str, str] | None = None,
    error: str = "",
    error_section: str = "",
    success: str = "",
) -> dict[str, Any]:
    panel = labeling_panel(asset, request.user)
    if classify_form is None:
        classify_form = ClassificationForm(initial=panel.classification_initial())
    if label_form is None:
        query = label_query or {}
        term, language = panel.label_choice(query.get("term", ""), query.get("language", ""))
        label_form = LabelForm(
            initial=label_form_initial(
                term=term,
                language=language,
                suggestion=panel.suggestion(term, language),
                text=query.get("text", ""),
                suggested=query.get("suggested", ""),
            ),
            term_options=panel.term_options,
        )
    return {
        "asset": asset,
        "panel": panel,
        "classify_form": classify_form,
        "label_form": label_form,
        "labeling_error": error,
        "error_section": error_section,
        "labeling_success": success,
    }


def _panel_response(
    request: HtmxHttpRequest,
    asset: Asset,
    *,
    success: str = "",
    error: str = "",
    error_section: str = "panel",
    status: int = 200,
    **forms: Any,
) -> HttpResponseBase:
    """The answer to a POST on the panel: the panel for htmx; otherwise a redirect back to the
    labeling page, or the page itself with the error."""
    if not wants_fragment(request) and not error:
        messages.success(request, success)
        return redirect("labeling:panel", pk=asset.pk)
    context = _panel_context(
        request,
        asset,
        error=error,
        error_section=error_section if error else "",
        success=success,
        **forms,
    )
    template = PANEL if wants_fragment(request) else PAGE
    response = render(request, template, context, status=status)
    if success and wants_fragment(request):
        # Classification, label and rendition are items of the sign-off checklist.
        trigger_client_event(response, GATE_CHANGED_EVENT)
    return response


def _writable_asset(request: HtmxHttpRequest, pk: int) -> tuple[Asset, HttpResponseBase | None]:
    """The asset, and the 403 answer when the user may see it but not label it."""
    asset = get_asset_for_user(request.user, pk)
    if can_label(request.user, asset):
        return asset, None
    return asset, _panel_response(request, asset, error=LABEL_DENIED, status=403)


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def panel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    asset = get_asset_for_user(request.user, pk)
    query = {key: request.GET.get(key, "") for key in ("term", "language", "text", "suggested")}
    context = _panel_context(request, asset, label_query=query)
    if wants_fragment(request):
        # The label form asks for itself again when the term or language changes, to show
        # that choice's suggested wording; only those who may label get the form.
        panel_data = context["panel"]
        fragment = (
            request.GET.get("fragment") == "label-form"
            and panel_data.can_label
            and panel_data.classification is not None
        )
        return render(request, PANEL + "#label-form" if fragment else PANEL, context)
    return render(request, PAGE, context)


@staff_required
@require_POST
def classify(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset, refused = _writable_asset(request, pk)
    if refused:
        return refused
    form = ClassificationForm(request.POST)
    if not form.is_valid():
        return _panel_response(
            request,
            asset,
            error="The classification is incomplete; see the marked fields.",
            error_section="classify",
            status=400,
            classify_form=form,
        )
    data = form.cleaned_data
    try:
        classification = classification_set(
            asset_id=asset.pk,
            actor=acting_user(request),
            source_type=data["source_type"],
            techniques=data["techniques"],
            purpose=data["purpose"],
            certainty=data["certainty"],
            note=data["note"],
            provenance_report_id=data["provenance_report"],
        )
    except LabelingError as exc:
        return _panel_response(
            request,
            asset,
            error=str(exc),
            error_section="classify",
            status=400,
            classify_form=form,
        )
    return _panel_response(
        request,
        asset,
        success=f"Classified as “{source_type_label(classification.source_type)}” "
        f"(version {classification.version}).",
    )


@staff_required
@require_POST
def label(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset, refused = _writable_asset(request, pk)
    if refused:
        return refused
    options, _ = term_options(asset, current_classification(asset))
    form = LabelForm(request.POST, term_options=options)
    error = ""
    if form.is_valid():
        try:
            new = label_set(
                asset_id=asset.pk,
                actor=acting_user(request),
                term_key=form.cleaned_data["term"],
                language=form.cleaned_data["language"],
                text=form.edited_text(),
            )
        except LabelingError as exc:
            error = str(exc)
        else:
            wording = "your own wording" if new.edited else "the suggested wording"
            return _panel_response(
                request,
                asset,
                success=f"Label set: “{new.name}” (version {new.version}), with {wording}.",
            )
    else:
        error = "Choose a label and a language from the lists."
    return _panel_response(
        request, asset, error=error, error_section="label", status=400, label_form=form
    )


@staff_required
@require_POST
def rendition_render(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    asset, refused = _writable_asset(request, pk)
    if refused:
        return refused
    try:
        rendition = rendition_create(asset_id=asset.pk, actor=acting_user(request))
    except LabelingError as exc:
        # Nothing was stored: the request was fine, the asset or the newsroom's keys are not.
        return _panel_response(request, asset, error=str(exc), error_section="render", status=409)
    return _panel_response(
        request,
        asset,
        success=f"Signed rendition made ({rendition.get_badge_display().lower()}); its "
        "credentials verify against the newsroom's root.",
    )


@staff_required
@require_GET
def badge_preview_image(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    """The picture with the current label's badge, before anything is signed."""
    asset = get_asset_for_user(request.user, pk)
    label = Label.objects.filter(asset=asset).order_by("-version").first()
    if label is None:
        raise Http404("This asset has no label yet.")
    try:
        data = badge_preview(asset, label)
    except NoPreview as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@staff_required
@require_GET
def rendition_download(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    rendition = get_rendition_for_user(request.user, pk)
    return stored_file_response(
        rendition.file,
        media_type=rendition.media_type,
        filename=stored_basename(rendition.file, "rendition"),
        attachment=True,
    )


@staff_required
@require_GET
def rendition_preview(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    rendition = get_rendition_for_user(request.user, pk)
    if not rendition.media_type.startswith("image/"):
        raise Http404("This rendition is not an image; its preview is the disclosure slate.")
    return stored_file_response(
        rendition.file,
        media_type=rendition.media_type,
        filename=stored_basename(rendition.file, "rendition"),
        attachment=False,
    )


@staff_required
@require_GET
def rendition_sidecar(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    rendition = get_rendition_for_user(request.user, pk)
    if not rendition.sidecar:
        raise Http404("This rendition's credentials are embedded in the file; it has no sidecar.")
    return stored_file_response(
        rendition.sidecar,
        media_type="application/c2pa",
        filename=stored_basename(rendition.sidecar, "rendition"),
        attachment=True,
    )


@staff_required
@require_GET
def rendition_slate(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    rendition = get_rendition_for_user(request.user, pk)
    if not rendition.slate:
        raise Http404("Only audio and video renditions have a disclosure slate.")
    return stored_file_response(
        rendition.slate,
        media_type="image/png",
        filename=stored_basename(rendition.slate, "rendition"),
        attachment=False,
    )


# --- vocabulary ------------------------------------------------------------------------------


def _vocabulary_page(
    request: HtmxHttpRequest, form: TermForm, *, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {"form": form, "error": error, **vocabulary_overview()}
    return render(request, "labeling/vocabulary.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def vocabulary(request: HtmxHttpRequest) -> HttpResponseBase:
    require_vocabulary_manager(request.user)
    if request.method == "GET":
        return _vocabulary_page(request, TermForm())
    form = TermForm(request.POST)
    if not form.is_valid():
        return _vocabulary_page(request, form, status=400)
    data = form.cleaned_data
    try:
        term = term_create(
            actor=acting_user(request),
            key=data["key"],
            source_types=data["source_types"],
            techniques=data["techniques"],
            texts=form.texts(),
            position=data["position"],
        )
    except VocabularyError as exc:
        form.add_error(None, str(exc))
        return _vocabulary_page(request, form, status=400)
    messages.success(request, f"Term “{term.key}” added.")
    return redirect("labeling:vocabulary")


@staff_required
@require_http_methods(["GET", "POST"])
def term_edit(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    require_vocabulary_manager(request.user)
    term = get_object_or_404(LabelTerm.objects.prefetch_related("texts"), pk=pk)
    if request.method == "GET":
        form = TermForm(editing=True, initial=term_form_initial(term))
        return render(request, "labeling/term_edit.html", {"term": term, "form": form})
    form = TermForm(request.POST, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            term_update(
                term_id=term.pk,
                actor=acting_user(request),
                source_types=data["source_types"],
                techniques=data["techniques"],
                texts=form.texts(),
                position=data["position"],
            )
        except VocabularyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Term “{term.key}” saved; labels already set keep their words."
            )
            return redirect("labeling:vocabulary")
    return render(request, "labeling/term_edit.html", {"term": term, "form": form}, status=400)


def _term_activity(request: HtmxHttpRequest, pk: int, *, active: bool) -> HttpResponseBase:
    require_vocabulary_manager(request.user)
    term = get_object_or_404(LabelTerm, pk=pk)
    change = term_reactivate if active else term_deactivate
    try:
        change(term_id=term.pk, actor=acting_user(request))
    except VocabularyError as exc:
        return _vocabulary_page(request, TermForm(), status=409, error=str(exc))
    if active:
        messages.success(request, f"Term “{term.key}” is back in use.")
    else:
        messages.success(
            request,
            f"Term “{term.key}” taken out of use: no new labels with it; labels already set "
            "with it are unchanged.",
        )
    return redirect("labeling:vocabulary")


@staff_required
@require_POST
def term_deactivate_view(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    return _term_activity(request, pk, active=False)


@staff_required
@require_POST
def term_reactivate_view(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    return _term_activity(request, pk, active=True)
