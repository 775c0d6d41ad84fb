from __future__ import annotations

from enum import StrEnum


class ConsentError(Exception):
    """A consent action that cannot be done; the message is shown to the user as is. `field`
    names the form field it is about ("signature"), for a form that also shows the message
    beside that field, where the person is looking."""

    def __init__(self, message: str = "", *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class LinkProblem(StrEnum):
    """Why a remote consent link cannot be used. The public page answers 404 for an unknown
    token and 410 for the others, so the reason travels with the error, not in its wording."""

    UNKNOWN = "unknown"
    USED = "used"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ConsentLinkError(ConsentError):
    """A remote consent link that is unknown, expired, used or cancelled."""

    def __init__(self, message: str, *, reason: LinkProblem = LinkProblem.UNKNOWN) -> None:
        super().__init__(message)
        self.reason = reason
