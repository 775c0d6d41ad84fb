"""Who may see an asset and what they may do with it.

`action_denial` is the one function that decides; the buttons on the page (`available_actions`)
and every POST the server accepts (the services, under the row lock) both ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import is_staff_member
from review.models import Asset, AssetStatus

AnyUser = User | AnonymousUser


class Action(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    MARK_PUBLISHED = "mark_published"
    COMMENT = "comment"


@dataclass(frozen=True)
class ActionSpec:
    label: str
    permission: str | None  # None: the uploader's own action
    from_states: frozenset[str]
    to_state: str | None  # None: not a status change
    needs_note: bool = False
    four_eyes: bool = False  # never on one's own upload
    style: str = "secondary"


ACTIONS: dict[Action, ActionSpec] = {
    Action.APPROVE: ActionSpec(
        "Approve",
        "review.review_asset",
        frozenset({AssetStatus.IN_REVIEW}),
        AssetStatus.APPROVED,
        four_eyes=True,
        style="primary",
    ),
    Action.REQUEST_CHANGES: ActionSpec(
        "Request changes",
        "review.review_asset",
        frozenset({AssetStatus.IN_REVIEW}),
        AssetStatus.CHANGES_REQUESTED,
        needs_note=True,
        four_eyes=True,
    ),
    Action.REJECT: ActionSpec(
        "Reject",
        "review.review_asset",
        frozenset({AssetStatus.IN_REVIEW, AssetStatus.CHANGES_REQUESTED}),
        AssetStatus.REJECTED,
        needs_note=True,
        four_eyes=True,
        style="danger",
    ),
    Action.RESUBMIT: ActionSpec(
        "Resubmit for review",
        None,
        frozenset({AssetStatus.CHANGES_REQUESTED}),
        AssetStatus.IN_REVIEW,
        style="primary",
    ),
    Action.WITHDRAW: ActionSpec(
        "Withdraw",
        None,
        frozenset(
            {
                AssetStatus.RECEIVED,
                AssetStatus.CHECKING,
                AssetStatus.IN_REVIEW,
                AssetStatus.CHANGES_REQUESTED,
                AssetStatus.APPROVED,
            }
        ),
        AssetStatus.WITHDRAWN,
        needs_note=True,
        style="danger",
    ),
    Action.MARK_PUBLISHED: ActionSpec(
        "Mark as published",
        "review.publish_asset",
        frozenset({AssetStatus.APPROVED}),
        AssetStatus.PUBLISHED,
    ),
    Action.COMMENT: ActionSpec(
        "Comment",
        "review.comment_asset",
        frozenset(AssetStatus.values),
        None,
    ),
}

# Actions the uploader may take on their own asset without any special permission.
UPLOADER_ACTIONS = frozenset({Action.RESUBMIT, Action.WITHDRAW, Action.COMMENT})
# Reviewers (those who may review) may also withdraw an asset that is not theirs.
REVIEWER_WITHDRAW_PERMISSION = "review.review_asset"


@dataclass(frozen=True)
class Denial:
    # role: not theirs to do (403); state: not now (409); gate: the sign-off checklist is not
    # satisfied (409, with every reason).
    kind: Literal["role", "state", "gate"]
    message: str
    reasons: tuple[str, ...] = ()


def can_view_all(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm("review.view_all_assets")


def can_view_asset(user: AnyUser, asset: Asset) -> bool:
    if not user.is_authenticated or not is_staff_member(user):
        return False
    return can_view_all(user) or asset.uploaded_by_id == user.pk


def visible_assets(user: AnyUser) -> QuerySet[Asset]:
    """The assets a user may see at all: everything for reviewers, their own for reporters."""
    if not user.is_authenticated or not is_staff_member(user):
        return Asset.objects.none()
    if can_view_all(user):
        return Asset.objects.all()
    return Asset.objects.filter(uploaded_by_id=user.pk)


def get_asset_for_user(user: AnyUser, pk: int) -> Asset:
    """Fetch an asset the user may see: 404 if there is none, 403 if it is not theirs to see."""
    asset = Asset.objects.select_related("uploaded_by").filter(pk=pk).first()
    if asset is None:
        raise Http404("No such asset.")
    if not can_view_asset(user, asset):
        raise PermissionDenied("You do not have access to this asset.")
    return asset


def _role_denial(asset: Asset, user: AnyUser, action: Action, spec: ActionSpec) -> Denial | None:
    if not can_view_asset(user, asset):
        return Denial("role", "You do not have access to this asset.")
    is_uploader = asset.uploaded_by_id == user.pk
    if action is Action.WITHDRAW:
        if is_uploader or user.has_perm(REVIEWER_WITHDRAW_PERMISSION):
            return None
        return Denial("role", "Only the uploader or an editor can withdraw an asset.")
    if action in UPLOADER_ACTIONS and spec.permission is None:
        if is_uploader:
            return None
        return Denial("role", f"Only the uploader can {spec.label.lower()}.")
    if action is Action.COMMENT and is_uploader:
        return None
    if spec.permission and not user.has_perm(spec.permission):
        return Denial("role", f"Your role does not allow you to {spec.label.lower()} assets.")
    if spec.four_eyes and is_uploader:
        return Denial(
            "role",
            "You uploaded this asset, so another editor must review it (four-eyes rule).",
        )
    return None


def action_denial(asset: Asset, user: AnyUser, action: Action) -> Denial | None:
    """Why `user` may not take `action` on `asset` now, or None when they may."""
    spec = ACTIONS[action]
    role = _role_denial(asset, user, action, spec)
    if role is not None:
        return role
    if asset.status not in spec.from_states:
        current = AssetStatus(asset.status).label.lower()
        return Denial(
            "state", f"This asset is {current}, so it cannot be {_past_tense(action)} now."
        )
    if action is Action.APPROVE:
        return _gate_denial(asset, user)
    if action is Action.MARK_PUBLISHED:
        return _clearance_denial(asset)
    return None


def _gate_denial(asset: Asset, user: AnyUser) -> Denial | None:
    from signoff.gate import signoff_gate  # the gate reads every app; import at use

    gate = signoff_gate(asset, user)
    if gate.passed:
        return None
    reasons = tuple(gate.reasons)
    return Denial("gate", "Not ready for sign-off. " + " ".join(reasons), reasons)


def _clearance_denial(asset: Asset) -> Denial | None:
    from signoff.models import SignOff

    signoff = SignOff.objects.filter(asset=asset, voided_at__isnull=True).first()
    if signoff is None:
        return Denial("gate", "This asset has no sign-off in force.")
    if signoff.cleared_at is None:
        return Denial("gate", f"Waiting for the second approval: {signoff.second_reason}", ())
    return None


def _past_tense(action: Action) -> str:
    return {
        Action.APPROVE: "approved",
        Action.REQUEST_CHANGES: "sent back for changes",
        Action.REJECT: "rejected",
        Action.RESUBMIT: "resubmitted",
        Action.WITHDRAW: "withdrawn",
        Action.MARK_PUBLISHED: "marked as published",
        Action.COMMENT: "commented on",
    }[action]


def available_actions(asset: Asset, user: AnyUser) -> list[Action]:
    return [action for action in ACTIONS if action_denial(asset, user, action) is None]
