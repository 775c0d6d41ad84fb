"""Roles are groups created by a data migration, with the permissions in `ROLE_PERMISSIONS`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.roles import ROLE_PERMISSIONS, Role, is_staff_member, user_roles
from tests.review.helpers import new_user

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_migration_created_every_role(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"reporter", "editor", "legal", "standards", "admin"} <= names
    assert set(Role.values) == {"reporter", "editor", "legal", "standards", "admin"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_its_permissions(db, role):
    expected = set(ROLE_PERMISSIONS[role])
    assert _codenames(Group.objects.get(name=role)) == expected


# The rules the issue states, checked against the table itself.
@pytest.mark.parametrize(
    ("role", "permission", "held"),
    [
        ("reporter", "review.upload_asset", True),
        ("reporter", "review.view_all_assets", False),
        ("reporter", "review.review_asset", False),
        ("editor", "review.review_asset", True),
        ("editor", "review.view_all_assets", True),
        ("legal", "review.review_asset", False),
        ("legal", "review.upload_asset", False),
        ("legal", "review.view_all_assets", True),
        ("standards", "review.review_asset", False),
        ("standards", "review.view_all_assets", True),
        ("admin", "audit.view_auditevent", True),
        ("admin", "review.review_asset", False),
        # Labeling: editors and standards classify and label; reporters and legal do not.
        ("editor", "labeling.classify_asset", True),
        ("standards", "labeling.classify_asset", True),
        ("reporter", "labeling.classify_asset", False),
        ("legal", "labeling.classify_asset", False),
        # The vocabulary belongs to standards (and administrators), not to the desk editors.
        ("standards", "labeling.manage_vocabulary", True),
        ("admin", "labeling.manage_vocabulary", True),
        ("editor", "labeling.manage_vocabulary", False),
        # Corrections and takedowns are the standards desk's decisions (and administrators').
        ("standards", "incidents.decide_incident", True),
        ("admin", "incidents.decide_incident", True),
        ("editor", "incidents.decide_incident", False),
        ("legal", "incidents.decide_incident", False),
        ("reporter", "incidents.decide_incident", False),
    ],
)
def test_role_rules(db, role, permission, held):
    user = new_user(roles=[role])
    assert user.has_perm(permission) is held


def test_user_roles_and_staff_membership(db):
    both = new_user(roles=[Role.REPORTER, Role.LEGAL])
    nobody = new_user()
    assert user_roles(both) == {"reporter", "legal"}
    assert is_staff_member(both) is True
    assert user_roles(nobody) == set()
    assert is_staff_member(nobody) is False
    assert is_staff_member(AnonymousUser()) is False


def test_groups_that_are_not_roles_do_not_make_staff(db):
    user = new_user()
    user.groups.add(Group.objects.create(name="book-club"))
    assert user_roles(user) == set()
    assert is_staff_member(user) is False


def test_roles_are_looked_up_once_per_user_object(db, django_assert_num_queries):
    user = new_user(roles=[Role.EDITOR])
    with django_assert_num_queries(1):
        user_roles(user)
        user_roles(user)
        is_staff_member(user)


def test_header_shows_the_role_labels(client, db):
    client.force_login(new_user(username="sue", roles=[Role.STANDARDS, Role.LEGAL]))
    content = client.get("/queue/").content.decode()
    assert "sue · Legal, Standards editor" in content
