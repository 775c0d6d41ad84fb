"""Media made in code for provenance tests: C2PA-signed files from a test CA, tampered copies,
AI-generated files declaring trainedAlgorithmicMedia, XMP-only files."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import c2pa
from PIL import Image

from provenance.certificates import DevCertificates, make_dev_certificates
from provenance.states import IPTC_DST_PREFIX
from provenance.xmp import xmp_packet


def plain_jpeg(colour=(120, 60, 30), size=(96, 64), xmp: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    # A few shapes so tampering one pixel region changes real image data.
    for x in range(0, size[0], 8):
        image.putpixel((x, x % size[1]), (255, 255, 255))
    kwargs = {"xmp": xmp} if xmp else {}
    image.save(buffer, format="JPEG", quality=90, **kwargs)
    return buffer.getvalue()


@dataclass(frozen=True)
class TestSigner:
    certs: DevCertificates

    def signer(self) -> c2pa.Signer:
        return c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(
                alg=c2pa.C2paSigningAlg.ES256,
                sign_cert=self.certs.chain_pem.encode(),
                private_key=self.certs.key_pem.encode(),
                ta_url=None,
            )
        )


def make_signer(organisation: str = "Proofdesk Test Agency") -> TestSigner:
    return TestSigner(make_dev_certificates(organisation=organisation))


def signed_jpeg(
    signer: TestSigner,
    *,
    source_type: str = "digitalCapture",
    generator: str = "Proofdesk Tests",
    software_agent: str = "",
    parent: bytes | None = None,
    title: str = "signed.jpg",
    base: bytes | None = None,
) -> bytes:
    action: dict[str, Any] = {
        "action": "c2pa.created",
        "digitalSourceType": IPTC_DST_PREFIX + source_type,
    }
    if software_agent:
        action["softwareAgent"] = {"name": software_agent}
    actions = [action]
    manifest: dict[str, Any] = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": title,
        "assertions": [],
    }
    builder_ingredient = None
    if parent is not None:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
            {"action": "c2pa.edited"},
        ]
        builder_ingredient = parent
    manifest["assertions"].append({"label": "c2pa.actions", "data": {"actions": actions}})
    builder = c2pa.Builder(json.dumps(manifest))
    if builder_ingredient is not None:
        builder.add_ingredient(
            {
                "title": "parent.jpg",
                "relationship": "parentOf",
                "instance_id": "parent",
                "label": "parent",
            },
            "image/jpeg",
            io.BytesIO(builder_ingredient),
        )
    source = io.BytesIO(base if base is not None else plain_jpeg())
    out = io.BytesIO()
    builder.sign(signer.signer(), "image/jpeg", source, out)
    return out.getvalue()


def tamper(data: bytes) -> bytes:
    """Flip bytes near the end of the image data (after the manifest): the hash breaks."""
    buffer = bytearray(data)
    position = len(buffer) - 40
    for i in range(position, position + 8):
        buffer[i] ^= 0xFF
    return bytes(buffer)


def xmp_only_jpeg(
    source_type: str = "trainedAlgorithmicMedia", tool: str = "Midjourney v7"
) -> bytes:
    return plain_jpeg(
        xmp=xmp_packet(
            digital_source_type=source_type,
            creator_tool=tool,
            creator="Synthetic Studio",
            credit="Example Wire",
        )
    )
