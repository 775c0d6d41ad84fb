"""`{% id_url "name" pk %}`: `{% url "name" pk %}` for views whose one argument is an id, at the
cost of one reverse per view name and page rather than one per row (review.http.url_per_id).
For long lists: legal's dashboard links 250 rows, and a reverse costs about 20 µs."""

from __future__ import annotations

from collections.abc import Callable

from django import template
from django.template.context import Context

from review.http import url_per_id

register = template.Library()

_BUILDERS = "review.id_urls"


def id_url_builder(context: Context, name: str) -> Callable[[int], str]:
    """The builder for `name`, made once per render of the page (render_context is the
    template machinery's per-render storage, so nothing outlives the request)."""
    builders: dict[str, Callable[[int], str]] | None = context.render_context.get(_BUILDERS)
    if builders is None:
        builders = {}
        context.render_context[_BUILDERS] = builders
    if name not in builders:
        builders[name] = url_per_id(name)
    return builders[name]


@register.simple_tag(takes_context=True)
def id_url(context: Context, name: str, pk: int) -> str:
    return id_url_builder(context, name)(pk)
