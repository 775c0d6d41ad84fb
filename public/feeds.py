"""The corrections log as an Atom feed (Django's syndication framework), in English or, with
`?lang=es`, in Spanish like the pages."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from public.disclosures import Notice, notices
from public.selectors import public_language

FEED_LENGTH = 50
TITLES = {
    "en": "corrections and takedowns",
    "es": "correcciones y retiradas",
}
SUBTITLES = {
    "en": "Every correction, relabel and takedown of synthetic media we published.",
    "es": "Cada corrección, cambio de etiqueta y retirada de contenidos sintéticos que publicamos.",
}


def _in(language: str, url: str) -> str:
    return url if language == "en" else f"{url}?lang={language}"


class CorrectionsFeed(Feed[Notice, str]):
    """The feed's object is the language it is written in."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> str:
        language = public_language(request.GET.get("lang"))
        # The feed's xml:lang; the view makes a new feed object for every request.
        self.language = language
        return language

    def title(self, language: str) -> str:
        return f"{settings.NEWSROOM_NAME}: {TITLES[language]}"

    def subtitle(self, language: str) -> str:
        return SUBTITLES[language]

    def link(self, language: str) -> str:
        return _in(language, reverse("public:corrections"))

    def items(self, language: str) -> list[Notice]:
        return notices(limit=FEED_LENGTH, language=language)

    def item_title(self, item: Notice) -> str:
        if item.language == "es":
            return f"{item.kind_label}: {item.media_kind}"
        return f"{item.kind_label} of a published {item.media_kind}"

    def item_description(self, item: Notice) -> str:
        return item.text

    def item_link(self, item: Notice) -> str:
        return _in(item.language, reverse("public:correction", args=[item.pk]))

    def item_pubdate(self, item: Notice) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Notice) -> datetime:
        return item.published_at
