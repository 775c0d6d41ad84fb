"""Bodies from people who are not logged in are refused before Django parses them.

Django parses a POST lazily, but the CSRF check asks for `request.POST` before any view runs,
so a multipart body sent without a session (200 MB to the upload URL, say) used to be spooled
to a temporary file before the view redirected to the login page. This middleware runs before
the CSRF check and reads nothing: it looks at the session, the URL and the headers.

- Any body without a session is capped at ANONYMOUS_MAX_BODY bytes (enough for every form a
  stranger may fill in) and must declare its length when it is sent in chunks.
- Past the cap, a view that strangers may post to (marked `@accepts_anonymous_body`: the public
  report form, the remote consent link, the CMS API, which has its own tokens; Django's login
  and password-reset views are known as such) answers 413; any other answers what it would
  have answered a stranger, the login page. Either way the body is left unread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import (
    LoginView,
    PasswordResetConfirmView,
    PasswordResetView,
    redirect_to_login,
)
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, URLResolver, resolve

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS_AUTH_VIEWS = (LoginView, PasswordResetView, PasswordResetConfirmView)
View = TypeVar("View", bound=Callable[..., Any])


def accepts_anonymous_body(view: View) -> View:
    """Mark a view that people without a session may post to (within the caps above)."""
    view.accepts_anonymous_body = True  # type: ignore[attr-defined]
    return view


def accepts_anonymous_bodies(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """The same, for every view of an included URLconf (the CMS API's, say)."""
    patterns = urls[0]
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            accepts_anonymous_bodies((pattern.url_patterns, "", ""))
        else:
            accepts_anonymous_body(pattern.callback)
    return urls


def _accepts(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    view = match.func
    # Django's own forms for people not yet logged in: logging in, resetting a password.
    view_class = getattr(view, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, ANONYMOUS_AUTH_VIEWS):
        return True
    return bool(getattr(view, "accepts_anonymous_body", False))


class AnonymousBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in BODY_METHODS and not request.user.is_authenticated:
            refused = self._refusal(request)
            if refused is not None:
                # Nothing of the body was read; the server discards it with the connection.
                refused["Connection"] = "close"
                return refused
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        length = request.META.get("CONTENT_LENGTH") or ""
        chunked = bool(request.META.get("HTTP_TRANSFER_ENCODING"))
        if not chunked and (not length.isdigit() or int(length) <= settings.ANONYMOUS_MAX_BODY):
            # No body, or a small one: the view answers as it always does (405, 403 for a
            # missing CSRF token, the login page).
            return None
        if not _accepts(request):
            # What the view would answer a stranger, without the body it would have parsed.
            return redirect_to_login(request.get_full_path())
        if chunked and not length.isdigit():
            return HttpResponse(
                "Send the request with its Content-Length.", status=411, content_type="text/plain"
            )
        return HttpResponse(
            f"The request is too large (at most {settings.ANONYMOUS_MAX_BODY} bytes).",
            status=413,
            content_type="text/plain",
        )
