"""Two-factor sign-in with an authenticator app (TOTP, django-otp).

Optional for everyone; required for the roles in TWO_FACTOR_REQUIRED_ROLES (the README
suggests legal and admin, who read personal data and change who may do what). After the
password, a person with an authenticator set up is asked for its six-digit code before any
page; a person whose role requires one and has none is sent to set it up first.

Wrong codes are throttled by django-otp (each failure doubles the wait) and every failure, and
every change, is in the audit log. A lost phone is reset by an administrator, who deletes the
device in the admin (TOTP devices); the person then sets up a new one at next sign-in.

Whether a person has an authenticator is read once per session, at sign-in, and kept in the
session (so pages cost no query for it): turning it on elsewhere applies to a session from its
next sign-in. Changing the password, which ends every other session, is the way to end them.

It lives in the desk's core app, not in accounts, because it writes to the audit log.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import AnyUser, user_roles
from audit.services import audit_record
from review.decorators import acting_user
from review.http import HtmxHttpRequest, client_ip

# Pages a half-signed-in person may reach: the two-factor pages themselves and logging out.
EXEMPT_URL_NAMES = frozenset({"two_factor_verify", "two_factor_setup", "logout", "login"})
# In the session: whether its user had a confirmed authenticator when they signed in.
HAS_DEVICE_SESSION_KEY = "proofdesk_two_factor_device"


def two_factor_required(user: AnyUser) -> bool:
    required = {str(role) for role in settings.TWO_FACTOR_REQUIRED_ROLES}
    return bool(required & user_roles(user))


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def note_device_at_sign_in(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    """user_logged_in receiver (connected in ReviewConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_SESSION_KEY] = confirmed_device(user) is not None


def _has_device(request: HttpRequest, user: User) -> bool:
    known = request.session.get(HAS_DEVICE_SESSION_KEY)
    if known is None:  # a session from before two-factor sign-in existed
        known = request.session[HAS_DEVICE_SESSION_KEY] = confirmed_device(user) is not None
    return bool(known)


def _is_verified(request: HttpRequest) -> bool:
    # Set by django_otp.middleware.OTPMiddleware on every authenticated user.
    verified: Callable[[], bool] | None = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def _safe_next(request: HttpRequest, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("review:queue")


class TwoFactorMiddleware:
    """Sends a person who has not yet given their code (or, where their role requires one, has
    not set it up) to the page that asks for it, from every page but those above. After
    django-otp's OTPMiddleware, which says whether this session gave a code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HtmxHttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not isinstance(user, User) or _is_verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in EXEMPT_URL_NAMES:
            return None
        if _has_device(request, user):
            target = "two_factor_verify"
        elif two_factor_required(user):
            target = "two_factor_setup"
        else:
            return None
        url = f"{reverse(target)}?next={request.get_full_path()}"
        if request.htmx:  # django-htmx's middleware has run: process_view comes after
            return HttpResponseClientRedirect(url)
        if request.method not in ("GET", "HEAD"):
            # Nothing is done on the strength of a password alone.
            return HttpResponse("Enter your authenticator code first.", status=403)
        return HttpResponseRedirect(url)


def _code(request: HttpRequest) -> str:
    # People type codes with spaces ("123 456"), as many apps show them.
    return "".join(request.POST.get("code", "").split())[:12]


def _throttle_message(device: TOTPDevice) -> str:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    failures = int((data or {}).get("failure_count", 0))
    # django-otp's rule: each failure doubles the wait, from OTP_TOTP_THROTTLE_FACTOR seconds.
    wait = device.get_throttle_factor() * 2 ** (failures - 1)
    since = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    seconds = max(1, math.ceil(wait - since))
    return f"{failures} wrong codes in a row: try again in {seconds} s."


def _qr_svg(device: TOTPDevice) -> str:
    # Inline SVG: no image service, and nothing for the CSP to allow.
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000")
    return mark_safe(svg)  # segno's own markup, drawn from our own key


def _secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for an app that cannot scan."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _audit(user: User, action: str, request: HttpRequest, **details: Any) -> None:
    audit_record(actor=user, action=action, obj=user, details={"ip": client_ip(request), **details})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the code, type the six digits the app shows: confirmed. One authenticator per
    person; the page shows the state and, where the role allows, turning it off."""
    user = acting_user(request)
    existing = confirmed_device(user)
    context: dict[str, Any] = {
        "required": two_factor_required(user),
        "next": _safe_next(request),
        "device": existing,
    }
    if existing is not None:
        return render(request, "registration/two_factor_setup.html", context)
    # The same pending key across reloads, so a code scanned a moment ago still works.
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    status = 200
    if request.method == "POST":
        code = _code(request)
        context["error"] = _throttle_message(pending)
        if not context["error"]:
            if pending.verify_token(code):
                with transaction.atomic():
                    pending.confirmed = True
                    pending.save(update_fields=["confirmed"])
                    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                    _audit(user, "account.two_factor_enabled", request)
                django_otp.login(request, pending)
                request.session[HAS_DEVICE_SESSION_KEY] = True
                messages.success(request, "Two-factor sign-in is on.")
                return redirect(context["next"])
            context["error"] = "That code did not match. Type the six digits the app shows now."
            _audit(user, "account.two_factor_failed", request, step="setup")
        status = 400
    context.update(qr_svg=_qr_svg(pending), secret=_secret_for_typing(pending))
    return render(request, "registration/two_factor_setup.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the person's authenticator app."""
    user = acting_user(request)
    device = confirmed_device(user)
    next_url = _safe_next(request)
    if device is None or _is_verified(request):
        # No authenticator any more (an administrator reset it): nothing to ask here.
        request.session[HAS_DEVICE_SESSION_KEY] = device is not None
        return redirect(next_url)
    context: dict[str, Any] = {"next": next_url}
    status = 200
    if request.method == "POST":
        context["error"] = _throttle_message(device)
        if not context["error"]:
            if device.verify_token(_code(request)):
                django_otp.login(request, device)
                return redirect(next_url)
            context["error"] = "That code did not match. Type the six digits the app shows now."
            _audit(user, "account.two_factor_failed", request, step="sign-in")
        status = 400
    return render(request, "registration/two_factor_verify.html", context, status=status)


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turning it off takes a current code (a stolen session alone cannot) and is refused
    where the role requires it."""
    user = acting_user(request)
    device = confirmed_device(user)
    if device is None:
        return redirect("two_factor_setup")
    context: dict[str, Any] = {"device": device, "required": two_factor_required(user)}
    if context["required"]:
        context["error"] = "Your role requires two-factor sign-in; it cannot be turned off."
    else:
        context["error"] = _throttle_message(device)
        if not context["error"]:
            if device.verify_token(_code(request)):
                with transaction.atomic():
                    TOTPDevice.objects.filter(user=user).delete()
                    _audit(user, "account.two_factor_disabled", request)
                request.session[HAS_DEVICE_SESSION_KEY] = False
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("two_factor_setup")
            context["error"] = "That code did not match. Type the six digits the app shows now."
            _audit(user, "account.two_factor_failed", request, step="turn off")
    context["next"] = _safe_next(request)
    return render(request, "registration/two_factor_setup.html", context, status=400)
