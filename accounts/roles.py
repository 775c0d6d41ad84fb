"""The newsroom's roles. A role is a Django group; what it may do is its permissions, granted by
the data migration `accounts.0001_roles`, so that admins can see and audit them in one place."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

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
        valid = set(Role.values)
        cached = {name for name in user.groups.values_list("name", flat=True) if name in valid}
        user._proofdesk_roles = cached  # type: ignore[attr-defined]
    return cached


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Holds at least one newsroom role: may use the desk at all."""
    return bool(user_roles(user))
