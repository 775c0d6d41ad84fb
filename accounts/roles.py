"""The newsroom's roles. A role is a Django group; what it may do is its permissions, granted by
the data migration `accounts.0001_roles`, so that admins can see and audit them in one place."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import models
from django.db.models import Value

# Who a request may come from: a logged-in user or nobody yet. The one alias every app uses.
AnyUser = User | AnonymousUser


class Role(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    EDITOR = "editor", "Editor"
    LEGAL = "legal", "Legal"
    STANDARDS = "standards", "Standards editor"
    ADMIN = "admin", "Administrator"


# Permission codenames (app_label.codename) per role. Kept here, not only in the migration, so
# that tests and the migration read the same table.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.REPORTER: ("review.upload_asset", "review.comment_asset", "consent.collect_consent"),
    Role.EDITOR: (
        "provenance.recheck_provenance",
        "review.upload_asset",
        "review.view_all_assets",
        "review.review_asset",
        "review.publish_asset",
        "review.comment_asset",
        "consent.collect_consent",
        "labeling.classify_asset",
    ),
    Role.LEGAL: (
        "review.view_all_assets",
        "review.comment_asset",
        "consent.collect_consent",
        "consent.view_consent_evidence",
        "consent.export_consent",
        "consent.grant_waiver",
        "consent.manage_statements",
        "consent.record_revocation",
        "signoff.second_approve",
    ),
    Role.STANDARDS: (
        "review.view_all_assets",
        "review.comment_asset",
        "review.publish_asset",
        "provenance.manage_trust",
        "provenance.recheck_provenance",
        "labeling.classify_asset",
        "labeling.manage_vocabulary",
        "signoff.second_approve",
        "integrations.manage_integrations",
        "incidents.decide_incident",
        "public.edit_policy",
    ),
    Role.ADMIN: (
        "review.upload_asset",
        "review.view_all_assets",
        "review.comment_asset",
        "audit.view_auditevent",
        "provenance.manage_trust",
        "labeling.manage_vocabulary",
        "integrations.manage_integrations",
        "incidents.decide_incident",
        "public.edit_policy",
    ),
}


def user_roles(user: User | AnonymousUser) -> set[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached: set[str] | None = getattr(user, "_proofdesk_roles", None)
    if cached is None:
        cached = load_roles_and_permissions(user)[0]
    return cached


def load_roles_and_permissions(user: User) -> tuple[set[str], set[str]]:
    """A user's role names and permissions ("app_label.codename", their own and their
    groups'), read in one query and cached on the user object for the request, where
    `user_roles` and Django's permission check (`accounts.backends.PermissionBackend`, under
    the name ModelBackend caches them) look. Every page asks both; apart, they were three
    queries a page."""
    groups = Group.objects.filter(user=user).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    own = (
        Permission.objects.filter(user=user)
        .annotate(group_name=Value(""))
        .values_list("group_name", "content_type__app_label", "codename")
    )
    valid = set(Role.values)
    roles: set[str] = set()
    permissions: set[str] = set()
    for group_name, app_label, codename in groups.order_by().union(own.order_by(), all=True):
        if group_name in valid:
            roles.add(group_name)
        if codename:  # a group without permissions comes with none
            permissions.add(f"{app_label}.{codename}")
    if user.is_superuser:
        permissions = {
            f"{app_label}.{codename}"
            for app_label, codename in Permission.objects.values_list(
                "content_type__app_label", "codename"
            )
        }
    user._proofdesk_roles = roles  # type: ignore[attr-defined]
    user._perm_cache = permissions  # type: ignore[attr-defined]
    return roles, permissions


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Holds at least one newsroom role: may use the desk at all."""
    return bool(user_roles(user))
