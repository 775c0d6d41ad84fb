"""The permission backend answers as Django's ModelBackend does, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission

from accounts.backends import PermissionBackend
from accounts.roles import ROLE_PERMISSIONS, Role, user_roles

pytestmark = pytest.mark.django_db


def _user(name: str, *, roles=(), own=(), **flags):
    user = get_user_model().objects.create_user(name, password="x", **flags)
    user.groups.set(Group.objects.filter(name__in=roles))
    for dotted in own:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)  # no permission caches


CASES: dict[str, dict[str, Any]] = {
    "role only": {"roles": [Role.EDITOR]},
    "two roles": {"roles": [Role.EDITOR, Role.LEGAL]},
    "own permission only": {"own": ["audit.view_auditevent"]},
    "role and own permissions": {"roles": [Role.REPORTER], "own": ["review.review_asset"]},
    "nothing": {},
    "inactive": {"roles": [Role.EDITOR], "is_active": False},
    "superuser": {"is_superuser": True},
}


@pytest.mark.parametrize("case", CASES)
def test_the_same_permissions_as_djangos_backend(case, django_assert_num_queries):
    ours = _user("ours", **CASES[case])
    theirs = _user("theirs", **CASES[case])
    expected = ModelBackend().get_all_permissions(theirs)
    with django_assert_num_queries(0 if not ours.is_active else 2 if ours.is_superuser else 1):
        found = PermissionBackend().get_all_permissions(ours)
        # Asked again in the same request: from the user object's cache.
        assert PermissionBackend().get_all_permissions(ours) == found
    assert found == expected
    for perm in [*ROLE_PERMISSIONS[Role.EDITOR], "audit.view_auditevent", "review.review_asset"]:
        assert PermissionBackend().has_perm(ours, perm) == ModelBackend().has_perm(theirs, perm)


def test_a_role_grants_its_table_and_no_more():
    legal = _user("legal", roles=[Role.LEGAL])
    assert PermissionBackend().get_all_permissions(legal) == set(ROLE_PERMISSIONS[Role.LEGAL])


def test_nobody_and_object_permissions_get_nothing(django_assert_num_queries):
    editor = _user("editor", roles=[Role.EDITOR])
    with django_assert_num_queries(0):
        assert PermissionBackend().get_all_permissions(AnonymousUser()) == set()
        # Proofdesk has no per-object permissions; access to one asset is review.access's.
        assert PermissionBackend().get_all_permissions(editor, obj=Group()) == set()


@pytest.mark.parametrize("ask_roles_first", [True, False])
def test_roles_and_permissions_together_cost_one_query(ask_roles_first, django_assert_num_queries):
    user = _user("both", roles=[Role.EDITOR, Role.LEGAL], own=["audit.view_auditevent"])
    with django_assert_num_queries(1):
        if ask_roles_first:
            assert user_roles(user) == {Role.EDITOR, Role.LEGAL}
        assert user.has_perm("signoff.second_approve")  # legal's
        assert user.has_perm("audit.view_auditevent")  # their own
        assert not user.has_perm("public.edit_policy")
        assert user_roles(user) == {Role.EDITOR, Role.LEGAL}


def test_a_group_that_is_no_role_grants_its_permissions_but_no_role():
    club = Group.objects.create(name="photo club")
    club.permissions.add(Permission.objects.get(codename="comment_asset"))
    user = _user("member")
    user.groups.add(club)
    user = get_user_model().objects.get(pk=user.pk)
    assert user_roles(user) == set()
    assert user.has_perm("review.comment_asset")
