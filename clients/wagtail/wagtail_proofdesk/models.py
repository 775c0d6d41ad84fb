"""What Wagtail keeps about Proofdesk's assets.

* `ProofdeskAssetLink`: an editor links a Proofdesk asset (by its id) to a page, with the
  Wagtail image (or document, for audio and video) that shows it. It is a child of the page
  (an orderable), so it is part of the page's revisions and goes live with the page.
* `AssetState`: what Proofdesk last said about one asset: its clearance, label, correction, the
  signed rendition downloaded into Wagtail, and the last webhook sequence applied (so events
  are applied in order, an older one never over a newer one).
* `Publication`: a page published with an asset, as reported to Proofdesk, with the
  idempotency keys that make each report safe to retry.
* `ReceivedWebhook`: every webhook id seen, so that each event is handled once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.images import get_image_model_string


def new_key() -> str:
    return str(uuid.uuid4())


class ProofdeskAssetLink(models.Model):
    """Orderable as Wagtail's `Orderable` is (a `sort_order` the InlinePanel keeps), written
    out so that the type checker sees a Django model: Wagtail ships no type hints."""

    page = ParentalKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="proofdesk_assets"
    )
    asset_id = models.PositiveIntegerField(
        "Proofdesk asset",
        help_text="The asset's number in Proofdesk (in its address: /assets/1842/).",
    )
    image = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The picture as the editor placed it; readers get Proofdesk's signed, "
        "labeled rendition of it once the page is published.",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For audio or video: the media file as the editor placed it.",
    )

    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    sort_order_field = "sort_order"

    panels = [FieldPanel("asset_id"), FieldPanel("image"), FieldPanel("document")]

    class Meta:
        ordering = ["sort_order"]
        verbose_name = "Proofdesk asset"
        verbose_name_plural = "Proofdesk assets"

    def __str__(self) -> str:
        return f"Proofdesk asset {self.asset_id}"


class AssetState(models.Model):
    asset_id = models.PositiveIntegerField(unique=True)
    last_sequence = models.PositiveIntegerField(
        default=0, help_text="The last webhook sequence applied for this asset."
    )
    clearance_status = models.CharField(max_length=40, blank=True)
    media_kind = models.CharField(max_length=20, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    label_name = models.CharField(max_length=200, blank=True)
    label_text = models.TextField(blank=True)
    label_version = models.PositiveIntegerField(null=True, blank=True)
    # Proofdesk's own snippet and JSON-LD, for `label_version`; a label changed by webhook is
    # shown from name and text until the next clearance brings its snippet.
    label_html = models.TextField(blank=True)
    label_html_version = models.PositiveIntegerField(null=True, blank=True)
    json_ld = models.JSONField(null=True, blank=True)
    correction_note = models.TextField(blank=True)
    rendition_sha256 = models.CharField(max_length=64, blank=True)
    signed_image = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_document = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Proofdesk asset state"

    def __str__(self) -> str:
        return f"Proofdesk asset {self.asset_id}: {self.clearance_status or 'unknown'}"

    @property
    def cleared(self) -> bool:
        return self.clearance_status == "cleared"


class Publication(models.Model):
    # SET_NULL, not CASCADE: a deleted page's publication must still be reported withdrawn.
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asset_id = models.PositiveIntegerField()
    cms_reference = models.CharField(max_length=200)
    public_url = models.CharField(max_length=500)
    report_key = models.CharField(max_length=200, default=new_key)
    reported_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    unpublish_reason = models.CharField(max_length=300, blank=True)
    unpublish_key = models.CharField(max_length=200, default=new_key)
    unpublish_reported_at = models.DateTimeField(null=True, blank=True)
    report_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One live publication per page and asset: a page published again keeps its row.
            models.UniqueConstraint(
                fields=["page", "asset_id"],
                condition=Q(unpublished_at__isnull=True),
                name="proofdesk_one_live_publication",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cms_reference} ({'live' if self.unpublished_at is None else 'withdrawn'})"


class ReceivedWebhook(models.Model):
    class Outcome(models.TextChoices):
        APPLIED = "applied"
        STALE = "stale", "Older than what was applied"
        IGNORED = "ignored", "Nothing to do"

    webhook_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=100)
    asset_id = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Applied: its changes are committed. Processed: and everything it asked of Proofdesk was
    # reported. A retry of an event applied but not processed only finishes the reporting.
    applied_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["asset_id", "sequence"])]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence} for asset {self.asset_id}"


class PollState(models.Model):
    """When `manage.py proofdesk_sync` last polled Proofdesk's list (one row)."""

    polled_at = models.DateTimeField()
