"""Events other parts of the desk subscribe to.

`label_changed` is sent inside the transaction that sets a new label version (kwargs: asset,
label), so that a subscriber writing an outbox row (the CMS webhooks' `asset.label_changed`)
commits or rolls back with it. Send it before re-checking the sign-off: once a changed label
has voided the sign-off, the asset is no longer cleared and the CMS hears
`asset.clearance_revoked` instead. Receivers must not do slow work or network I/O.
"""

from __future__ import annotations

from django.dispatch import Signal

label_changed = Signal()
