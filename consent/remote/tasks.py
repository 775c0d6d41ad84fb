"""The remote signing page's background work: making the marked audio or video preview, which
takes longer than a web request should (consent.remote.media_preview). Registered with the
worker through `consent.tasks`."""

from __future__ import annotations

from celery import shared_task

from consent.remote.media_preview import av_preview_make
from review.models import Asset


@shared_task
def consent_preview_make(asset_id: int) -> str:
    """Make the asset's marked preview; its state afterwards (ready, still or unavailable)."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        return "gone"
    return str(av_preview_make(asset).state)
