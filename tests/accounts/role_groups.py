"""Putting the role groups back after a transactional test's flush.

The groups come from a data migration. A transactional test (`transaction=True`) ends with a
flush that empties every table; post_migrate then recreates content types and permissions, but
not the groups. Tests that commit call `restore_role_groups()` before they start."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS


def restore_role_groups() -> None:
    """The rows data migrations write: role groups, the label vocabulary, the default consent
    statement. A flush empties them all."""
    _restore_vocabulary_and_statement()
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        perms: list[Permission] = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def _restore_vocabulary_and_statement() -> None:
    import importlib

    from django.apps import apps

    for module in (
        "labeling.migrations.0002_default_vocabulary",
        "consent.migrations.0002_default_statement",
    ):
        migration = importlib.import_module(module)
        loader = migration.load if hasattr(migration, "load") else migration.create
        loader(apps, None)  # both are idempotent (get_or_create / exists checks)


def is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))
