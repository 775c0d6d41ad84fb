"""Writes to the review desk. Every status change goes through `_transition`: one atomic
block that locks the asset row, asks `action_denial` under the lock, writes, and records an
audit event. Background work is queued only once the transaction has committed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent
from audit.services import audit_record
from review.access import ACTIONS, Action, Denial, action_denial
from review.intake import HASH_CHUNK, IntakeError, sniff_file
from review.models import Asset, AssetSource, AssetStatus, Comment, MediaKind
from review.selectors import asset_duplicates

logger = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 5000


class ActionRefused(Exception):
    """The actor may not take this action now. `denial.kind` says whether it is their role
    ("role": 403) or the asset's state ("state": 409, usually someone else acted first)."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.message)
        self.denial = denial


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
) -> IntakeResult:
    """Put one file on the desk and queue its checks. Raises IntakeError with a message for
    the uploader when the file is not acceptable; nothing is stored in that case."""
    if not content.size:
        raise IntakeError("The file is empty.")
    sniffed = sniff_file(content)
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
    # The file reaches storage before the row exists; if the row cannot be written the file
    # is removed again, so a failed intake leaves neither an orphan file nor a partial row.
    asset.file.save(original_filename, content, save=False)
    try:
        with transaction.atomic():
            asset.save()
            audit_record(
                actor=uploaded_by,
                action="asset.received",
                obj=asset,
                to_state=AssetStatus.RECEIVED,
                details={
                    "filename": original_filename,
                    "sha256": sha256,
                    "media_type": sniffed.media_type,
                    "size": content.size,
                },
            )
            _start_checks(asset, actor=uploaded_by)
    except IntegrityError:
        asset.file.delete(save=False)
        if intake_token is not None:
            # A double-clicked submit raced this one past the lookup above.
            earlier = _asset_for_token(uploaded_by, intake_token, original_filename)
            if earlier is not None:
                return _result(earlier, uploaded_by, created=False)
        raise
    except BaseException:
        asset.file.delete(save=False)
        raise
    return _result(asset, uploaded_by, created=True)


def _asset_for_token(user: User, token: uuid.UUID, filename: str) -> Asset | None:
    return Asset.objects.filter(
        uploaded_by_id=user.pk, intake_token=token, original_filename=filename
    ).first()


def _result(asset: Asset, uploader: User, *, created: bool) -> IntakeResult:
    visible = asset_duplicates(asset, uploader)
    total = Asset.objects.filter(sha256=asset.sha256).exclude(pk=asset.pk).count()
    return IntakeResult(asset, created, visible, hidden_duplicates=max(total - len(visible), 0))


def _start_checks(asset: Asset, *, actor: User | None) -> None:
    from review.tasks import asset_check  # tasks import services: import here, not at the top

    previous = asset.status
    asset.status = AssetStatus.CHECKING
    asset.status_changed_at = timezone.now()
    asset.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="asset.check_started",
        obj=asset,
        from_state=previous,
        to_state=AssetStatus.CHECKING,
    )
    asset_id = asset.pk
    transaction.on_commit(lambda: asset_check.delay(asset_id))


# --- checks (run by the background task) -------------------------------------------------


@dataclass(frozen=True)
class CheckOutcome:
    problems: list[str]
    facts: dict[str, Any]


def _inspect_file(asset: Asset) -> CheckOutcome:
    """Re-read the stored file: does it still hash to what was uploaded, what are its
    dimensions. Runs outside any transaction: it reads the whole file."""
    import hashlib

    problems: list[str] = []
    facts: dict[str, Any] = {}
    try:
        with asset.file.open("rb") as handle:
            digest = hashlib.sha256()
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != asset.sha256:
                problems.append("The stored file no longer matches the uploaded file's sha256.")
            facts["sha256_verified"] = digest.hexdigest() == asset.sha256
            if asset.media_kind == MediaKind.IMAGE:
                handle.seek(0)
                try:
                    with Image.open(handle) as image:
                        facts["width"], facts["height"] = image.size
                # Pillow raises far more than OSError on hostile input: DecompressionBombError,
                # SyntaxError, ValueError, struct.error. Any of them is a finding, not a crash.
                except Exception as exc:
                    problems.append(f"The image could not be decoded: {exc}")
    except FileNotFoundError:
        problems.append("The stored file is missing.")
    return CheckOutcome(problems, facts)


