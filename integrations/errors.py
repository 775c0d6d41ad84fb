"""Refusals of the CMS API's reads and writes. The API answers each as an RFC 9457 problem with
the class's `status`, `kind` (the end of its `type` URI) and `title`, and the message as
`detail`."""

from __future__ import annotations


class Refused(Exception):
    status = 409
    kind = "conflict"
    title = "Conflict"

    def __init__(self, detail: str, reasons: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reasons = reasons


class NotFound(Refused):
    status, kind, title = 404, "not-found", "Not found"


class NotCleared(Refused):
    status, kind, title = 409, "not-cleared", "Asset not cleared"


class ReferenceLive(Refused):
    status, kind, title = 409, "reference-live", "Reference already published"


class IdempotencyKeyReused(Refused):
    status, kind, title = 422, "idempotency-key-reused", "Idempotency key reused"


class LinkRefused(Refused):
    status, kind, title = 403, "download-link-invalid", "Download link invalid"
