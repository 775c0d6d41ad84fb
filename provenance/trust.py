"""The trust configuration: PEM bundles named by settings plus those uploaded in the app.

The fingerprint of the effective configuration is stored on every report, so the desk knows
which reports were made under an older trust list.

Every check needs the configuration, so each process keeps the last one it built and reuses it
while nothing it was built from has changed: the active bundles' ids and hashes (one small
query) and the bundle files' identity on disk (a stat). An upload or a retirement changes the
first, an operator replacing a file the second, so the re-check that either starts reads the
new trust in every worker."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
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

    @cached_property
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


def _file_identity(path: str) -> tuple[str, int, int, int, int] | None:
    """What changes when a bundle file is rewritten or replaced (a rename gives a new inode)."""
    if not path:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@dataclass(frozen=True)
class _Sources:
    """What an effective trust configuration was built from."""

    anchors_file: tuple[str, int, int, int, int] | None
    allowed_file: tuple[str, int, int, int, int] | None
    # An uploaded bundle is never changed in place: a new one is a new row and a retired one
    # leaves this list, so these say when to rebuild without fetching the PEM text (the hash
    # too: a test database rolled back may hand the same id to another bundle).
    bundles: tuple[tuple[int, str, str], ...]  # (id, kind, sha256)


# The last configuration this process built, with its sources; replaced whole, never mutated.
_cached: tuple[_Sources, TrustBundle] | None = None


def effective_trust() -> TrustBundle:
    global _cached
    sources = _Sources(
        _file_identity(settings.C2PA_TRUST_ANCHORS),
        _file_identity(settings.C2PA_ALLOWED_LIST),
        tuple(
            TrustList.objects.filter(active=True).order_by("pk").values_list("pk", "kind", "sha256")
        ),
    )
    cached = _cached
    if cached is not None and cached[0] == sources:
        return cached[1]
    bundle = _build(sources)
    _cached = (sources, bundle)
    return bundle


def _build(sources: _Sources) -> TrustBundle:
    anchors = [_file_text(settings.C2PA_TRUST_ANCHORS)]
    allowed = [_file_text(settings.C2PA_ALLOWED_LIST)]
    # By id, not `active`: a bundle retired since the query above is still what `sources`
    # says, and the next call sees it gone and rebuilds.
    ids = [pk for pk, _kind, _sha256 in sources.bundles]
    for bundle in TrustList.objects.filter(pk__in=ids).order_by("pk"):
        (anchors if bundle.kind == TrustListKind.ANCHORS else allowed).append(bundle.pem)
    return TrustBundle("".join(a for a in anchors if a), "".join(a for a in allowed if a))
