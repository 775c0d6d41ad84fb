from __future__ import annotations

from django.http import HttpRequest

from review.access import DeskCapabilities


def capabilities(request: HttpRequest) -> dict[str, object]:
    """`can` in every template: the access layer's answers instead of raw `perms`."""
    return {"can": DeskCapabilities(request.user)}
