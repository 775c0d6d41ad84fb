"""The trust configuration: PEM bundles named by settings plus those uploaded in the app.

The fingerprint of the effective configuration is stored on every report, so the desk knows
which reports were made under an older trust list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings

from provenance.models import TrustList, TrustListKind


class InvalidTrustBundle(Exception):
    pass


@dataclass(frozen=True)
class TrustBundle:
    anchors: str
    allowed: str

    @property
    def fingerprint(self) -> str:
        payload = f"anchors\n{self.anchors}\nallowed\n{self.allowed}"
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ParsedBundle:
    pem: str
    sha256: str
    subjects: list[str]


def parse_pem_bundle(raw: bytes) -> ParsedBundle:
    """Check a PEM bundle holds certificates and nothing unreadable."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidTrustBundle("The file is not a PEM text file.") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise InvalidTrustBundle("The file holds no PEM certificates.")
    try:
        certificates = x509.load_pem_x509_certificates(raw)
    except ValueError as exc:
        raise InvalidTrustBundle(f"A certificate in the file cannot be read: {exc}") from None
    subjects = [cert.subject.rfc4514_string() for cert in certificates]
    normalised = text.strip() + "\n"
    return ParsedBundle(normalised, hashlib.sha256(normalised.encode()).hexdigest(), subjects)


def _file_text(path: str) -> str:
    if not path:
        return ""
    file = Path(path)
    text = file.read_text(encoding="ascii").strip() if file.is_file() else ""
    # An empty bundle passed to the reader fails every read ("COSE error parsing certificate").
    return text + "\n" if text else ""


def effective_trust() -> TrustBundle:
    anchors = [_file_text(settings.C2PA_TRUST_ANCHORS)]
    allowed = [_file_text(settings.C2PA_ALLOWED_LIST)]
    for bundle in TrustList.objects.filter(active=True).order_by("pk"):
        (anchors if bundle.kind == TrustListKind.ANCHORS else allowed).append(bundle.pem)
    return TrustBundle("".join(a for a in anchors if a), "".join(a for a in allowed if a))