def _verify_provenance(asset: Asset, reason: str) -> list[str]:
    """Read the file's Content Credentials and metadata into a ProvenanceReport. Whatever the
    credentials say is a finding, not a problem; only a verifier crash is a problem, and it
    blocks nothing: the asset goes to review and an editor can re-run the check."""
    from provenance.services import provenance_verify_asset  # provenance imports review

    try:
        provenance_verify_asset(asset_id=asset.pk, reason=reason)
    except Exception as exc:
        logger.exception("provenance check of asset %s failed", asset.pk)
        return [f"The provenance check failed ({type(exc).__name__}); re-run it from this page."]
    return []


def asset_run_checks(*, asset_id: int, reason: str = "intake") -> Asset | None:
    """Run the intake checks and move the asset into review. Safe to run twice: a second run
    finds the asset no longer `checking` and does nothing."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status != AssetStatus.CHECKING:
        logger.debug("asset %s is not waiting for checks; skipping", asset_id)
        return asset
    outcome = _inspect_file(asset)
    if "The stored file is missing." not in outcome.problems:
        outcome.problems.extend(_verify_provenance(asset, reason))
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset_id)
        if locked.status != AssetStatus.CHECKING:
            return locked  # withdrawn (or checked by another worker) while we were reading
        locked.width = outcome.facts.get("width")
        locked.height = outcome.facts.get("height")
        locked.check_error = "\n".join(outcome.problems)
        locked.status = AssetStatus.IN_REVIEW
        locked.status_changed_at = timezone.now()
        locked.save(
            update_fields=[
                "width",
                "height",
                "check_error",
                "status",
                "status_changed_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=None,
            action="asset.checked",
            obj=locked,
            from_state=AssetStatus.CHECKING,
            to_state=AssetStatus.IN_REVIEW,
            details={"problems": outcome.problems, **outcome.facts},
        )
    return locked


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
    # The lock makes two editors acting at once take turns: the second one sees the first
    # one's result and is refused, instead of both transitions running.
    asset = (
        Asset.objects.select_for_update(of=("self",)).select_related("uploaded_by").get(pk=asset_id)
    )
    denial = action_denial(asset, actor, action)
    if denial is not None:
        if denial.kind == "state":
            denial = Denial("state", denial.message + _who_acted_last(asset))
        raise ActionRefused(denial)
    assert spec.to_state is not None
    previous = asset.status
    asset.status = spec.to_state
    asset.status_changed_at = timezone.now()
    asset.save(update_fields=["status", "status_changed_at", "updated_at"])
    comment = None
    if note:
        comment = Comment.objects.create(asset=asset, author=actor, body=note)
    audit_record(
        actor=actor,
        action=f"asset.{action.value}",
        obj=asset,
        from_state=previous,
        to_state=spec.to_state,
        details={"note": note, "comment_id": comment.pk if comment else None},
    )
    _record_signoff_change(asset, actor=actor, action=action, previous=previous, note=note)
    return asset


def _record_signoff_change(
    asset: Asset, *, actor: User, action: Action, previous: str, note: str
) -> None:
    """Approval records exactly what was approved; leaving the approved states voids it."""
    from signoff.gate import signoff_gate
    from signoff.services import SIGNED_OFF, signoff_record, signoff_void

    if action is Action.APPROVE:
        signoff_record(asset=asset, actor=actor, gate=signoff_gate(asset, actor), note=note)
    elif previous in SIGNED_OFF and asset.status not in SIGNED_OFF:
        signoff_void(asset_id=asset.pk, reason=f"{ACTIONS[action].label}: {note}", actor=actor)


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
    asset = Asset.objects.select_for_update().get(pk=asset_id)
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
