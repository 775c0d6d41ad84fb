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
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.dispatch import Signal

from review.models import Asset

asset_changed = Signal()


def asset_changed_send(*, asset_id: int, reason: str, actor: User | None) -> None:
    """Tell the layers above that something a sign-off covers changed. Call it inside the
    transaction of the change."""
    asset_changed.send(sender=Asset, asset_id=asset_id, reason=reason, actor=actor)
