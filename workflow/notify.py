"""E-mails about the editors' decisions on an upload: to the uploader when an editor sends it
back for changes, approves it (saying whether a second approval is still to come) or rejects
it, and to legal and standards when an approval waits for their second approval; and to the
uploader again once the second approval clears it.

Called by `workflow.services` after the commit, with ids only: what the e-mail says is read
back from the committed rows. Who is told, and how sending fails, is `accounts.notifications`.
No e-mail names the people depicted or their consent: an asset is named by its number and its
story reference, and the link leads to the desk, behind the login.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from accounts.models import Notice
from accounts.notifications import reachable, run_logged, send_each
from accounts.roles import ROLE_PERMISSIONS
from review.access import Action, can_second_approve
from review.http import absolute_url
from review.models import Asset
from signoff.models import SignOff
from signoff.services import active_signoff

# The workflow actions whose outcome the uploader hears about, and the setting that governs it.
UPLOADER_NOTICES = {
    Action.REQUEST_CHANGES: Notice.CHANGES_REQUESTED,
    Action.APPROVE: Notice.UPLOAD_DECIDED,
    Action.REJECT: Notice.UPLOAD_DECIDED,
}


def asset_name(asset: Asset) -> str:
    story = f" (story {asset.story_ref})" if asset.story_ref else ""
    return f"asset #{asset.pk}{story}"


def asset_link(asset_id: int) -> str:
    return absolute_url(reverse("review:asset_detail", args=[asset_id]))


def settings_footer(notice: Notice) -> str:
    return (
        f"\n--\nYou get this e-mail because this is on in your Proofdesk account: "
        f"“{notice.label}”.\nChoose which e-mails you get: {absolute_url(reverse('account'))}\n"
    )


def holders_of(permission: str) -> list[str]:
    """The roles granted `permission`: where to look for the people who may act (the final word
    on each person is review.access)."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def notify_decision(*, asset_id: int, action: Action, actor_id: int, note: str) -> None:
    """After an editor's action on an asset committed: tell the uploader (and, for an approval
    that needs one, those who give the second approval)."""
    run_logged(
        lambda: _notify_decision(asset_id=asset_id, action=action, actor_id=actor_id, note=note),
        what=f"{action.value} on asset {asset_id}",
    )


def _notify_decision(*, asset_id: int, action: Action, actor_id: int, note: str) -> None:
    notice = UPLOADER_NOTICES.get(action)
    if notice is None:
        return
    asset = Asset.objects.select_related("uploaded_by").get(pk=asset_id)
    actor = User.objects.get(pk=actor_id)
    pending_reason = ""
    if action is Action.APPROVE:
        signoff = active_signoff(asset)
        if signoff is not None and signoff.requires_second and signoff.second_by_id is None:
            pending_reason = signoff.second_reason or "A second approval is required."
    uploader = reachable(User.objects.filter(pk=asset.uploaded_by_id), notice, actor_id=actor_id)
    subject, body = _uploader_message(asset, action, actor, note, pending_reason)
    send_each(
        uploader,
        subject,
        lambda user: f"Hello {user.get_username()},\n\n{body}{settings_footer(notice)}",
        what=f"{action.value} on asset {asset.pk}",
    )
    if pending_reason:
        _notify_second_approvers(asset, actor, pending_reason)


def _uploader_message(
    asset: Asset, action: Action, actor: User, note: str, pending_reason: str
) -> tuple[str, str]:
    name = asset_name(asset)
    by = actor.get_username()
    link = asset_link(asset.pk)
    quoted = "\n".join(f"> {line}" for line in note.splitlines()) if note else ""
    if action is Action.REQUEST_CHANGES:
        subject = f"Changes requested on your upload, asset #{asset.pk}"
        body = (
            f"{by} sent {name} back to you for changes. Their note:\n\n{quoted}\n\n"
            f"Make the changes, then resubmit it for review:\n{link}\n"
        )
    elif action is Action.REJECT:
        subject = f"Your upload was rejected, asset #{asset.pk}"
        body = f"{by} rejected {name}. Their note:\n\n{quoted}\n\nSee it on the desk:\n{link}\n"
    elif pending_reason:
        subject = f"Your upload was approved, asset #{asset.pk}: a second approval is pending"
        body = (
            f"{by} approved {name}. It is not cleared for publication yet: a second approval "
            f"by legal or standards is still pending ({pending_reason})\n\n"
            f"See it on the desk:\n{link}\n"
        )
    else:
        subject = f"Your upload was approved and cleared, asset #{asset.pk}"
        body = (
            f"{by} approved {name}. It is cleared for publication.\n\nSee it on the desk:\n{link}\n"
        )
    if note and action is Action.APPROVE:
        body += f"\nTheir note:\n\n{quoted}\n"
    return subject, body


def _notify_second_approvers(asset: Asset, actor: User, reason: str) -> None:
    candidates = User.objects.filter(groups__name__in=holders_of("signoff.second_approve")).exclude(
        pk=asset.uploaded_by_id
    )  # the uploader may not give it (four-eyes rule)
    people = [
        user
        for user in reachable(candidates.distinct(), Notice.SECOND_APPROVAL, actor_id=actor.pk)
        if can_second_approve(user, asset)
    ]
    link = asset_link(asset.pk)
    body = (
        f"{actor.get_username()} approved {asset_name(asset)}, and it needs a second approval "
        f"before it is cleared: {reason}\n\nReview it and give the second approval:\n{link}\n"
    )
    send_each(
        people,
        f"Asset #{asset.pk} waits for a second approval",
        lambda user: (
            f"Hello {user.get_username()},\n\n{body}{settings_footer(Notice.SECOND_APPROVAL)}"
        ),
        what=f"second approval of asset {asset.pk}",
    )


def notify_cleared_by_second_approval(*, asset_id: int, actor_id: int) -> None:
    """After a second approval committed: the uploader hears that the asset is now cleared."""
    run_logged(
        lambda: _notify_cleared(asset_id=asset_id, actor_id=actor_id),
        what=f"second approval on asset {asset_id}",
    )


def _notify_cleared(*, asset_id: int, actor_id: int) -> None:
    asset = Asset.objects.select_related("uploaded_by").get(pk=asset_id)
    actor = User.objects.get(pk=actor_id)
    uploader = reachable(
        User.objects.filter(pk=asset.uploaded_by_id), Notice.UPLOAD_DECIDED, actor_id=actor_id
    )
    subject = f"Your upload is cleared for publication, asset #{asset.pk}"
    body = (
        f"{actor.get_username()} gave the second approval for {asset_name(asset)}. It is cleared "
        f"for publication.\n\nSee it on the desk:\n{asset_link(asset.pk)}\n"
    )
    send_each(
        uploader,
        subject,
        lambda user: (
            f"Hello {user.get_username()},\n\n{body}{settings_footer(Notice.UPLOAD_DECIDED)}"
        ),
        what=f"second approval on asset {asset.pk}",
    )


def on_asset_cleared(
    sender: Any, *, asset: Asset, signoff: SignOff, reason: str, **kwargs: Any
) -> None:
    """signoff.events.asset_cleared receiver (connected in WorkflowConfig.ready). A first
    approval that clears is told by notify_decision; this is the second approval's."""
    if reason != "second_approval" or signoff.second_by_id is None:
        return
    actor_id = signoff.second_by_id
    transaction.on_commit(
        lambda: notify_cleared_by_second_approval(asset_id=asset.pk, actor_id=actor_id)
    )
