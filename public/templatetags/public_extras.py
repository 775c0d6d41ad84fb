from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`{{ month.labeled|get_item:term }}`: a dictionary's value by a key held in a variable."""
    return mapping.get(key)
