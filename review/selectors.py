"""Reads for the review desk pages. Each returns in a fixed number of queries, whatever the
number of assets (pinned by tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from review.access import visible_assets
from review.models import Asset, AssetStatus, Comment

QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    source: str = ""
    uploader: int | None = None
    mine: bool = False
    q: str = ""


def _filtered(user: User | AnonymousUser, filters: QueueFilters) -> QuerySet[Asset]:
    assets = visible_assets(user)
    if filters.source:
        assets = assets.filter(source=filters.source)
    if filters.uploader:
        assets = assets.filter(uploaded_by_id=filters.uploader)
    if filters.mine:
        assets = assets.filter(uploaded_by_id=user.pk)
    if filters.q:
        assets = assets.filter(
            Q(original_filename__icontains=filters.q) | Q(story_ref__icontains=filters.q)
        )
    return assets


def asset_queue(user: User | AnonymousUser, filters: QueueFilters) -> QuerySet[Asset]:
    assets = _filtered(user, filters)
    if filters.status:
        assets = assets.filter(status=filters.status)
    return assets.select_related("uploaded_by").order_by("-created_at", "-pk")


def asset_status_counts(user: User | AnonymousUser, filters: QueueFilters) -> dict[str, int]:
    """Counts per status for the queue's tabs, under every filter but the status itself."""
    rows = _filtered(user, filters).order_by().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(AssetStatus.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def queue_uploaders(user: User | AnonymousUser) -> QuerySet[User]:
    user_model = get_user_model()
    uploader_ids = visible_assets(user).order_by().values("uploaded_by_id").distinct()
    return user_model.objects.filter(pk__in=uploader_ids).order_by("username")


def asset_comments(asset: Asset) -> QuerySet[Comment]:
    return asset.comments.select_related("author").order_by("created_at", "pk")


def asset_timeline(asset: Asset) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_object(asset).order_by("seq")


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
