"""What the CMS puts next to the media: a caption, an accessible HTML snippet and schema.org
JSON-LD with the IPTC digital source type."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html

from labeling.models import Classification, Label
from labeling.vocabulary import MEDIUM_WORDS
from provenance.states import IPTC_DST_PREFIX
from review.http import absolute_url
from review.models import Asset, MediaKind

SCHEMA_TYPES = {
    MediaKind.IMAGE: "ImageObject",
    MediaKind.VIDEO: "VideoObject",
    MediaKind.AUDIO: "AudioObject",
}


def caption(label: Label) -> str:
    return f"{label.name}. {label.text}"


def disclosure_url(asset: Asset) -> str:
    """The public page about this asset (public.views.disclosure_page): its label, how it was
    made, how consent was obtained, its corrections. DISCLOSURE_PAGE_URL when set (a page on
    the newsroom's own site), else that page of this app's public side."""
    if settings.DISCLOSURE_PAGE_URL:
        return str(settings.DISCLOSURE_PAGE_URL).format(uid=asset.uid.hex)
    return absolute_url(reverse("public:disclosure", args=[asset.uid.hex]))


def policy_url() -> str:
    """The published policy every label links to: DISCLOSURE_POLICY_URL when the newsroom
    publishes it elsewhere, else this app's public policy page."""
    if settings.DISCLOSURE_POLICY_URL:
        return str(settings.DISCLOSURE_POLICY_URL)
    return absolute_url(reverse("public:policy", args=["synthetic-media"]))


def html_snippet(label: Label, asset: Asset) -> str:
    # A visible label, linked to the page about this asset and to the policy, that screen
    # readers announce as a note.
    return str(
        format_html(
            '<p class="synthetic-media-label" role="note" lang="{}">'
            "<strong>{}</strong> {} "
            '<a href="{}">About this {}</a> · '
            '<a href="{}">How we label synthetic media</a></p>',
            label.language,
            label.name,
            label.text,
            disclosure_url(asset),
            MEDIUM_WORDS.get(label.language, MEDIUM_WORDS["en"]).get(
                asset.media_kind, asset.media_kind
            ),
            policy_url(),
        )
    )


def json_ld(asset: Asset, label: Label, classification: Classification) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(MediaKind(asset.media_kind), "MediaObject"),
        "name": asset.original_filename,
        "encodingFormat": asset.media_type,
        "digitalSourceType": IPTC_DST_PREFIX + classification.source_type,
        "creditText": settings.NEWSROOM_NAME,
        "description": caption(label),
        "inLanguage": label.language,
        "publishingPrinciples": policy_url(),
    }


def json_ld_script(asset: Asset, label: Label, classification: Classification) -> str:
    data = json.dumps(json_ld(asset, label, classification), ensure_ascii=False, indent=2)
    # "</" cannot end the script element early.
    return '<script type="application/ld+json">\n' + data.replace("</", "<\\/") + "\n</script>"
