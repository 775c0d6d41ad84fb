"""Which messages the page shows at its top: not those a page shows beside what they are about
(tagged "in-place", e.g. an incident's outcome inside that incident)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.messages.storage.base import Message

register = template.Library()

IN_PLACE = "in-place"


@register.filter
def page_wide(messages: Iterable[Message]) -> list[Message]:
    return [message for message in messages if IN_PLACE not in message.extra_tags.split()]
