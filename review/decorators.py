from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from accounts.roles import is_staff_member

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def acting_user(request: HttpRequest) -> User:
    """The logged-in user behind a request that `staff_required` has already let through."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Log in first.")
    return request.user


def staff_required(view: Callable[..., R]) -> Callable[..., HttpResponseBase]:
    """Logged in (else to the login page) and holding a newsroom role (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied("Your account has no newsroom role. Ask an administrator.")
        return view(request, *args, **kwargs)

    return wrapper
