"""What the app does: ask Proofdesk before a page is published, keep Proofdesk told of what is
live, and act on its webhooks.

Network calls to Proofdesk never run inside a database transaction: a slow Proofdesk must not
hold locks on Wagtail's pages. Reports carry idempotency keys kept on the `Publication` row, so
a report that failed half-way is simply sent again, by the next webhook retry or by
`manage.py proofdesk_sync`.
"""

from __future__ import annotations

import io
import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from proofdesk_client import (
    AssetClearance,
    AssetCleared,
    ClearanceRevoked,
    ConsentRevoked,
    CorrectionIssued,
    LabelChanged,
    NotCleared,
    NotFound,
    ProofdeskClient,
    ProofdeskError,
    ReferenceLive,
    RetryPolicy,
    TakedownRequested,
    WebhookEvent,
    WebhookLabel,
    WebhookVerifier,
)
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from wagtail_proofdesk.conf import Policy, proofdesk_settings
from wagtail_proofdesk.models import (
    AssetState,
    ProofdeskAssetLink,
    Publication,
    ReceivedWebhook,
)

logger = logging.getLogger(__name__)

# Proofdesk's limit on an unpublication's reason.
REASON_MAX = 300


def proofdesk_client(*, max_attempts: int | None = None) -> ProofdeskClient:
    conf = proofdesk_settings()
    return ProofdeskClient(
        conf.base_url,
        conf.token,
        timeout=(3.05, conf.timeout),
        retry=RetryPolicy(max_attempts=max_attempts or conf.max_attempts, max_delay=5.0),
    )


def webhook_verifier() -> WebhookVerifier:
    return WebhookVerifier(proofdesk_settings().webhook_secrets)


# --- before publishing --------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    asset_id: int
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"Proofdesk has not cleared asset {self.asset_id}: " + " ".join(self.reasons)


def linked_asset_ids(page: Page) -> list[int]:
    """The Proofdesk assets linked to `page` as it is about to be published (a page's
    children are held in memory until it is saved, so this sees the editor's form)."""
    links: Iterable[ProofdeskAssetLink] = page.proofdesk_assets.all()
    return list(dict.fromkeys(link.asset_id for link in links))


def publish_check(page: Page) -> list[Refusal]:
    """Ask Proofdesk about every asset linked to the page. Each cleared one is made ready to
    show (its label, and its signed rendition downloaded into Wagtail); each other one is a
    refusal with Proofdesk's own reasons. Proofdesk unreachable is a refusal too: a page is
    never published unchecked."""
    asset_ids = linked_asset_ids(page)
    if not asset_ids:
        return []
    client = proofdesk_client()
    refusals: list[Refusal] = []
    for asset_id in asset_ids:
        try:
            clearance = client.get_clearance(asset_id)
        except NotFound:
            refusals.append(
                Refusal(
                    asset_id,
                    (
                        "Proofdesk has no asset with this number that it has cleared. Check "
                        "the number, or ask the desk to review the asset.",
                    ),
                )
            )
            continue
        except ProofdeskError as exc:
            refusals.append(
                Refusal(asset_id, (f"Proofdesk could not be asked ({exc}). Try again shortly.",))
            )
            continue
        if not clearance.cleared:
            reasons = clearance.clearance.reasons or [
                f"Its clearance is {clearance.clearance.status.replace('_', ' ')}."
            ]
            asset_state_record(clearance)
            refusals.append(Refusal(asset_id, tuple(reasons)))
            continue
        try:
            asset_state_store(clearance, client)
        except ProofdeskError as exc:
            refusals.append(
                Refusal(asset_id, (f"Its signed rendition could not be fetched ({exc}).",))
            )
    return refusals


def _locked_state(asset_id: int) -> AssetState:
    state, _ = AssetState.objects.select_for_update().get_or_create(asset_id=asset_id)
    return state


def asset_state_record(clearance: AssetClearance) -> AssetState:
    """What the clearance says, without the rendition (a refusal, or a label refresh)."""
    with transaction.atomic():
        state = _locked_state(clearance.id)
        _copy_clearance(state, clearance)
        state.save()
    return state


def _copy_clearance(state: AssetState, clearance: AssetClearance) -> None:
    state.clearance_status = clearance.clearance.status
    state.media_kind = clearance.media_kind
    state.reasons = list(clearance.clearance.reasons)
    state.content_hash = clearance.signoff.content_hash if clearance.signoff else ""
    state.checked_at = timezone.now()
    label = clearance.label
    if label is not None:
        state.label_name, state.label_text = label.name, label.text
        state.label_version = label.version
        state.label_html, state.label_html_version = label.html, label.version
        state.json_ld = label.json_ld
    elif clearance.cleared:
        # Cleared as plainly captured: no label to show.
        state.label_name = state.label_text = state.label_html = ""
        state.label_version = state.label_html_version = None
        state.json_ld = None


