"""What every desk view needs from a request: the typed htmx request, whether to answer with a
fragment, and the client's address for the audit trail."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that has passed django-htmx's middleware (always, in this project)."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """htmx asks for a fragment; a history restore asks for the whole page even though it
    comes from htmx (the back button after the page was evicted from htmx's cache)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def client_ip(request: HttpRequest) -> str | None:
    """The address recorded with consent and exports. REMOTE_ADDR only: a forwarded header is
    the client's to forge unless a trusted proxy rewrites it (set that up in the front server)."""
    return request.META.get("REMOTE_ADDR") or None
