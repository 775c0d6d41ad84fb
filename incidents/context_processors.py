from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from incidents.selectors import overdue_takedown_count
from review.access import can_decide_incidents


def overdue_takedowns(request: HttpRequest) -> dict[str, object]:
    """`overdue_takedowns` on every desk page: how many takedowns the CMS has not confirmed by
    their deadline, for those who decide incidents (0, and no query, for everyone else)."""

    def count() -> int:
        return overdue_takedown_count() if can_decide_incidents(request.user) else 0

    return {"overdue_takedowns": SimpleLazyObject(count)}
