"""Who may see and do what with consent. Evidence is personal data: only legal, the asset's
reporter and the desk's editors see it (not standards, not other reporters)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from review.access import can_view_asset
from review.models import Asset

AnyUser = User | AnonymousUser


def can_view_consent(user: AnyUser, asset: Asset) -> bool:
    if not user.is_authenticated or not can_view_asset(user, asset):
        return False
    return (
        user.has_perm("consent.view_consent_evidence")
        or asset.uploaded_by_id == user.pk
        or user.has_perm("review.review_asset")
    )


def can_collect_consent(user: AnyUser, asset: Asset) -> bool:
    return can_view_consent(user, asset) and user.has_perm("consent.collect_consent")


def can_grant_waiver(user: AnyUser, asset: Asset) -> bool:
    return can_view_consent(user, asset) and user.has_perm("consent.grant_waiver")


def can_record_revocation(user: AnyUser, asset: Asset) -> bool:
    return can_view_consent(user, asset) and user.has_perm("consent.record_revocation")


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