def asset_state_store(clearance: AssetClearance, client: ProofdeskClient) -> AssetState:
    """A cleared asset made ready to show: its label, and its signed rendition downloaded
    (checked against the sha256 Proofdesk gave) unless Wagtail has that very file already."""
    rendition = clearance.rendition
    current = AssetState.objects.filter(asset_id=clearance.id).first()
    have = (
        current is not None
        and rendition is not None
        and (
            current.rendition_sha256 == rendition.sha256
            and (current.signed_image_id is not None or current.signed_document_id is not None)
        )
    )
    saved: Any = None
    if rendition is not None and not have:
        data = client.download_rendition(rendition)  # outside any transaction: network I/O
        saved = _save_rendition(clearance, data)
    with transaction.atomic():
        state = _locked_state(clearance.id)
        _copy_clearance(state, clearance)
        if saved is not None and rendition is not None:
            state.rendition_sha256 = rendition.sha256
            if clearance.media_kind == "image":
                state.signed_image, state.signed_document = saved, None
            else:
                state.signed_document, state.signed_image = saved, None
        elif rendition is None:
            state.rendition_sha256 = ""
            state.signed_image = state.signed_document = None
        state.save()
    return state


def _collection() -> Collection:
    name = proofdesk_settings().image_collection
    root: Collection = Collection.get_first_root_node()
    if not name:
        return root
    found = Collection.objects.filter(name=name).first()
    return found or root.add_child(name=name)


def _save_rendition(clearance: AssetClearance, data: bytes) -> Any:
    """The signed file as a Wagtail image (or document, for audio and video). Its original is
    what readers must get: Wagtail's resized renditions would drop the C2PA manifest."""
    assert clearance.rendition is not None
    media_type = clearance.rendition.media_type
    extension = mimetypes.guess_extension(media_type) or ""
    name = f"proofdesk-{clearance.id}-{clearance.rendition.sha256[:12]}{extension}"
    title = f"Proofdesk asset {clearance.id} (signed, labeled)"
    if clearance.media_kind == "image":
        image = get_image_model()(
            title=title, collection=_collection(), file=ImageFile(io.BytesIO(data), name=name)
        )
        # What Wagtail's own upload views do: file size and hash for its duplicate checks.
        image._set_image_file_metadata()
        image.save()
        return image
    document = get_document_model()(title=title, collection=_collection())
    document.file.save(name, ContentFile(data), save=False)
    document._set_document_file_metadata()
    document.save()
    return document


# --- after publishing ----------------------------------------------------------------------


def cms_reference(page_id: int, asset_id: int) -> str:
    return proofdesk_settings().cms_reference.format(page_id=page_id, asset_id=asset_id)


def page_publications_sync(page: Page) -> None:
    """The page went live: a live publication for each linked asset. An asset no longer on the
    page, or a page that moved, has its old publication withdrawn."""
    url = page.get_full_url()
    asset_ids = linked_asset_ids(page)
    now = timezone.now()
    with transaction.atomic():
        live = {
            p.asset_id: p
            for p in Publication.objects.select_for_update().filter(
                page_id=page.pk, unpublished_at__isnull=True
            )
        }
        for asset_id, publication in live.items():
            if asset_id not in asset_ids:
                _withdraw(publication, "Removed from the page.", now)
            elif url is not None and publication.public_url != url:
                _withdraw(publication, f"The page moved to {url}.", now)
        if url is None:
            logger.warning("Page %s has no public URL: nothing to report to Proofdesk", page.pk)
            return
        for asset_id in asset_ids:
            current = live.get(asset_id)
            if current is None or current.unpublished_at is not None:
                Publication.objects.create(
                    page_id=page.pk,
                    asset_id=asset_id,
                    cms_reference=cms_reference(page.pk, asset_id),
                    public_url=url,
                )


def page_publications_withdraw(page_id: int, reason: str, *, asset_id: int | None = None) -> int:
    """Mark the page's live publications (of one asset, or all) withdrawn; reported later."""
    rows = Publication.objects.select_for_update().filter(
        page_id=page_id, unpublished_at__isnull=True
    )
    if asset_id is not None:
        rows = rows.filter(asset_id=asset_id)
    now = timezone.now()
    with transaction.atomic():
        found = list(rows)
        for publication in found:
            _withdraw(publication, reason, now)
    return len(found)


