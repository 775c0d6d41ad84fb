"""Events the layers above subscribe to.

`incident_decided` (kwargs: incident, decided_at) is sent inside the transaction that records
the standards desk's decision, so that a subscriber writing an outbox row (the CMS webhooks'
`asset.takedown_requested` and `asset.correction_issued`) commits or rolls back with it.
Receivers must not do slow work or network I/O: queue it with `transaction.on_commit`.
"""

from __future__ import annotations

from django.dispatch import Signal

incident_decided = Signal()
