"""The corrections log as an Atom feed (Django's syndication framework)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from public.disclosures import Notice, notices

FEED_LENGTH = 50


class CorrectionsFeed(Feed[Notice, None]):
    feed_type = Atom1Feed
    title = f"{settings.NEWSROOM_NAME}: corrections and takedowns"
    subtitle = "Every correction, relabel and takedown of synthetic media we published."

    def link(self) -> str:
        return reverse("public:corrections")

    def items(self) -> list[Notice]:
        return notices(limit=FEED_LENGTH)

    def item_title(self, item: Notice) -> str:
        return f"{item.kind_label} of a published {item.media_kind}"

    def item_description(self, item: Notice) -> str:
        return item.text

    def item_link(self, item: Notice) -> str:
        return reverse("public:correction", args=[item.pk])

    def item_pubdate(self, item: Notice) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Notice) -> datetime:
        return item.published_at