def _withdraw(publication: Publication, reason: str, now: Any) -> None:
    publication.unpublished_at = now
    publication.unpublish_reason = reason[:REASON_MAX]
    publication.save(update_fields=["unpublished_at", "unpublish_reason"])


@dataclass
class ReportResult:
    """What Proofdesk refused (publication, its reasons) and what could not be sent."""

    refused: list[tuple[Publication, list[str]]] = field(default_factory=list)
    failed: list[tuple[Publication, ProofdeskError]] = field(default_factory=list)


def publications_report(
    *,
    page_id: int | None = None,
    asset_id: int | None = None,
    client: ProofdeskClient | None = None,
) -> ReportResult:
    """Tell Proofdesk what it has not been told: withdrawals first (a reference that moves is
    withdrawn before it is published again), then publications. Each report is sent with the
    idempotency key stored on its row, so sending one twice is harmless."""
    client = client or proofdesk_client()
    result = ReportResult()
    rows = Publication.objects.all()
    if page_id is not None:
        rows = rows.filter(page_id=page_id)
    if asset_id is not None:
        rows = rows.filter(asset_id=asset_id)
    for publication in rows.filter(
        unpublished_at__isnull=False, unpublish_reported_at__isnull=True
    ).order_by("pk"):
        if publication.reported_at is not None:
            try:
                client.report_unpublication(
                    publication.asset_id,
                    cms_reference=publication.cms_reference,
                    reason=publication.unpublish_reason or "Unpublished in Wagtail.",
                    idempotency_key=publication.unpublish_key,
                )
            except NotFound:
                pass  # nothing of ours is live there any more: what we wanted
            except ProofdeskError as exc:
                _failed(result, publication, exc)
                continue
        # Never reported as published: there is nothing to withdraw on Proofdesk's side.
        publication.unpublish_reported_at = timezone.now()
        publication.report_error = ""
        publication.save(update_fields=["unpublish_reported_at", "report_error"])
    for publication in rows.filter(unpublished_at__isnull=True, reported_at__isnull=True).order_by(
        "pk"
    ):
        try:
            answer = client.report_publication(
                publication.asset_id,
                cms_reference=publication.cms_reference,
                public_url=publication.public_url,
                idempotency_key=publication.report_key,
            )
        except (NotCleared, NotFound) as refused:
            reasons = refused.reasons or [refused.detail]
            publication.report_error = " ".join(reasons)
            publication.save(update_fields=["report_error"])
            result.refused.append((publication, reasons))
            continue
        except ReferenceLive:
            # Proofdesk already holds this reference live (a report whose answer was lost
            # before its key was kept): it is told.
            pass
        except ProofdeskError as exc:
            _failed(result, publication, exc)
            continue
        else:
            _refresh_if_newer(client, publication.asset_id, answer.signoff_content_hash)
        publication.reported_at = timezone.now()
        publication.report_error = ""
        publication.save(update_fields=["reported_at", "report_error"])
    return result


def _failed(result: ReportResult, publication: Publication, exc: ProofdeskError) -> None:
    logger.warning("Could not report %s to Proofdesk: %s", publication.cms_reference, exc)
    publication.report_error = str(exc)[:1000]
    publication.save(update_fields=["report_error"])
    result.failed.append((publication, exc))


def _refresh_if_newer(client: ProofdeskClient, asset_id: int, content_hash: str) -> None:
    """A page published without the editor's check (scheduled, bulk, a workflow) may have
    gone live before its asset's signed rendition and label were fetched: fetch them now."""
    state = AssetState.objects.filter(asset_id=asset_id).first()
    if state is not None and state.content_hash == content_hash:
        return
    try:
        asset_state_store(client.get_clearance(asset_id), client)
    except ProofdeskError as exc:
        logger.warning("Could not refresh Proofdesk asset %s: %s", asset_id, exc)


def after_publish(page_id: int) -> ReportResult:
    """Report a page just published. A page Proofdesk refuses (its asset's clearance was
    revoked between the check and the publication, or it was published without the check) is
    unpublished again at once."""
    result = publications_report(page_id=page_id)
    if result.refused:
        page = Page.objects.filter(pk=page_id, live=True).first()
        if page is not None:
            page.specific.unpublish(log_action=True)
    return result


# --- webhooks ------------------------------------------------------------------------------


