"""Provenance reports (one per verification run), their thumbnails, detector results, and the
trust lists the desk verifies against. Reports are never changed once written; re-running a
check adds a new report."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from provenance.states import ProvenanceState
from review.models import Asset

THUMBNAIL_FOLDER = "provenance-thumbnails"


class ReportReason(models.TextChoices):
    INTAKE = "intake", "On intake"
    RERUN = "rerun", "Re-run by an editor"
    TRUST_CHANGE = "trust_change", "Trust list changed"
    SWEEP = "sweep", "Re-queued after a stuck check"


class ProvenanceReport(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="provenance_reports")
    state = models.CharField(max_length=24, choices=ProvenanceState.choices, db_index=True)
    codes = models.JSONField(default=list, blank=True)
    status = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    signer = models.JSONField(default=dict, blank=True)
    claim_generator = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=500, blank=True)
    actions = models.JSONField(default=list, blank=True)
    digital_source_types = models.JSONField(default=list, blank=True)
    ingredients = models.JSONField(default=list, blank=True)
    ingredient_count = models.PositiveIntegerField(default=0)
    cawg = models.JSONField(default=list, blank=True)
    manifest_store = models.JSONField(null=True, blank=True)
    xmp = models.JSONField(default=dict, blank=True)
    xmp_digital_source_type = models.CharField(max_length=100, blank=True)
    conflict = models.TextField(blank=True)
    library_version = models.CharField(max_length=100)
    trust_fingerprint = models.CharField(max_length=64)
    duration_ms = models.FloatField(default=0)
    reason = models.CharField(
        max_length=20, choices=ReportReason.choices, default=ReportReason.INTAKE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["asset", "-created_at"])]
        permissions = [("recheck_provenance", "Can re-run provenance verification")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ProvenanceState.values), name="provenance_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Provenance of asset {self.asset_id}: {self.state}"


def thumbnail_path(data: bytes) -> str:
    """Where a thumbnail's bytes are kept: named by their SHA-256, so that the same image met
    again (a re-check, an ingredient shared by many files) is stored once. Thumbnails are never
    deleted, so sharing one file is safe."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{THUMBNAIL_FOLDER}/{digest[:2]}/{digest}"


class ProvenanceThumbnail(models.Model):
    """A thumbnail carried in the credentials (of the asset or of an ingredient). Its bytes are
    in file storage beside the media, not in the database: written in the check's transaction,
    a 300 KB thumbnail cost PostgreSQL 7 ms to parse as a bytea literal, against a third of a
    millisecond to write as a file."""

    report = models.ForeignKey(
        ProvenanceReport, on_delete=models.CASCADE, related_name="thumbnails"
    )
    identifier = models.CharField(max_length=500)
    media_type = models.CharField(max_length=50)
    file = models.FileField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "identifier"], name="thumbnail_unique_per_report"
            )
        ]

    def __str__(self) -> str:
        return self.identifier


class DetectorStatus(models.TextChoices):
    OK = "ok", "Ran"
    FAILED = "failed", "Failed"
    TIMEOUT = "timeout", "Timed out"


class DetectorVerdict(models.TextChoices):
    SYNTHETIC = "synthetic", "Synthetic"
    LIKELY_SYNTHETIC = "likely_synthetic", "Likely synthetic"
    NO_SIGNAL = "no_signal", "No synthetic signal"
    LIKELY_AUTHENTIC = "likely_authentic", "Likely camera-made"
    UNKNOWN = "unknown", "Unknown"


class DetectorRun(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="detector_runs")
    report = models.ForeignKey(
        ProvenanceReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="detector_runs",
    )
    detector = models.CharField(max_length=100)
    detector_version = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=DetectorStatus.choices)
    score = models.FloatField(null=True, blank=True)
    verdict = models.CharField(
        max_length=20, choices=DetectorVerdict.choices, default=DetectorVerdict.UNKNOWN
    )
    explanation = models.TextField(blank=True)
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.detector} {self.detector_version} on asset {self.asset_id}: {self.verdict}"


class TrustListKind(models.TextChoices):
    ANCHORS = "anchors", "Trust anchors (root certificates)"
    ALLOWED = "allowed", "Allowed list (end-entity certificates)"


class TrustList(models.Model):
    """A PEM bundle uploaded in the app. Replaced, never deleted: the old one is deactivated."""

    kind = models.CharField(max_length=10, choices=TrustListKind.choices)
    name = models.CharField(max_length=200)
    pem = models.TextField()
    sha256 = models.CharField(max_length=64)
    certificate_count = models.PositiveIntegerField()
    subjects = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_trust", "Can upload and retire C2PA trust lists")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class TrustRecheck(models.Model):
    """Re-verification of the assets still in review after the trust configuration changed."""

    trust_fingerprint = models.CharField(max_length=64)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Trust recheck {self.pk}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)
