"""The canonical, machine-checkable form of a consent record.

`record_document` is what the record's sha256 covers, what the PDF embeds as JSON and what a
verifier recomputes: plain JSON types only, keys sorted when hashed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consent.models import ConsentRecord


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_document(record: ConsentRecord) -> dict[str, Any]:
    """Everything the person agreed to and the evidence of it, by value and by hash."""
    return {
        "asset": {"id": record.asset_id, "sha256": record.asset.sha256},
        "party": {"id": record.party_id, "role": record.party.role},
        "person": (
            {"id": record.person_id, "name": record.person.full_name}
            if record.person is not None
            else None
        ),
        "role": record.role,
        "signer": (
            {"id": record.signer_id, "name": record.signer.full_name}
            if record.signer is not None
            else None
        ),
        "signed_name": record.signed_name,
        "statement": {
            "key": record.statement.key,
            "version": record.statement.version,
            "language": record.statement.language,
            "text_sha256": record.statement_sha256,
        },
        "acknowledged": sorted(record.acknowledged),
        "scope": {
            "uses": list(record.uses),
            "channels": list(record.channels),
            "territories": list(record.territories),
            "valid_from": _iso(record.valid_from),
            "valid_until": _iso(record.valid_until),
        },
        "method": record.method,
        "signature_sha256": record.signature_sha256 or None,
        "evidence": (
            {
                "sha256": record.evidence_sha256,
                "media_type": record.evidence_media_type,
                "filename": record.evidence_filename,
            }
            if record.evidence_sha256
            else None
        ),
        "signed_at": _iso(record.signed_at),
        "ip_address": record.ip_address,
        "user_agent": record.user_agent,
        "witness_name": record.witness_name,
        "collected_by": record.collected_by.get_username() if record.collected_by else None,
        "version": record.version,
        "supersedes": record.supersedes_id,
    }


def document_sha256(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
