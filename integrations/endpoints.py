"""Writes for the webhook admin pages: rotating an endpoint's secret, re-enabling an endpoint
that was disabled, sending a delivery again by hand. Each locks its row, checks the current
state, writes, records an audit event, and queues network work only after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from integrations.models import Delivery, DeliveryStatus, WebhookEndpoint
from integrations.signing import generate_secret
from integrations.tasks import queue_delivery

MAX_OVERLAP_HOURS = 24 * 7


class EndpointError(Exception):
    """An endpoint action that cannot be done; the message is shown as is."""


@dataclass(frozen=True)
class Rotation:
    endpoint: WebhookEndpoint
    secret: str  # shown once, never stored anywhere but on the endpoint


def endpoint_rotate_secret(*, endpoint_id: int, actor: User, overlap_hours: int) -> Rotation:
    """A new signing secret. The current one becomes the previous secret and keeps signing for
    `overlap_hours` (0: at once invalid, for a leaked secret), so the receiver can switch
    without rejecting events. A rotation during another one's overlap drops the oldest."""
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise EndpointError(f"The old secret may stay valid 0 to {MAX_OVERLAP_HOURS} hours.")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        now = timezone.now()
        secret = generate_secret()
        if overlap_hours:
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = now + timedelta(hours=overlap_hours)
        else:
            endpoint.previous_secret = ""
            endpoint.previous_secret_expires_at = None
        endpoint.secret = secret
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        audit_record(
            actor=actor,
            action="webhook.secret_rotated",
            obj=endpoint,
            # Never the secrets themselves: the audit log is read by more people.
            details={
                "url": endpoint.url,
                "overlap_hours": overlap_hours,
                "previous_valid_until": endpoint.previous_secret_expires_at,
            },
        )
    return Rotation(endpoint, secret)


def endpoint_enable(*, endpoint_id: int, actor: User, resend_held: bool) -> int:
    """Turn a disabled endpoint back on. With `resend_held`, the deliveries held while it was
    disabled go out again; returns how many."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if endpoint.active:
            raise EndpointError("This endpoint is already active.")
        previous_reason = endpoint.disabled_reason
        endpoint.active = True
        endpoint.disabled_reason = ""
        endpoint.save(update_fields=["active", "disabled_reason"])
        held: list[int] = []
        if resend_held:
            held = list(
                Delivery.objects.filter(
                    endpoint=endpoint, status=DeliveryStatus.DISABLED
                ).values_list("pk", flat=True)
            )
            Delivery.objects.filter(pk__in=held).update(
                status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
            )
            for delivery_id in held:
                transaction.on_commit(partial(queue_delivery, delivery_id))
        audit_record(
            actor=actor,
            action="webhook.endpoint_enabled",
            obj=endpoint,
            details={
                "url": endpoint.url,
                "was_disabled_because": previous_reason,
                "resent": len(held),
            },
        )
    return len(held)


def delivery_redeliver(*, delivery_id: int, actor: User) -> Delivery:
    """Send a delivery again now, whatever its status (a CMS that lost an event, a delivery
    that failed or was held). The attempt is logged as manual; it does not re-enable a
    disabled endpoint, which is a separate decision."""
    with transaction.atomic():
        delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
        audit_record(
            actor=actor,
            action="webhook.redelivery_requested",
            obj=delivery.endpoint,
            details={
                "delivery_id": delivery.pk,
                "event_id": delivery.event.event_id,
                "status": delivery.status,
            },
        )
        transaction.on_commit(partial(queue_delivery, delivery.pk, manual=True))
    return delivery
