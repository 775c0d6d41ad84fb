"""When to try a request again, and how long to wait first.

Retried: connection errors and timeouts, 429 and the 5xx that mean "not now" (500, 502, 503,
504). Every request this client sends may be repeated safely: reads are reads, and reports of
publications carry an Idempotency-Key that stays the same on every attempt.

The wait doubles each time (`base_delay`, 2x, 4x ...) up to `max_delay`, with "full jitter"
(a random wait between zero and that) so that many CMS workers coming back from an outage do
not all knock at the same second. A `Retry-After` from the server replaces the computed wait;
one longer than `max_delay` is not slept through: the error is raised with `retry_after` set,
for the caller to schedule the retry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based); None: give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling) if self.jitter else ceiling


NO_RETRIES = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
