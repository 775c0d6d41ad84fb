"""Events other parts of the desk subscribe to.

`consent_lapsed` is sent inside the transaction that records a revocation or an expiry
(kwargs: lapse, asset, alert or None), so that a subscriber writing an outbox row (the CMS
webhooks' `consent.revoked`) or voiding a sign-off commits or rolls back with it. Receivers
must not do slow work or network I/O: queue it with `transaction.on_commit`.
"""

from __future__ import annotations

from django.dispatch import Signal

consent_lapsed = Signal()
