"""Events the CMS integration subscribes to. Sent inside the transaction that caused them, so
an outbox row written by a receiver commits or rolls back with the change (kwargs: asset,
signoff, reason)."""

from __future__ import annotations

from django.dispatch import Signal

asset_cleared = Signal()
clearance_revoked = Signal()