def pages_using(asset_id: int) -> list[Page]:
    """Live pages showing the asset: those reported published with it, and those whose
    published content links it."""
    page_ids = set(
        Publication.objects.filter(
            asset_id=asset_id, unpublished_at__isnull=True, page__isnull=False
        ).values_list("page_id", flat=True)
    )
    page_ids |= set(
        ProofdeskAssetLink.objects.filter(asset_id=asset_id).values_list("page_id", flat=True)
    )
    return list(Page.objects.live().filter(pk__in=page_ids).specific().order_by("pk"))


def act_on_pages(policy: Policy, asset_id: int, reason: str) -> None:
    """What the newsroom chose to do with the pages showing an asset that must not stay as
    it is: unpublish them, put them to moderation (their workflow starts, the editors see them
    in their tasks; without a workflow they are unpublished), or keep them."""
    if policy in ("keep", "update_label"):
        return
    for page in pages_using(asset_id):
        workflow = page.get_workflow() if policy == "moderation" else None
        if workflow is not None:
            if not page.workflow_in_progress:
                workflow.start(page, None)
            continue
        # This asset's publication first, with the reason; the page's others are withdrawn by
        # the page_unpublished receiver.
        page_publications_withdraw(page.pk, reason, asset_id=asset_id)
        page.unpublish(log_action=True)


def _apply_label(state: AssetState, label: WebhookLabel) -> None:
    state.label_name, state.label_text, state.label_version = label.name, label.text, label.version


def _apply(event: WebhookEvent, state: AssetState) -> str:
    conf = proofdesk_settings()
    if isinstance(event, AssetCleared):
        state.clearance_status, state.reasons = "cleared", []
    elif isinstance(event, ClearanceRevoked):
        state.clearance_status, state.reasons = "not_cleared", [event.reason]
        act_on_pages(
            conf.on_clearance_revoked,
            event.asset_id,
            f"Proofdesk revoked the clearance: {event.reason}",
        )
    elif isinstance(event, ConsentRevoked):
        state.clearance_status = "not_cleared"
        act_on_pages(
            conf.on_consent_revoked, event.asset_id, f"A consent was {event.kind} in Proofdesk."
        )
    elif isinstance(event, LabelChanged):
        _apply_label(state, event.label)
    elif isinstance(event, TakedownRequested):
        state.clearance_status, state.reasons = "taken_down", []
        state.correction_note = event.public_note
        act_on_pages(
            "unpublish",
            event.asset_id,
            f"Takedown requested by Proofdesk (incident {event.incident_id}).",
        )
    elif isinstance(event, CorrectionIssued):
        state.correction_note = event.public_note
        if event.label is not None:
            _apply_label(state, event.label)
        act_on_pages(
            conf.on_correction_issued,
            event.asset_id,
            f"Proofdesk issued a correction (incident {event.incident_id}).",
        )
    else:
        return ReceivedWebhook.Outcome.IGNORED
    return ReceivedWebhook.Outcome.APPLIED


class ReportsPending(Exception):
    """The event was applied, but Proofdesk could not be told everything it asked for."""


def webhook_handle(event: WebhookEvent) -> str:
    """Handle a verified event once, in order for its asset; returns the outcome.

    The event's changes and the asset's last sequence commit together, under the asset's
    lock, so two events for one asset never interleave and an older one arriving late is not
    applied over a newer one. The reports it calls for are sent after the commit; if they
    fail, ReportsPending (the view answers 500) and Proofdesk's retry, with the same
    webhook-id, only sends them again."""
    with transaction.atomic():
        received, _ = ReceivedWebhook.objects.select_for_update().get_or_create(
            webhook_id=event.id,
            defaults={"type": event.type, "asset_id": event.asset_id, "sequence": event.sequence},
        )
        if received.processed_at is not None:
            return "duplicate"
        if received.applied_at is None:
            state = _locked_state(event.asset_id)
            if event.sequence <= state.last_sequence:
                received.outcome = ReceivedWebhook.Outcome.STALE
            else:
                received.outcome = _apply(event, state)
                state.last_sequence = event.sequence
                state.save()
            received.applied_at = timezone.now()
            received.save(update_fields=["outcome", "applied_at"])
    result = publications_report(asset_id=event.asset_id)
    withdrawals = [p for p, _ in result.failed if p.unpublished_at is not None]
    if withdrawals:
        raise ReportsPending(f"{len(withdrawals)} unpublication report(s) to Proofdesk failed")
    received.processed_at = timezone.now()
    received.save(update_fields=["processed_at"])
    return received.outcome
