"""Events other parts of the desk subscribe to.

`label_changed` is sent inside the transaction that sets a new label version (kwargs: asset,
label), so that a subscriber writing an outbox row (the CMS webhooks' `asset.label_changed`)
commits or rolls back with it. On a cleared asset the change voids the sign-off first (the
sign-off re-check in the same transaction), so the CMS hears `asset.clearance_revoked`, then
`asset.label_changed` with the new wording. Receivers must not do slow work or network I/O.
"""

from __future__ import annotations

from django.dispatch import Signal

label_changed = Signal()
