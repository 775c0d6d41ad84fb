"""The newsroom's signing credentials: a certificate chain and its private key, named by the
environment (SIGNING_CERT_CHAIN, SIGNING_KEY) and checked before anything is signed.

`load_signing_credentials` refuses, with a message an operator can act on, a missing file, an
unreadable certificate or key, a key that does not belong to the certificate, a certificate
that is expired or not yet valid, one c2pa would refuse (CA, no digitalSignature), or a chain
that does not lead to the newsroom's trust anchor. The same checks feed `manage.py check` and
the asset page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings

from provenance.certificates import make_dev_certificates


class SigningUnavailable(Exception):
    """The newsroom cannot sign: the message says why and what to fix."""


@dataclass(frozen=True)
class SigningCredentials:
    chain_pem: str
    key_pem: str
    anchor_pem: str  # the root the chain ends in: the newsroom's own trust anchor
    algorithm: c2pa.C2paSigningAlg
    fingerprint: str  # sha256 of the end-entity certificate (DER)
    subject: str
    organisation: str
    not_after: dt.datetime

    def signer(self) -> c2pa.Signer:
        # ta_url=None: no timestamp authority is reachable offline (C2PA_NOTES.md); the
        # signing time is recorded in the actions' `when` instead.
        return c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(
                alg=self.algorithm,
                sign_cert=self.chain_pem.encode(),
                private_key=self.key_pem.encode(),
                ta_url=None,
            )
        )


def _read(path_setting: str, what: str) -> bytes:
    path = getattr(settings, path_setting, "")
    if not path:
        raise SigningUnavailable(
            f"{path_setting} is not set: the newsroom cannot sign renditions. Point it at the "
            f"{what} (for development: `python manage.py make_dev_signing_cert --out DIR`)."
        )
    file = Path(path)
    if not file.is_file():
        raise SigningUnavailable(f"{path_setting} names {path}, which is not a file.")
    return file.read_bytes()


def _algorithm(key: object) -> c2pa.C2paSigningAlg:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        return {
            256: c2pa.C2paSigningAlg.ES256,
            384: c2pa.C2paSigningAlg.ES384,
            521: c2pa.C2paSigningAlg.ES512,
        }[size]
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    raise SigningUnavailable("The signing key's type is not one C2PA supports (EC, RSA, Ed25519).")


def _check_leaf(leaf: x509.Certificate, now: dt.datetime) -> None:
    if leaf.not_valid_after_utc <= now:
        raise SigningUnavailable(
            f"The signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}. "
            "Install a renewed certificate and re-sign the renditions (render_rendition)."
        )
    if leaf.not_valid_before_utc > now:
        raise SigningUnavailable(
            f"The signing certificate is not valid before {leaf.not_valid_before_utc:%Y-%m-%d}."
        )
    try:
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and constraints.ca:
        raise SigningUnavailable(
            "The signing certificate is a CA certificate; C2PA signs with an end-entity one."
        )
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.digital_signature:
        raise SigningUnavailable("The signing certificate does not allow digital signatures.")


def load_signing_credentials(now: dt.datetime | None = None) -> SigningCredentials:
    now = now or dt.datetime.now(dt.UTC)
    chain_bytes = _read("SIGNING_CERT_CHAIN", "PEM certificate chain (end-entity first)")
    key_bytes = _read("SIGNING_KEY", "PEM private key (PKCS#8)")
    try:
        chain = x509.load_pem_x509_certificates(chain_bytes)
    except ValueError as exc:
        raise SigningUnavailable(f"The signing certificate chain cannot be read: {exc}") from None
    try:
        key = serialization.load_pem_private_key(key_bytes, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningUnavailable(f"The signing key cannot be read: {exc}") from None
    leaf = chain[0]
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    leaf_public = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != leaf_public:
        raise SigningUnavailable(
            "The signing key does not belong to the signing certificate (wrong key file?)."
        )
    _check_leaf(leaf, now)
    algorithm = _algorithm(key)
    anchor = _anchor_pem(chain)
    _check_chains_to(chain, anchor)
    organisations = leaf.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return SigningCredentials(
        chain_pem=chain_bytes.decode("ascii"),
        key_pem=key_bytes.decode("ascii"),
        anchor_pem=anchor,
        algorithm=algorithm,
        fingerprint=hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest(),
        subject=leaf.subject.rfc4514_string(),
        organisation=str(organisations[0].value) if organisations else "",
        not_after=leaf.not_valid_after_utc,
    )


def _anchor_pem(chain: list[x509.Certificate]) -> str:
    """The newsroom's own root: SIGNING_TRUST_ANCHOR if set, else the chain's self-signed end."""
    configured = getattr(settings, "SIGNING_TRUST_ANCHOR", "")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SigningUnavailable(f"SIGNING_TRUST_ANCHOR names {configured}, not a file.")
        return path.read_text(encoding="ascii").strip() + "\n"
    last = chain[-1]
    if len(chain) > 1 and last.issuer == last.subject:
        return last.public_bytes(serialization.Encoding.PEM).decode("ascii")
    raise SigningUnavailable(
        "The chain does not end in the newsroom's root certificate; add it to the chain or "
        "set SIGNING_TRUST_ANCHOR to its PEM file."
    )


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return f"“{names[0].value!s}”" if names else certificate.subject.rfc4514_string()


def _check_chains_to(chain: list[x509.Certificate], anchor_pem: str) -> None:
    """The chain must end in (or be issued by) the anchor: otherwise every rendition would fail
    its read-back, and the operator should hear so from `manage.py check`, not from an editor.
    The library still checks the whole chain when the rendition is read back."""
    try:
        anchors = x509.load_pem_x509_certificates(anchor_pem.encode("ascii"))
    except ValueError as exc:
        raise SigningUnavailable(f"The newsroom's trust anchor cannot be read: {exc}") from None
    top = chain[-1]
    for anchor in anchors:
        if top == anchor:
            return
        try:
            top.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise SigningUnavailable(
        "The signing certificate does not chain to the newsroom's trust anchor "
        f"({', '.join(_common_name(a) for a in anchors)}): its renditions would not "
        "verify. Point SIGNING_TRUST_ANCHOR at the root that issued the signing certificate, "
        "or leave it empty to use the root at the end of the chain."
    )


def write_dev_credentials(out: Path, *, organisation: str = "Proofdesk Demo Newsroom") -> None:
    """root.pem, signing-chain.pem, signing-key.pem for development (make run, tests)."""
    certs = make_dev_certificates(organisation=organisation)
    out.mkdir(parents=True, exist_ok=True)
    (out / "root.pem").write_text(certs.root_pem)
    (out / "signing-chain.pem").write_text(certs.chain_pem)
    key = out / "signing-key.pem"
    key.write_text(certs.key_pem)
    key.chmod(0o600)
