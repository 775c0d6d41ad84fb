"""Links that lists of consent repeat on every row, written in Python: legal's dashboard shows
up to two hundred of them, and an included template and a `{% url %}` per row cost several
times a tag's time."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString

from review.templatetags.id_urls import id_url_builder

register = template.Library()


@register.simple_tag(takes_context=True)
def consent_pdf_link(context: Context, asset_id: int) -> SafeString:
    """The consent PDF of one media item, as a short link beside the item in a list. Only in
    lists of items whose consent the reader may see (the PDF asks
    review.access.can_view_consent, as those lists do)."""
    return format_html(
        '<a class="pdf-link" href="{}" download>PDF<span class="visually-hidden"> of the consent'
        " record of #{}</span></a>",
        id_url_builder(context, "consent:asset_pdf")(asset_id),
        asset_id,
    )


@register.simple_tag(takes_context=True)
def consent_item_links(context: Context, asset_id: int, filename: str) -> SafeString:
    """A media item in a list of consent: its consent page, then its consent PDF."""
    return format_html(
        '<a href="{}">#{} {}</a> · {}',
        id_url_builder(context, "consent:asset")(asset_id),
        asset_id,
        filename,
        consent_pdf_link(context, asset_id),
    )
