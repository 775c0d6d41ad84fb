"""The signer's copy: a PDF receipt of what they signed by remote link, downloadable from the
thank-you page for a limited time.

The link's token is used up by the signature, so the download is reached by a URL of its own: a
value signed with the SECRET_KEY (django.core.signing, its own salt) that names the record and
the first characters of its record_sha256 and carries its signing time. It cannot be made for
another record without the key, stops working after RECEIPT_LIFETIME, and gives nothing a
stranger could use beyond this one receipt. Nothing is stored for it.

The receipt prints the statement exactly as signed with its sha256, how the person was told what
the media is (the link's description, never the asset's internal one), the points in the words
they ticked, the scope, the date, the record's sha256 and how to revoke; the machine-readable
record is attached (as in legal's PDF), so the hash can be checked by anyone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import signing
from django.db import connection
from django.template.loader import render_to_string

from consent.evidence.records import record_document, text_sha256
from consent.exports.pdf_writer import JSON_NAME, PdfJob, write_pdf
from consent.models import ConsentLink, ConsentRecord
from consent.remote.texts import language_name, point_labels

RECEIPT_LIFETIME = timedelta(hours=1)
_SALT = "consent.remote.receipt"
CSS_PATH = "css/consent-pdf.css"


class ReceiptUnavailable(Exception):
    """The receipt URL is not valid, has expired, or names a record that is not there."""


def receipt_token(record: ConsentRecord) -> str:
    return signing.dumps({"r": record.pk, "h": record.record_sha256[:16]}, salt=_SALT)


def receipt_record(token: str) -> ConsentRecord:
    """The record a receipt URL was made for, while it is valid (one query)."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=RECEIPT_LIFETIME)
    except signing.BadSignature:  # SignatureExpired is one too
        raise ReceiptUnavailable from None
    if not isinstance(value, dict) or not isinstance(value.get("r"), int):
        raise ReceiptUnavailable
    record: ConsentRecord | None = (
        ConsentRecord.objects.select_related(
            "asset", "party", "person", "signer", "statement", "collected_by", "link"
        )
        .filter(pk=value["r"])
        .first()
    )
    if record is None or record.record_sha256[:16] != value.get("h"):
        raise ReceiptUnavailable
    return record


@dataclass(frozen=True)
class Receipt:
    record: ConsentRecord
    media_description: str
    points: list[str]
    language: str
    language_name: str
    statement_sha256_now: str  # of the stored text, as printed: equals the one signed

    @property
    def contact(self) -> str:
        return str(settings.CONSENT_CONTACT_EMAIL)


def receipt_of(record: ConsentRecord) -> Receipt:
    link: ConsentLink | None = getattr(record, "link", None)
    language = record.statement.language
    ticked = set(record.acknowledged)
    return Receipt(
        record=record,
        media_description=link.media_description if link is not None else "",
        points=[label for value, label in point_labels(language) if value in ticked],
        language=language,
        language_name=language_name(language),
        statement_sha256_now=text_sha256(record.statement_text),
    )


@cache
def _css_path() -> str:
    path = finders.find(CSS_PATH)
    if not path or not isinstance(path, str):
        raise FileNotFoundError(f"static file {CSS_PATH} not found")
    return path


def receipt_pdf(record: ConsentRecord) -> bytes:
    """The receipt as a PDF/A-3b with the record attached as JSON. Never inside a transaction:
    laying out the pages takes a noticeable time."""
    if connection.in_atomic_block and not all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    ):
        raise RuntimeError("A receipt is rendered outside database transactions.")
    document = {
        "format": "proofdesk.consent-receipt/1",
        "record": record_document(record),
        "record_sha256": record.record_sha256,
        "statement_text": record.statement_text,
    }
    data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    now = datetime.now(UTC)
    html = render_to_string(
        "consent/pdf/receipt.html",
        {
            "receipt": receipt_of(record),
            "newsroom": settings.NEWSROOM_NAME,
            "json_name": JSON_NAME,
            "json_sha256": hashlib.sha256(data).hexdigest(),
            "generated_at": now,
        },
    )
    return write_pdf(PdfJob(html=html, data=data, css_path=_css_path(), created=now))
