"""Catch up with Proofdesk, for a cron job every few minutes:

1. report the publications and unpublications Proofdesk has not been told of yet (Proofdesk
   was down when a page was published or unpublished);
2. poll `GET /api/v1/assets?changed_since=` (since the last poll, minus two minutes for clock
   skew) and treat each asset listed as no longer cleared as its `asset.clearance_revoked`
   webhook would be treated: nothing is missed even when webhooks are not arriving.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from wagtail_proofdesk import services
from wagtail_proofdesk.conf import proofdesk_settings
from wagtail_proofdesk.models import AssetState, PollState

CLOCK_SKEW = timedelta(minutes=2)


class Command(BaseCommand):
    help = "Report pending publications to Proofdesk and poll it for revoked clearances."

    def handle(self, *args: Any, **options: Any) -> None:
        client = services.proofdesk_client()
        result = services.publications_report(client=client)
        self.stdout.write(
            f"reports: {len(result.failed)} failed, {len(result.refused)} refused by Proofdesk"
        )
        started = timezone.now()
        last = PollState.objects.order_by("-polled_at").first()
        since = last.polled_at - CLOCK_SKEW if last else started - timedelta(days=1)
        revoked = 0
        known = set(AssetState.objects.values_list("asset_id", flat=True))
        for item in client.iter_assets(changed_since=since):
            if item.clearance == "cleared" or item.id not in known:
                continue
            revoked += 1
            with transaction.atomic():
                state = AssetState.objects.select_for_update().get(asset_id=item.id)
                state.clearance_status = "not_cleared"
                state.save(update_fields=["clearance_status"])
                policy = (
                    "unpublish"
                    if item.status == "taken_down"
                    else proofdesk_settings().on_clearance_revoked
                )
                services.act_on_pages(policy, item.id, "Proofdesk no longer clears this asset.")
            services.publications_report(asset_id=item.id, client=client)
        PollState.objects.update_or_create(pk=1, defaults={"polled_at": started})
        self.stdout.write(f"polled since {since.isoformat()}: {revoked} no longer cleared")
