"""`{% load proofdesk %}`: the asset as readers must see it.

    {% for link in page.proofdesk_assets.all %}{% proofdesk_asset link %}{% endfor %}

renders the signed, labeled rendition (its original file: a resized Wagtail rendition would
lose the C2PA manifest), Proofdesk's label snippet, any correction, and the JSON-LD.
`{% proofdesk_label asset_id %}` and `{% proofdesk_json_ld asset_id %}` render the parts.
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from wagtail_proofdesk.models import AssetState, ProofdeskAssetLink

register = template.Library()

# What django.utils.html.json_script escapes, so that the JSON cannot close the script element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _state(asset_id: int) -> AssetState | None:
    return (
        AssetState.objects.select_related("signed_image", "signed_document")
        .filter(asset_id=asset_id)
        .first()
    )


def label_html(state: AssetState | None) -> SafeString:
    if state is None or not state.label_name:
        return mark_safe("")
    if state.label_html and state.label_html_version == state.label_version:
        # Proofdesk's own snippet (links to the disclosure page and the policy). It comes from
        # the newsroom's Proofdesk over an authenticated API, and is placed as sent.
        return mark_safe(state.label_html)  # noqa: S308
    # A label changed by webhook, before the next clearance brings its snippet.
    return format_html(
        '<p class="proofdesk-label"><strong>{}</strong> {}</p>', state.label_name, state.label_text
    )


def json_ld_script(state: AssetState | None) -> SafeString:
    if state is None or not state.json_ld:
        return mark_safe("")
    data = json.dumps(state.json_ld, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))


@register.simple_tag
def proofdesk_label(asset_id: int) -> SafeString:
    return label_html(_state(asset_id))


@register.simple_tag
def proofdesk_json_ld(asset_id: int) -> SafeString:
    return json_ld_script(_state(asset_id))


@register.inclusion_tag("wagtail_proofdesk/asset.html")
def proofdesk_asset(link: ProofdeskAssetLink) -> dict[str, Any]:
    state = _state(link.asset_id)
    return {
        "link": link,
        "state": state,
        "label_html": label_html(state),
        "json_ld": json_ld_script(state),
    }
