"""The desk's workflow: intake, the checks that move an asset into review, and the editors'
actions. It orchestrates the layers below: every status change is made by
`review.transitions.asset_transition` (which locks, checks the state, writes and audits); the
access layer decides under that lock; the sign-off gate is computed once per approval and both
decides it and is recorded. Background work is queued only once the transaction has committed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_batch, audit_record
from review.access import (
    ACTIONS,
    NOT_ASKED,
    Action,
    ActionRefused,
    Denial,
    Readiness,
    action_denial,
)
from review.intake import IntakeError, check_sidecar, sha256_of_stream, sniff_file
from review.models import Asset, AssetSource, AssetStatus, Comment
from review.selectors import asset_duplicates
from review.transitions import asset_transition, lock_asset
from signoff.gate import Gate, signoff_gate
from signoff.selectors import readiness_of
from signoff.services import SIGNED_OFF, active_signoff, signoff_record, signoff_void
from workflow.notify import UPLOADER_NOTICES, notify_decision
from workflow.tasks import asset_check

logger = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 5000


class InvalidNote(Exception):
    pass


@dataclass
class IntakeResult:
    asset: Asset
    created: bool
    # Same bytes already on the desk: those the uploader may open, and how many they may not
    # (a reporter is told a colleague sent it too, never which asset it is).
    duplicates: list[Asset] = field(default_factory=list)
    hidden_duplicates: int = 0


# --- intake -------------------------------------------------------------------------------


def asset_intake(
    *,
    uploaded_by: User,
    content: File[bytes],
    sha256: str,
    original_filename: str,
    source: str = AssetSource.STAFF,
    story_ref: str = "",
    description: str = "",
    intake_token: uuid.UUID | None = None,
    sidecar: File[bytes] | None = None,
) -> IntakeResult:
    """Put one file on the desk and queue its checks. Raises IntakeError with a message for
    the uploader when the file is not acceptable; nothing is stored in that case. `sidecar`:
    a .c2pa manifest store that came with the file, kept with the asset and verified against
    it by the provenance check."""
    if not content.size:
        raise IntakeError("The file is empty.")
    sniffed = sniff_file(content)
    if sidecar is not None:
        check_sidecar(sidecar, size=sidecar.size or 0, limit=settings.C2PA_SIDECAR_MAX_BYTES)
    if source not in AssetSource.values:
        raise IntakeError(f"Unknown source {source!r}.")
    original_filename = (original_filename or "upload").rsplit("/", 1)[-1][:255]

    if intake_token is not None:
        earlier = _asset_for_token(uploaded_by, intake_token, original_filename)
        if earlier is not None:
            return _result(earlier, uploaded_by, created=False)

    asset = Asset(
        original_filename=original_filename,
        sha256=sha256,
        media_type=sniffed.media_type,
        media_kind=sniffed.kind,
        size_bytes=content.size,
        source=source,
        story_ref=story_ref.strip(),
        description=description.strip(),
        uploaded_by=uploaded_by,
        intake_token=intake_token,
    )
    details: dict[str, object] = {
        "filename": original_filename,
        "sha256": sha256,
        "media_type": sniffed.media_type,
        "size": content.size,
    }
    # The files reach storage before the row exists; if the row cannot be written they are
    # removed again, so a failed intake leaves neither an orphan file nor a partial row.
    asset.file.save(original_filename, content, save=False)
    try:
        if sidecar is not None:
            details["sidecar_sha256"] = sha256_of_stream(sidecar)
            asset.sidecar_manifest.save(sidecar.name or "manifest.c2pa", sidecar, save=False)
        with transaction.atomic(), audit_batch():
            asset.save()
            audit_record(
                actor=uploaded_by,
                action="asset.received",
                obj=asset,
                to_state=AssetStatus.RECEIVED,
                details=details,
            )
            _start_checks(asset, actor=uploaded_by)
    except IntegrityError:
        _delete_files(asset)
        if intake_token is not None:
            # A double-clicked submit raced this one past the lookup above.
            earlier = _asset_for_token(uploaded_by, intake_token, original_filename)
            if earlier is not None:
                return _result(earlier, uploaded_by, created=False)
        raise
    except BaseException:
        _delete_files(asset)
        raise
    return _result(asset, uploaded_by, created=True)


def _delete_files(asset: Asset) -> None:
    asset.file.delete(save=False)
    if asset.sidecar_manifest:
        asset.sidecar_manifest.delete(save=False)


def _asset_for_token(user: User, token: uuid.UUID, filename: str) -> Asset | None:
    return Asset.objects.filter(
        uploaded_by_id=user.pk, intake_token=token, original_filename=filename
    ).first()


def _result(asset: Asset, uploader: User, *, created: bool) -> IntakeResult:
    visible = asset_duplicates(asset, uploader)
    total = Asset.objects.filter(sha256=asset.sha256).exclude(pk=asset.pk).count()
    return IntakeResult(asset, created, visible, hidden_duplicates=max(total - len(visible), 0))


def _start_checks(asset: Asset, *, actor: User | None) -> None:
    # The row was created in this transaction, so no one else can hold it: no lock to take.
    asset_transition(
        asset=asset,
        to_state=AssetStatus.CHECKING,
        from_states={AssetStatus.RECEIVED},
        actor=actor,
        event="asset.check_started",
    )
    asset_id = asset.pk
    transaction.on_commit(lambda: asset_check.delay(asset_id))


# --- workflow transitions ----------------------------------------------------------------


def _clean_note(note: str, *, required: bool, action: Action) -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidNote(f"Say why: a note is required to {ACTIONS[action].label.lower()}.")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidNote(f"The note is too long (at most {MAX_NOTE_LENGTH} characters).")
    return note


def _who_acted_last(asset: Asset) -> str:
    # The last status change, not the last event: comments after it do not change the state.
    event = AuditEvent.objects.for_object(asset).exclude(to_state="").order_by("-seq").first()
    if event is None:
        return ""
    when = timezone.localtime(event.created_at).strftime("%H:%M:%S")
    return f" {event.actor_name} made it {AssetStatus(event.to_state).label.lower()} at {when}."


@transaction.atomic
def _transition(*, asset_id: int, actor: User, action: Action, note: str) -> Asset:
    spec = ACTIONS[action]
    note = _clean_note(note, required=spec.needs_note, action=action)
    asset = lock_asset(asset_id)
    gate: Gate | None = None
    denial = action_denial(asset, actor, action)
    if denial is NOT_ASKED:
        # Role and state allow it; only now is sign-off's answer worth its queries. The gate is
        # computed once, under the lock: it both decides the approval and is what the sign-off
        # records, so nothing can change between the two.
        gate = signoff_gate(asset, actor) if action is Action.APPROVE else None
        denial = action_denial(asset, actor, action, readiness=_readiness(asset, action, gate))
    if denial is not None:
        if denial.kind == "state":
            denial = Denial("state", denial.message + _who_acted_last(asset))
        raise ActionRefused(denial)
    assert spec.to_state is not None
    previous = asset.status
    comment = Comment.objects.create(asset=asset, author=actor, body=note) if note else None
    asset_transition(
        asset=asset,
        to_state=spec.to_state,
        from_states=spec.from_states,
        actor=actor,
        event=f"asset.{action.value}",
        details={"note": note, "comment_id": comment.pk if comment else None},
    )
    # Approval records exactly what was approved; leaving the approved states voids it.
    if gate is not None:
        signoff_record(asset=asset, actor=actor, gate=gate, note=note)
    elif previous in SIGNED_OFF and asset.status not in SIGNED_OFF:
        signoff_void(asset_id=asset.pk, reason=f"{spec.label}: {note}", actor=actor)
    if action in UPLOADER_NOTICES:
        transaction.on_commit(
            partial(notify_decision, asset_id=asset.pk, action=action, actor_id=actor.pk, note=note)
        )
    return asset


def _readiness(asset: Asset, action: Action, gate: Gate | None) -> Readiness | None:
    if action is Action.APPROVE:
        return readiness_of(gate=gate, signoff=None)
    if action is Action.MARK_PUBLISHED:
        return readiness_of(gate=None, signoff=active_signoff(asset))
    return None


def asset_approve(*, asset_id: int, actor: User, note: str = "") -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.APPROVE, note=note)


def asset_request_changes(*, asset_id: int, actor: User, note: str) -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.REQUEST_CHANGES, note=note)


def asset_reject(*, asset_id: int, actor: User, note: str) -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.REJECT, note=note)


def asset_resubmit(*, asset_id: int, actor: User, note: str = "") -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.RESUBMIT, note=note)


def asset_withdraw(*, asset_id: int, actor: User, note: str) -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.WITHDRAW, note=note)


def asset_mark_published(*, asset_id: int, actor: User, note: str = "") -> Asset:
    return _transition(asset_id=asset_id, actor=actor, action=Action.MARK_PUBLISHED, note=note)


TRANSITION_SERVICES: dict[Action, Callable[..., Asset]] = {
    Action.APPROVE: asset_approve,
    Action.REQUEST_CHANGES: asset_request_changes,
    Action.REJECT: asset_reject,
    Action.RESUBMIT: asset_resubmit,
    Action.WITHDRAW: asset_withdraw,
    Action.MARK_PUBLISHED: asset_mark_published,
}


@transaction.atomic
def comment_add(*, asset_id: int, author: User, body: str) -> Comment:
    body = _clean_note(body, required=True, action=Action.COMMENT)
    asset = lock_asset(asset_id)
    denial = action_denial(asset, author, Action.COMMENT)
    if denial is not None:
        raise ActionRefused(denial)
    comment = Comment.objects.create(asset=asset, author=author, body=body)
    audit_record(
        actor=author,
        action="comment.added",
        obj=asset,
        details={"comment_id": comment.pk, "body": body},
    )
    return comment
