"""CMS integrations: API tokens, webhook endpoints, the outbox of events and the delivery log,
and what the CMS reported back (publications)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from review.models import Asset


class Integration(models.Model):
    """One CMS (or other client) the desk talks to."""

    name = models.CharField(max_length=100, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_integrations", "Can manage CMS integrations and webhooks")]

    def __str__(self) -> str:
        return self.name


class TokenScope(models.TextChoices):
    READ = "assets:read", "Read cleared assets and their clearance"
    PUBLISH = "assets:publish", "Report publications and unpublications"
    # Assets the desk never cleared (in review, rejected, withdrawn) are the newsroom's own
    # business: without this scope the API answers for them as for ids that do not exist.
    READ_UNCLEARED = "assets:read-uncleared", "Also read assets never cleared, with their story"


# What a token gets unless asked otherwise: everything a CMS needs to publish, nothing more.
DEFAULT_SCOPES = (TokenScope.READ.value, TokenScope.PUBLISH.value)


class ApiToken(models.Model):
    """A bearer token, shown once; only its sha256 is stored. Revoked, never deleted."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to tell tokens apart."
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.integration})"


class WebhookEndpoint(models.Model):
    """Where an integration receives events. Two secrets may be valid at once during a
    rotation: events are signed with both."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)  # whsec_…
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    event_types = models.JSONField(default=list, blank=True, help_text="Empty: every event.")
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["integration", "pk"]

    def __str__(self) -> str:
        return self.url


class EventType(models.TextChoices):
    ASSET_CLEARED = "asset.cleared", "Asset cleared"
    CLEARANCE_REVOKED = "asset.clearance_revoked", "Clearance revoked"
    LABEL_CHANGED = "asset.label_changed", "Label changed"
    TAKEDOWN_REQUESTED = "asset.takedown_requested", "Takedown requested"
    CORRECTION_ISSUED = "asset.correction_issued", "Correction issued"
    CONSENT_REVOKED = "consent.revoked", "Consent revoked"


# The events that announce an incident's decision; their data carries `incident_id`.
INCIDENT_EVENTS = frozenset({EventType.TAKEDOWN_REQUESTED, EventType.CORRECTION_ISSUED})


class OutboxEvent(models.Model):
    """An event, written in the same transaction as the change that caused it. `sequence`
    counts the events of one asset, so a receiver can order them and spot gaps."""

    event_id = models.CharField(max_length=40, unique=True)  # msg_… (webhook-id)
    type = models.CharField(max_length=40, choices=EventType.choices)
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="outbox_events")
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "sequence"], name="outbox_sequence_per_asset")
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence} for asset {self.asset_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Gave up"
    DISABLED = "disabled", "Endpoint disabled"


class Delivery(models.Model):
    """One event to one endpoint, with every attempt's outcome."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.FloatField(null=True, blank=True)
    last_response = models.TextField(blank=True)  # an excerpt
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once_per_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"


class Publication(models.Model):
    """Where the CMS says it published (or unpublished) an asset."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="publications")
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="+")
    cms_reference = models.CharField(max_length=200)
    public_url = models.URLField(max_length=500)
    signoff = models.ForeignKey(
        "signoff.SignOff", on_delete=models.PROTECT, related_name="publications"
    )
    rendition_sha256 = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    unpublish_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "cms_reference"],
                condition=Q(unpublished_at__isnull=True),
                name="publication_live_once_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cms_reference} ({self.public_url})"


class IdempotencyRecord(models.Model):
    """A write request replayed with the same Idempotency-Key gets the first answer again; the
    same key with a different body is refused (422)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.integration}: {self.key}"
