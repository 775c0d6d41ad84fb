"""Who may see an asset and what they may do with it: the desk's one decider.

Every permission check in Proofdesk is made here; no other module calls `has_perm`, and
templates ask `can` (review.context_processors) instead of `perms`. The workflow actions are
decided by `action_denial`: the buttons on the page (`available_actions`) and every POST the
server accepts (the services, under the row lock) both ask it. The other things a person does
to an asset or its parts (second approval, re-check, consent, labeling, incidents) and the
desk-wide roles (trust lists, vocabulary, integrations) are the `can_*` functions below; each
app's own access module fetches its objects and asks these.

Two workflow actions also depend on what the sign-off layer knows (the gate for Approve, a
sign-off in force for Mark as published). This layer cannot import sign-off, so the caller
passes it in as a `Readiness` (signoff.selectors.readiness_of, from the gate and the sign-off
in force it has already loaded); without one those two actions are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import AnyUser, is_staff_member
from review.models import Asset, AssetStatus


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


class ActionRefused(Exception):
    """The actor may not take this action now. `denial.kind` says whether it is their role
    ("role": 403) or the asset's state ("state": 409, usually someone else acted first)."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.message)
        self.denial = denial


@dataclass(frozen=True)
class Readiness:
    """What sign-off says about an asset, for the two actions it gates: `gate_reasons` are the
    checklist items Approve still lacks (empty: the gate passes); `publish_problem` is why it
    may not be marked published yet ("" when a cleared sign-off is in force)."""

    gate_reasons: tuple[str, ...]
    publish_problem: str


# The answer for Approve or Mark as published asked without a Readiness, once role and state
# allow it: a caller may ask first and compute the (costly) readiness only when it gets this.
NOT_ASKED = Denial("gate", "Not ready for sign-off: the sign-off checklist was not consulted.")


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
    """Fetch an asset the user may see, or answer 404 alike whether there is none or it is not
    theirs to see: a different answer would tell anyone which asset ids exist."""
    asset = Asset.objects.select_related("uploaded_by").filter(pk=pk).first()
    if asset is None or not can_view_asset(user, asset):
        raise Http404("No such asset.")
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


def action_denial(
    asset: Asset, user: AnyUser, action: Action, *, readiness: Readiness | None = None
) -> Denial | None:
    """Why `user` may not take `action` on `asset` now, or None when they may. Role first, then
    state, then readiness: a reporter is never told about a checklist."""
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
        if readiness is None:
            return NOT_ASKED
        if readiness.gate_reasons:
            reasons = readiness.gate_reasons
            return Denial("gate", "Not ready for sign-off. " + " ".join(reasons), reasons)
    if action is Action.MARK_PUBLISHED:
        if readiness is None:
            return NOT_ASKED
        if readiness.publish_problem:
            return Denial("gate", readiness.publish_problem)
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


def available_actions(
    asset: Asset, user: AnyUser, *, readiness: Readiness | None = None
) -> list[Action]:
    return [
        action
        for action in ACTIONS
        if action_denial(asset, user, action, readiness=readiness) is None
    ]


# --- everything else a person does on the desk ------------------------------------------------
# Each is one role (a permission granted by accounts.ROLE_PERMISSIONS) and, for the parts of an
# asset, the asset's own access check. The services and views of every app ask these.


def _holds(user: AnyUser, permission: str) -> bool:
    return user.is_authenticated and user.has_perm(permission)


def can_upload(user: AnyUser) -> bool:
    return _holds(user, "review.upload_asset")


def can_review(user: AnyUser) -> bool:
    """An editor: reviews assets (approves, sends back, rejects) and acknowledges failing
    credentials."""
    return _holds(user, "review.review_asset")


def can_review_asset(user: AnyUser, asset: Asset) -> bool:
    """An editor who may review this asset: sees it and did not upload it (four-eyes rule)."""
    return can_review(user) and can_view_asset(user, asset) and asset.uploaded_by_id != user.pk


def can_acknowledge_provenance(user: AnyUser, asset: Asset) -> bool:
    return can_view_asset(user, asset) and can_review(user)


