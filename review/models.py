"""Assets on the desk and the comments reviewers leave on them.

`Asset.status` is only ever written by `review.transitions.asset_transition`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AssetStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CHECKING = "checking", "Checking"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Published by mistake and taken down by the standards desk (incidents): the files and every
    # record stay; the CMS is asked to remove it.
    TAKEN_DOWN = "taken_down", "Taken down"


class AssetSource(models.TextChoices):
    STAFF = "staff", "Staff"
    COMMISSIONED = "commissioned", "Commissioned"
    AGENCY = "agency", "Agency / wire"
    USER_GENERATED = "user_generated", "User-generated"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"


def asset_upload_path(instance: Asset, filename: str) -> str:
    # Content-addressed prefix spreads files over folders; the UUID keeps two uploads of the
    # same bytes apart so deleting one never removes the other's file.
    return f"assets/{instance.sha256[:2]}/{instance.uid.hex}"


def sidecar_upload_path(instance: Asset, filename: str) -> str:
    return f"{asset_upload_path(instance, filename)}.c2pa"


# Formats a browser shows in <img>, <video> or <audio> on the asset page; the others (TIFF, DNG,
# HEIC, JPEG XL, MOV, AVI, ...) get "no preview" and a download. SVG is never among them: it
# is a document that can carry script and links, so it is only ever downloaded.
BROWSER_PREVIEW_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "video/mp4",
        "video/webm",
        "video/x-m4v",
        "audio/mpeg",
        "audio/x-wav",
        "audio/x-flac",
        "audio/mp4",
        "audio/m4a",
        "audio/aac",
        "audio/ogg",
        "audio/opus",
    }
)


class Asset(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=asset_upload_path, max_length=255)
    # A C2PA manifest store that came beside the file (photo.c2pa with photo.jpg): its
    # credentials are verified against the file instead of any embedded in it.
    sidecar_manifest = models.FileField(upload_to=sidecar_upload_path, max_length=255, blank=True)
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    media_type = models.CharField(max_length=100, help_text="Sniffed from the file's content.")
    media_kind = models.CharField(max_length=10, choices=MediaKind.choices)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=AssetSource.choices, default=AssetSource.STAFF)
    story_ref = models.CharField("story reference", max_length=200, blank=True, db_index=True)
    description = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_assets"
    )
    status = models.CharField(
        max_length=20, choices=AssetStatus.choices, default=AssetStatus.RECEIVED, db_index=True
    )
    # Who on the desk has taken the review on (the queue's "Assign"): a hint for the others,
    # never a permission; set only by workflow.assignment.asset_assign.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_assets",
    )
    check_error = models.TextField(blank=True)
    # The form's one-time token: a double-clicked submit maps to the same asset, not a second.
    intake_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            # The queue's default order, unfiltered.
            models.Index(fields=["-created_at", "-id"], name="asset_queue_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "intake_token", "original_filename"],
                name="asset_unique_intake_token_per_file",
                condition=models.Q(intake_token__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(size_bytes__gt=0), name="asset_size_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AssetStatus.values), name="asset_status_valid"
            ),
        ]
        permissions = [
            ("upload_asset", "Can upload assets"),
            ("view_all_assets", "Can see every asset on the desk"),
            ("review_asset", "Can approve, reject or request changes"),
            ("publish_asset", "Can mark an approved asset as published"),
            ("comment_asset", "Can comment on assets"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_filename}"

    @property
    def previewable_in_browser(self) -> bool:
        return self.media_type in BROWSER_PREVIEW_TYPES

    def sidecar_manifest_bytes(self) -> bytes | None:
        """The sidecar manifest store, or None when the asset came without one."""
        if not self.sidecar_manifest:
            return None
        with self.sidecar_manifest.open("rb") as handle:
            data: bytes = handle.read()
        return data


class Comment(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on asset {self.asset_id}"
