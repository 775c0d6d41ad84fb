"""Small media of the formats the corpus lacks (SVG, FLAC, JPEG XL, DNG), made in code, and
C2PA signing of any format the library writes: embedded, as a sidecar, or pointing at a remote
manifest."""

from __future__ import annotations

import io
import json
import struct

import c2pa
from PIL import Image, TiffImagePlugin

from provenance.states import IPTC_DST_PREFIX
from tests.provenance.media import TestSigner

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- drawn for the tests -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10" fill="red"/></svg>\n'
)
# A 16 x 16 red JPEG XL codestream (made once with ffmpeg's libjxl encoder).
JXL_CODESTREAM = bytes.fromhex(
    "ff0a43060012880200e0005de5120000152aa38c1bbc9cebf9f24387c5b48deb0c6db56d6149a2c838364927"
    "7048128b20ee26c703000042ccb370007682a1292a4900"
)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def jxl_container(codestream: bytes = JXL_CODESTREAM) -> bytes:
    """The codestream in JPEG XL's box container (the form that can carry a manifest)."""
    signature = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
    return signature + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ") + _box(b"jxlc", codestream)


def flac(sample_rate: int = 44100) -> bytes:
    """A FLAC stream with its STREAMINFO block and no audio frames: enough for the reader."""
    info = (sample_rate << 44) | (1 << 41) | (15 << 36)  # stereo, 16 bits, length unknown
    streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + info.to_bytes(8, "big") + bytes(16)
    return b"fLaC" + bytes([0x80]) + len(streaminfo).to_bytes(3, "big") + streaminfo


def dng() -> bytes:
    """A TIFF whose first directory carries DNGVersion: what makes it a DNG."""
    directory = TiffImagePlugin.ImageFileDirectory_v2()
    directory[50706] = b"\x01\x04\x00\x00"
    directory.tagtype[50706] = 1  # BYTE
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buffer, format="TIFF", tiffinfo=directory)
    return buffer.getvalue()


def tiff() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 30)).save(buffer, format="TIFF")
    return buffer.getvalue()


def _builder(title: str, source_type: str) -> c2pa.Builder:
    manifest = {
        "claim_generator_info": [{"name": "Proofdesk Format Tests", "version": "1.0"}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": IPTC_DST_PREFIX + source_type,
                        }
                    ]
                },
            }
        ],
    }
    return c2pa.Builder(json.dumps(manifest))


def sign(
    signer: TestSigner,
    data: bytes,
    mime: str,
    *,
    title: str = "signed",
    source_type: str = "digitalCapture",
) -> bytes:
    """`data` with a manifest embedded (the library's MIME name for the format)."""
    out = io.BytesIO()
    _builder(title, source_type).sign(signer.signer(), mime, io.BytesIO(data), out)
    return out.getvalue()


def sidecar(
    signer: TestSigner,
    data: bytes,
    mime: str,
    *,
    title: str = "sidecar",
    source_type: str = "digitalCapture",
) -> tuple[bytes, bytes]:
    """(the media as the signer wrote it, a manifest store for it kept apart: a .c2pa file).
    Most formats come out unchanged; a FLAC or MP3 gets an empty ID3 tag, which the
    manifest's hash covers."""
    builder = _builder(title, source_type)
    builder.set_no_embed()
    out = io.BytesIO()
    manifest = builder.sign(signer.signer(), mime, io.BytesIO(data), out)
    return out.getvalue(), bytes(manifest)


def remote(signer: TestSigner, data: bytes, mime: str, *, url: str) -> tuple[bytes, bytes]:
    """(`data` whose XMP says its manifest lives at `url`, the manifest store to serve there)."""
    builder = _builder("remote", "digitalCapture")
    builder.set_no_embed()
    builder.set_remote_url(url)
    out = io.BytesIO()
    manifest = builder.sign(signer.signer(), mime, io.BytesIO(data), out)
    return out.getvalue(), bytes(manifest)
