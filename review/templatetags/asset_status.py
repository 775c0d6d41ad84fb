"""`{% asset_status status %}`: an asset's status as every desk page shows it, a badge the
stylesheet colours by its class. A tag rather than an included template: the queue shows one
per row, and an include costs a template lookup and a new context each time (about a tenth of
the queue's render, bench/million.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from review.models import AssetStatus

register = template.Library()


@register.simple_tag
def asset_status(status: str, label: str = "") -> SafeString:
    """The badge for `status`, worded `label` or else as the status's own name."""
    return format_html(
        '<span class="status status-{}">{}</span>', status, label or AssetStatus(status).label
    )
