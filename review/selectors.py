"""Reads for the review desk pages. Each returns in a fixed number of queries, whatever the
number of assets (pinned by tests)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from review.access import visible_assets
from review.models import Asset, AssetStatus, Comment

QUEUE_PAGE_SIZE = 25


def asset_comments(asset: Asset) -> QuerySet[Comment]:
    return asset.comments.select_related("author").order_by("created_at", "pk")


def asset_timeline(asset: Asset) -> QuerySet[AuditEvent]:
    """What happened to the asset. Who looked at evidence stays on the audit chain (and in the
    audit log's admin) but is not news on the asset page: a lawyer's reading would bury the
    changes."""
    events = AuditEvent.objects.for_object(asset).exclude(action__endswith="_viewed")
    return events.order_by("seq")


def asset_duplicates(asset: Asset, user: User | AnonymousUser) -> list[Asset]:
    """Other assets with the same bytes that this user may open."""
    return list(
        visible_assets(user).filter(sha256=asset.sha256).exclude(pk=asset.pk).order_by("pk")[:10]
    )


def assets_stuck_in_checks() -> list[int]:
    """Assets whose checks started longer ago than CHECK_STUCK_AFTER_SECONDS and never ended."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHECK_STUCK_AFTER_SECONDS)
    return list(
        Asset.objects.filter(status=AssetStatus.CHECKING, status_changed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
