"""One delivery attempt: claim it, POST the signed event, record what happened.

The POST runs with no transaction open. Two workers never send the same attempt: the claim is
a compare-and-swap on the delivery row (its attempt counter and due time), and it pushes
`next_attempt_at` a lease into the future, so a second message for the same delivery (the
periodic sweep, a broker redelivering an unacknowledged task) finds nothing to claim. A worker
that dies mid-attempt leaves the lease to run out; the sweep then tries again.

Outcomes: 2xx succeeded; 410 Gone disables the endpoint and holds its open deliveries; anything
else (timeout, connection refused, 5xx, other 4xx, redirects) is retried on the schedule in
settings.WEBHOOK_RETRY_SCHEDULE with jitter, then `failed`. Events stay in the outbox whatever
happens, and a delivery can always be sent again by hand.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import audit_record
from incidents.services import incident_cms_notified
from integrations.models import (
    INCIDENT_EVENTS,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    WebhookEndpoint,
)
from integrations.signing import signature_headers, valid_secrets
from integrations.webhook_urls import webhook_session

# Deliveries a worker may still attempt automatically.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
EXCERPT_CHARS = 500
USER_AGENT = "Proofdesk-Webhooks/1.0"


@dataclass(frozen=True)
class Outcome:
    """What an attempt left behind: the delivery's status, and when the next automatic
    attempt is due (seconds from now), if one is."""

    status: str
    attempt_id: int | None = None
    retry_in: float | None = None


@dataclass(frozen=True)
class Response:
    status_code: int | None
    latency_ms: float
    excerpt: str
    error: str


def retry_delay(automatic_attempts: int) -> float | None:
    """Seconds until the next try after `automatic_attempts` failed ones; None: give up.

    ±WEBHOOK_RETRY_JITTER around each step rather than "full" jitter (uniform from zero): the
    spread is what keeps a receiver that comes back from an outage from being hit by every
    backlog retry in the same second, and it keeps the schedule's total near three days
    (full jitter would halve it on average)."""
    schedule: list[float] = settings.WEBHOOK_RETRY_SCHEDULE
    if automatic_attempts > len(schedule):
        return None
    base = schedule[automatic_attempts - 1]
    jitter: float = settings.WEBHOOK_RETRY_JITTER
    return base * random.uniform(1 - jitter, 1 + jitter)


def request_body(event: OutboxEvent) -> str:
    # Sorted keys: PostgreSQL's jsonb reorders them, and every attempt should send the same bytes.
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def post_event(endpoint: WebhookEndpoint, event: OutboxEvent, now: datetime) -> Response:
    body = request_body(event)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signature_headers(
            msg_id=event.event_id,
            timestamp=now,
            body=body,
            secrets=valid_secrets(endpoint, now),
        ),
    }
    started = time.perf_counter()
    try:
        # No redirects: the signature is for this URL, and a 3xx is the receiver's mistake to
        # fix (it is retried like any other failure). stream=True so a huge answer is never
        # read whole: only its first bytes are kept.
        response = webhook_session().post(
            endpoint.url,
            data=body.encode(),
            headers=headers,
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        latency = (time.perf_counter() - started) * 1000
        return Response(None, round(latency, 1), "", f"{type(exc).__name__}: {exc}"[:1000])
    with response:
        error = ""
        try:
            chunk = next(response.iter_content(EXCERPT_CHARS * 4), b"")
        except requests.RequestException as exc:
            # The status line arrived, so the receiver has the event; only its answer's body
            # is lost. The status code decides.
            chunk, error = b"", f"reading the response: {type(exc).__name__}: {exc}"[:1000]
        latency = (time.perf_counter() - started) * 1000
    excerpt = chunk.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    return Response(response.status_code, round(latency, 1), excerpt, error)


def delivery_claim(delivery_id: int, *, now: datetime, manual: bool) -> int | None:
    """Take the next attempt of a delivery; returns its number, or None when there is nothing
    to do (not due, finished, or another worker took it)."""
    lease = timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE_SECONDS)
    for _ in range(3):
        row = (
            Delivery.objects.filter(pk=delivery_id)
            .values("attempts", "status", "next_attempt_at")
            .first()
        )
        if row is None:
            return None
        number = row["attempts"] + 1
        if manual:
            # By hand: whatever the status, but still one number per attempt.
            claimed = Delivery.objects.filter(pk=delivery_id, attempts=row["attempts"]).update(
                attempts=number
            )
        else:
            due = row["next_attempt_at"]
            if row["status"] not in OPEN_STATUSES or due is None or due > now:
                return None
            # Compare-and-swap: exactly one of two racing workers sees a count of 1.
            claimed = Delivery.objects.filter(
                pk=delivery_id,
                status__in=OPEN_STATUSES,
                next_attempt_at__lte=now,
                attempts=row["attempts"],
            ).update(attempts=number, next_attempt_at=now + lease)
            if not claimed:
                return None
        if claimed:
            return number
    return None


def delivery_attempt(delivery_id: int, *, manual: bool = False) -> Outcome:
    """Make one attempt of a delivery if it is due (or at once, by hand) and record it."""
    delivery = (
        Delivery.objects.select_related("endpoint__integration", "event")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return Outcome("missing")
    endpoint = delivery.endpoint
    if not manual and not (endpoint.active and endpoint.integration.active):
        # The endpoint was disabled after this delivery was queued: hold it with the others.
        Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.DISABLED, next_attempt_at=None
        )
        return Outcome(_status_of(delivery.pk))

    now = timezone.now()
    number = delivery_claim(delivery.pk, now=now, manual=manual)
    if number is None:
        return Outcome(_status_of(delivery.pk))

    response = post_event(endpoint, delivery.event, now)
    return _record(delivery, number=number, started_at=now, response=response, manual=manual)


def _status_of(delivery_id: int) -> str:
    status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    return status or "missing"


def _record(
    delivery: Delivery, *, number: int, started_at: datetime, response: Response, manual: bool
) -> Outcome:
    code = response.status_code
    last = {
        "last_status_code": code,
        "last_latency_ms": response.latency_ms,
        "last_response": response.excerpt,
        "last_error": response.error,
    }
    retry_in: float | None = None
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            status_code=code,
            latency_ms=response.latency_ms,
            response_excerpt=response.excerpt,
            error=response.error,
            manual=manual,
        )
        latest = Delivery.objects.filter(pk=delivery.pk, attempts=number)
        if code is not None and 200 <= code < 300:
            # A success counts whoever sent it; the last_* fields stay with the latest attempt.
            delivered_at = timezone.now()
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SUCCEEDED,
                next_attempt_at=None,
                delivered_at=Coalesce("delivered_at", Value(delivered_at)),
            )
            latest.update(**last)
            _note_incident_step(delivery.event_id, at=delivered_at)
        elif code == 410:
            latest.update(**last)
            _disable_endpoint(delivery, number=number)
        elif manual:
            # A failed manual attempt changes nothing about the automatic schedule.
            latest.update(**last)
        else:
            automatic = DeliveryAttempt.objects.filter(delivery=delivery, manual=False).count()
            retry_in = retry_delay(automatic)
            status, next_at = DeliveryStatus.FAILED, None
            if retry_in is not None:
                status = DeliveryStatus.RETRYING
                next_at = timezone.now() + timedelta(seconds=retry_in)
            # Only while still ours: a delivery a manual attempt finished meanwhile stays so.
            if not latest.filter(status__in=OPEN_STATUSES).update(
                status=status, next_attempt_at=next_at, **last
            ):
                retry_in = None
    return Outcome(_status_of(delivery.pk), attempt.pk, retry_in)


def _note_incident_step(event_id: int, *, at: datetime) -> None:
    """A decision's webhook acknowledged: the incident's "CMS notified" step."""
    event_type, payload = OutboxEvent.objects.values_list("type", "payload").get(pk=event_id)
    if event_type in INCIDENT_EVENTS:
        incident_cms_notified(incident_id=payload["data"]["incident_id"], at=at)


def _disable_endpoint(delivery: Delivery, *, number: int) -> None:
    """Inside _record's transaction. 410 Gone: the receiver asks us to stop. Open deliveries
    are held as `disabled` (never dropped): re-enabling the endpoint can send them again."""
    endpoint = delivery.endpoint
    reason = (
        f"Answered 410 Gone to attempt {number} of {delivery.event.event_id} "
        f"on {timezone.now():%Y-%m-%d %H:%M} UTC."
    )
    # Compare-and-swap: of two deliveries answered 410 at once, one disables and audits.
    if WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_reason=reason
    ):
        audit_record(
            actor=None,
            action="webhook.endpoint_disabled",
            obj=endpoint,
            details={"url": endpoint.url, "reason": reason},
        )
    Delivery.objects.filter(
        pk=delivery.pk,
        status__in=[*OPEN_STATUSES, DeliveryStatus.FAILED],
    ).update(status=DeliveryStatus.DISABLED, next_attempt_at=None)
    Delivery.objects.filter(endpoint_id=endpoint.pk, status__in=OPEN_STATUSES).update(
        status=DeliveryStatus.DISABLED, next_attempt_at=None
    )


def deliveries_due(now: datetime, *, grace_seconds: float, limit: int) -> list[int]:
    """Open deliveries overdue by more than the grace: their message was lost, a worker died
    holding the claim, or the retry was too far off to hand to the broker (see tasks)."""
    overdue = now - timedelta(seconds=grace_seconds)
    return list(
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=overdue)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
