"""Errors: every problem+json answer (RFC 9457) becomes a typed exception.

The class is chosen by the problem's `type` first (the API documents a stable tag per kind of
problem), then by the status code, so a CMS can write `except NotCleared as refused:` and show
`refused.reasons` to its editors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROBLEM_TYPE_PREFIX = "tag:proofdesk,2026:problems/"


class ProofdeskError(Exception):
    """Anything this client raises."""


class TransportError(ProofdeskError):
    """Proofdesk could not be reached (connection refused, timeout, TLS), after the retries."""


class IntegrityError(ProofdeskError):
    """A downloaded file's sha256 is not the one the clearance announced."""


class ProblemError(ProofdeskError):
    """An `application/problem+json` answer (or a non-JSON error, described the same way)."""

    def __init__(
        self,
        *,
        status: int,
        type: str = "about:blank",
        title: str = "",
        detail: str = "",
        reasons: list[str] | None = None,
        errors: list[dict[str, str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.reasons = list(reasons or [])
        self.errors = list(errors or [])
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def kind(self) -> str:
        """The last part of the problem type: `not-cleared`, `not-found`, ..."""
        return self.type.removeprefix(PROBLEM_TYPE_PREFIX)

    @property
    def message(self) -> str:
        text = f"{self.status} {self.title or 'Error'}"
        if self.detail:
            text += f": {self.detail}"
        if self.reasons:
            text += " (" + "; ".join(self.reasons) + ")"
        return text


class BadRequest(ProblemError):
    """400: malformed JSON, an invalid field (`errors` says which), a cursor not given out."""


class Unauthenticated(ProblemError):
    """401: no token, or an unknown, expired or revoked one."""


class Forbidden(ProblemError):
    """403: the token lacks the operation's scope, or a download link is not valid."""


class InsufficientScope(Forbidden):
    pass


class DownloadLinkInvalid(Forbidden):
    """The download link expired (ten minutes) or was altered: fetch the clearance again."""


class NotFound(ProblemError):
    """404: no such asset, or one the desk never cleared (for a token without
    `assets:read-uncleared`)."""


class Conflict(ProblemError):
    """409."""


class NotCleared(Conflict):
    """409: the asset is not cleared; `reasons` says why, in the desk's words."""


class ReferenceLive(Conflict):
    """409: the CMS reference is live with another asset."""


class IdempotencyKeyReused(ProblemError):
    """422: the same Idempotency-Key was sent with a different request."""


class RateLimited(ProblemError):
    """429: too many requests; `retry_after` (seconds) says when to come back."""


class ServerError(ProblemError):
    """5xx."""


_BY_KIND: dict[str, type[ProblemError]] = {
    "malformed-request": BadRequest,
    "unauthenticated": Unauthenticated,
    "insufficient-scope": InsufficientScope,
    "download-link-invalid": DownloadLinkInvalid,
    "not-found": NotFound,
    "not-cleared": NotCleared,
    "reference-live": ReferenceLive,
    "idempotency-key-reused": IdempotencyKeyReused,
    "server-error": ServerError,
}

_BY_STATUS: dict[int, type[ProblemError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: IdempotencyKeyReused,
    429: RateLimited,
}


def problem_class(status: int, type: str) -> type[ProblemError]:
    found = _BY_KIND.get(type.removeprefix(PROBLEM_TYPE_PREFIX))
    if found is not None:
        return found
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ProblemError)


def problem_from(
    status: int, body: Mapping[str, Any] | None, text: str, retry_after: float | None
) -> ProblemError:
    """The exception for an error answer; `body` is the decoded problem+json, if it was one."""
    body = body or {}
    type_ = str(body.get("type") or "about:blank")
    reasons = body.get("reasons")
    errors = body.get("errors")
    return problem_class(status, type_)(
        status=status,
        type=type_,
        title=str(body.get("title") or ""),
        detail=str(body.get("detail") or text[:500]),
        reasons=[str(r) for r in reasons] if isinstance(reasons, list) else None,
        errors=[dict(e) for e in errors if isinstance(e, dict)]
        if isinstance(errors, list)
        else None,
        retry_after=retry_after,
    )
