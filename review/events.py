"""The core's event: something a sign-off covers changed on an asset.

Proofdesk has one way for a lower layer to make a higher one react: a Django signal declared by
the app where the change happens, sent inside the transaction that made the change, received by
the apps above (docs/architecture.md lists every event, who sends it and who receives it).
Receivers run in that same transaction, so what they write (a voided sign-off, an outbox row)
commits or rolls back with the change; slow work or network I/O they queue with
`transaction.on_commit`.

`asset_changed` (kwargs: asset_id, reason, actor) is sent by provenance (a new report), consent
(a party added or removed, a record, a waiver) and labeling (a classification, a label, a
rendition). Sign-off receives it and voids an approval whose snapshot no longer matches.

`asset_markers_wanted` (kwargs: asset_ids) goes the other way round for reads: the desk's lists
ask it for the assets they show, and each app above that has something to flag (an open
incident, a takedown the CMS has not confirmed) answers with markers for some of them, in one
query whatever the number of assets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import User
from django.dispatch import Signal

from review.models import Asset

asset_changed = Signal()
asset_markers_wanted = Signal()


@dataclass(frozen=True)
class AssetMarker:
    """A flag on an asset in the desk's lists: short words, how urgent, where to act."""

    text: str
    url: str
    urgent: bool = False


def asset_markers(asset_ids: Collection[int]) -> dict[int, list[AssetMarker]]:
    """Every app's markers for these assets. A receiver returns {asset_id: [AssetMarker]}."""
    markers: dict[int, list[AssetMarker]] = defaultdict(list)
    if not asset_ids:
        return markers
    for _receiver, found in asset_markers_wanted.send(sender=Asset, asset_ids=asset_ids):
        answer = cast("dict[int, list[AssetMarker]]", found)
        for asset_id, flags in answer.items():
            markers[asset_id].extend(flags)
    return markers


def asset_changed_send(*, asset_id: int, reason: str, actor: User | None) -> None:
    """Tell the layers above that something a sign-off covers changed. Call it inside the
    transaction of the change."""
    asset_changed.send(sender=Asset, asset_id=asset_id, reason=reason, actor=actor)
