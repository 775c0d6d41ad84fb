"""Django's ModelBackend, with a user's permissions read together with their roles."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model

from accounts.roles import load_roles_and_permissions


class PermissionBackend(ModelBackend):
    """Every page asks `has_perm` (review.access) and the user's roles (the navigation, the
    access rules). Django's backend answers the first `has_perm` of a request with two queries
    of its own, the user's permissions and their groups'; here the answer comes from the one
    query that also reads the roles (`accounts.roles.load_roles_and_permissions`). A query
    costs a page more in Django's Python than in the database. Same answers as Django's, and
    the same per-request cache on the user object (`_perm_cache`); the per-source sets
    (`get_user_permissions`, `get_group_permissions`) are Django's, unchanged."""

    def get_all_permissions(
        self, user_obj: AbstractBaseUser | AnonymousUser, obj: Model | None = None
    ) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached: set[str] | None = getattr(user_obj, "_perm_cache", None)
        if cached is None:
            assert isinstance(user_obj, User)  # the project's user model (settings)
            cached = load_roles_and_permissions(user_obj)[1]
        return cached