def can_recheck_provenance(user: AnyUser, asset: Asset) -> bool:
    return can_view_asset(user, asset) and _holds(user, "provenance.recheck_provenance")


def can_second_approve(user: AnyUser, asset: Asset | None = None) -> bool:
    """Legal or standards give the second approval; who approved first is sign-off's check."""
    allowed = _holds(user, "signoff.second_approve")
    return allowed and (asset is None or can_view_asset(user, asset))


def can_manage_trust(user: AnyUser) -> bool:
    return _holds(user, "provenance.manage_trust")


def can_label(user: AnyUser, asset: Asset) -> bool:
    """Classifying, labeling and rendering are the desk's decision: editors and standards."""
    return can_view_asset(user, asset) and _holds(user, "labeling.classify_asset")


def can_manage_vocabulary(user: AnyUser) -> bool:
    return _holds(user, "labeling.manage_vocabulary")


def can_view_consent_evidence(user: AnyUser) -> bool:
    """Legal: every consent record on the desk, the dashboard and the people list."""
    return _holds(user, "consent.view_consent_evidence")


def can_view_consent(user: AnyUser, asset: Asset) -> bool:
    """Evidence is personal data: legal, the asset's reporter and the desk's editors see it
    (not standards, not other reporters)."""
    if not user.is_authenticated or not can_view_asset(user, asset):
        return False
    return can_view_consent_evidence(user) or asset.uploaded_by_id == user.pk or can_review(user)


def can_collect_consent_anywhere(user: AnyUser) -> bool:
    return _holds(user, "consent.collect_consent")


def can_collect_consent(user: AnyUser, asset: Asset) -> bool:
    return can_view_consent(user, asset) and can_collect_consent_anywhere(user)


def can_grant_waiver(user: AnyUser, asset: Asset | None = None) -> bool:
    allowed = _holds(user, "consent.grant_waiver")
    return allowed and (asset is None or can_view_consent(user, asset))


def can_record_revocation(user: AnyUser, asset: Asset) -> bool:
    return can_view_consent(user, asset) and _holds(user, "consent.record_revocation")


def can_export_consent(user: AnyUser) -> bool:
    return _holds(user, "consent.export_consent")


def can_manage_statements(user: AnyUser) -> bool:
    return _holds(user, "consent.manage_statements")


def can_decide_incidents(user: AnyUser) -> bool:
    return _holds(user, "incidents.decide_incident")


def can_manage_integrations(user: AnyUser) -> bool:
    return _holds(user, "integrations.manage_integrations")


def can_edit_policy(user: AnyUser) -> bool:
    """Standards editors and administrators publish new versions of the public policies."""
    return _holds(user, "public.edit_policy")


def require(allowed: bool, message: str) -> None:
    """Refuse (403) unless `allowed`: for a view or service that asked one of the above."""
    if not allowed:
        raise PermissionDenied(message)


class DeskCapabilities:
    """The desk-wide roles, for templates (`{% if can.upload %}`): asked lazily, so a page
    that shows no link costs no query."""

    def __init__(self, user: AnyUser) -> None:
        self._user = user

    @property
    def upload(self) -> bool:
        return can_upload(self._user)

    @property
    def review(self) -> bool:
        return can_review(self._user)

    @property
    def second_approve(self) -> bool:
        return can_second_approve(self._user)

    @property
    def manage_trust(self) -> bool:
        return can_manage_trust(self._user)

    @property
    def view_consent_evidence(self) -> bool:
        return can_view_consent_evidence(self._user)

    @property
    def export_consent(self) -> bool:
        return can_export_consent(self._user)

    @property
    def manage_statements(self) -> bool:
        return can_manage_statements(self._user)

    @property
    def manage_vocabulary(self) -> bool:
        return can_manage_vocabulary(self._user)

    @property
    def manage_integrations(self) -> bool:
        return can_manage_integrations(self._user)

    @property
    def decide_incidents(self) -> bool:
        return can_decide_incidents(self._user)

    @property
    def edit_policy(self) -> bool:
        return can_edit_policy(self._user)
