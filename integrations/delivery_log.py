"""Reads for the webhook admin pages. Each returns in a fixed number of queries, whatever the
number of integrations, endpoints and deliveries (pinned by tests)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from integrations.models import (
    ApiToken,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Integration,
    WebhookEndpoint,
)

LOG_PAGE_SIZE = 50


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for the statuses that have deliveries, in the enum's order."""
        return [(s.value, s.label, self.counts[s]) for s in DeliveryStatus if self.counts.get(s)]


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    state: str  # "active", "expired" or "revoked": what the API would make of it now

    @property
    def revocable(self) -> bool:
        # An expired token is refused already, but revoking it still records the decision.
        return self.state != "revoked"


def token_state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


@dataclass(frozen=True)
class IntegrationRow:
    integration: Integration
    endpoints: list[EndpointRow]
    tokens: list[TokenRow]  # newest first, revoked ones too (they stay on record)


def integrations_overview() -> list[IntegrationRow]:
    integrations = list(
        Integration.objects.prefetch_related("endpoints", "tokens").order_by("name")
    )
    now = timezone.now()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Delivery.objects.order_by().values("endpoint_id", "status").annotate(n=Count("pk"))
    for row in rows:
        counts[row["endpoint_id"]][row["status"]] = row["n"]
    return [
        IntegrationRow(
            integration,
            [EndpointRow(e, counts.get(e.pk, {})) for e in integration.endpoints.all()],
            [TokenRow(t, token_state(t, now)) for t in integration.tokens.all()],
        )
        for integration in integrations
    ]


@dataclass(frozen=True)
class LogFilters:
    status: str = ""
    type: str = ""
    asset_id: int | None = None


def delivery_log(endpoint: WebhookEndpoint, filters: LogFilters) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.type:
        deliveries = deliveries.filter(event__type=filters.type)
    if filters.asset_id is not None:
        deliveries = deliveries.filter(event__asset_id=filters.asset_id)
    return deliveries.select_related("event").order_by("-created_at", "-pk")


def endpoint_counts(endpoint: WebhookEndpoint) -> EndpointRow:
    rows = Delivery.objects.filter(endpoint=endpoint).order_by().values("status")
    counts = {row["status"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return EndpointRow(endpoint, counts)


def delivery_attempts(delivery: Delivery) -> list[DeliveryAttempt]:
    return list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("-number"))
