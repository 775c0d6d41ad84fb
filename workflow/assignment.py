"""Who has taken an asset's review on, and the queue's bulk actions.

A bulk action is the single-asset service run once per asset, each in its own transaction,
with that service's own checks (the access layer, four-eyes, the asset's state under its row
lock): an asset it refuses is left exactly as it was, and the outcome of every asset is
reported. Running the same bulk action twice changes nothing the second time (the asset is no
longer in review; it is already assigned to that person)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record
from review.access import (
    ActionRefused,
    Denial,
    can_review,
    can_review_asset,
    can_view_asset,
)
from review.models import Asset, AssetStatus
from review.transitions import lock_asset
from workflow.queue_selectors import OPEN_STATUSES
from workflow.services import InvalidNote, asset_request_changes

MAX_BULK = 100


@transaction.atomic
def asset_assign(*, asset_id: int, actor: User, assignee: User | None) -> Asset:
    """Assign the asset's review to `assignee` (None: to nobody). Only an editor assigns, only
    an asset still open, and only to an editor who may review it (not its uploader). Assigning
    it to whoever has it already writes nothing."""
    # Under the row lock: two editors taking the same asset at once take turns, and the second
    # one is told who has it.
    asset = lock_asset(asset_id)
    if not can_view_asset(actor, asset):
        raise ActionRefused(Denial("role", "You do not have access to this asset."))
    if not can_review(actor):
        raise ActionRefused(Denial("role", "Only an editor can assign assets."))
    if asset.status not in OPEN_STATUSES:
        current = AssetStatus(asset.status).label.lower()
        raise ActionRefused(
            Denial("state", f"This asset is {current}: nobody needs to take it on.")
        )
    if assignee is not None and not can_review_asset(assignee, asset):
        who = "you" if assignee.pk == actor.pk else assignee.get_username()
        raise ActionRefused(
            Denial(
                "role",
                f"It cannot be assigned to {who}: only an editor who did not upload it can "
                "review it (four-eyes rule).",
            )
        )
    new_id = assignee.pk if assignee is not None else None
    if asset.assigned_to_id == new_id:
        return asset
    previous = asset.assigned_to.get_username() if asset.assigned_to is not None else ""
    asset.assigned_to = assignee
    asset.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        action="asset.assigned",
        obj=asset,
        details={
            "assigned_to": assignee.get_username() if assignee is not None else "",
            "previous": previous,
        },
    )
    return asset


@dataclass(frozen=True)
class BulkOutcome:
    asset_id: int
    name: str  # "#12 harbour.jpg", or "#12" for an asset the actor may not see
    done: bool
    message: str


def _names(actor: User, asset_ids: list[int]) -> dict[int, str]:
    # Only assets the actor may see are named: the others are reported by number alone.
    visible = Asset.objects.filter(pk__in=asset_ids).only("pk", "original_filename", "uploaded_by")
    return {asset.pk: str(asset) for asset in visible if can_view_asset(actor, asset)}


def _for_each(asset_ids: list[int], actor: User, act: Callable[[int], str]) -> list[BulkOutcome]:
    """`act` on each asset the actor may see, in turn, each on its own (its own transaction
    and checks); what it returns is the outcome's message, and a refusal is reported, never
    raised, so one refused asset does not stop the others."""
    names = _names(actor, asset_ids)
    outcomes = []
    for asset_id in asset_ids:
        name = names.get(asset_id, f"#{asset_id}")
        if asset_id not in names:
            outcomes.append(BulkOutcome(asset_id, name, False, "No such asset."))
            continue
        try:
            message = act(asset_id)
        except ActionRefused as refused:
            outcomes.append(BulkOutcome(asset_id, name, False, refused.denial.message))
        except InvalidNote as invalid:
            outcomes.append(BulkOutcome(asset_id, name, False, str(invalid)))
        else:
            outcomes.append(BulkOutcome(asset_id, name, True, message))
    return outcomes


def assets_assign(*, asset_ids: list[int], actor: User, assignee: User | None) -> list[BulkOutcome]:
    if assignee is None:
        done = "Nobody is assigned now."
    elif assignee.pk == actor.pk:
        done = "Assigned to you."
    else:
        done = f"Assigned to {assignee.get_username()}."

    def assign(asset_id: int) -> str:
        asset_assign(asset_id=asset_id, actor=actor, assignee=assignee)
        return done

    return _for_each(asset_ids, actor, assign)


def assets_request_changes(*, asset_ids: list[int], actor: User, note: str) -> list[BulkOutcome]:
    """`workflow.services.asset_request_changes` for each asset, with the same note."""

    def send_back(asset_id: int) -> str:
        asset_request_changes(asset_id=asset_id, actor=actor, note=note)
        return "Sent back for changes."

    return _for_each(asset_ids, actor, send_back)
