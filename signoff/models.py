"""The editor's sign-off: who approved what, down to the bytes, and what voided it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from provenance.models import ProvenanceReport
from review.models import Asset


class SignOff(models.Model):
    """One approval of one exact state of an asset. `content_hash` covers the snapshot (asset
    and rendition sha256, label version, consent records and versions, waivers, provenance
    report); any later change to those voids it. Rows are never deleted."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="signoffs")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    snapshot = models.JSONField()
    content_hash = models.CharField(max_length=64)
    requires_second = models.BooleanField(default=False)
    second_reason = models.CharField(max_length=300, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_at = models.DateTimeField(null=True, blank=True)
    # Set when approval (and any second approval) is complete: the CMS may publish.
    cleared_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-approved_at", "-pk"]
        constraints = [
            # At most one sign-off in force per asset.
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(voided_at__isnull=True),
                name="signoff_one_active_per_asset",
            ),
        ]
        permissions = [("second_approve", "Can give the second approval (legal, standards)")]

    def __str__(self) -> str:
        return f"Sign-off {self.pk} of asset {self.asset_id}"

    @property
    def is_active(self) -> bool:
        return self.voided_at is None


class ProvenanceAcknowledgement(models.Model):
    """An editor's explicit acknowledgement of credentials that fail verification, with why the
    asset may go ahead anyway. Tied to the report it acknowledges."""

    report = models.ForeignKey(ProvenanceReport, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Acknowledgement of report {self.report_id}"
