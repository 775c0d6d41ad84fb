"""What every desk view needs from a request: the typed htmx request, whether to answer with a
fragment, absolute links to hand out, and the client's address for the audit trail."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that has passed django-htmx's middleware (always, in this project)."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """htmx asks for a fragment; a history restore asks for the whole page even though it
    comes from htmx (the back button after the page was evicted from htmx's cache)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


# The htmx event a panel's answer carries when what it changed may change the sign-off gate:
# the asset page's status and checklist fetch themselves again on it (no reload needed).
GATE_CHANGED_EVENT = "gate-changed"


def url_per_id(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for every row of a list at the cost of one reverse: only the
    id differs from row to row. Build it per request (the script prefix is the request's)."""
    marker = "9081726354"
    prefix, suffix = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """A link to hand out (`path` from `reverse`): at SITE_URL when it is set (production: the
    public address, whichever host the request came through); else at the address the request
    came to; else, in a background task, at DEV_SITE_URL."""
    if settings.SITE_URL:
        base = str(settings.SITE_URL)
    elif request is not None:
        base = request.build_absolute_uri("/")
    else:
        base = settings.DEV_SITE_URL
    return base.rstrip("/") + path


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: from CLIENT_IP_META_KEY, the header a trusted reverse proxy sets
    (and overwrites), or REMOTE_ADDR without one. Never a header the client could have written
    unless the settings name it; a value that is not an address is ignored."""
    key = settings.CLIENT_IP_META_KEY
    value = (request.META.get(key) or "").split(",")[0].strip()
    if key != "REMOTE_ADDR":
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def client_address(request: HttpRequest) -> str:
    """The same, as the rate limits and the login lockout take it (RATELIMIT_IP_META_KEY,
    AXES_CLIENT_IP_CALLABLE): always a string."""
    return client_ip(request) or ""
