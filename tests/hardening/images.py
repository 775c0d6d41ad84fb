"""Hostile images made without ever holding their pixels: a real PNG whose rows are streamed
through zlib (a 13000×13000 image is 169 MB of zeros that compress to a few hundred KB)."""

from __future__ import annotations

import base64
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int, height: int, *, color_type: int = 0, channels: int = 1) -> bytes:
    """A complete, valid PNG of `width`×`height` blank pixels (8-bit; grey by default, 6 with
    channels=4 for transparent RGBA), small on disk and huge decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    row = b"\x00" * (1 + width * channels)  # filter byte, then the pixels
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def as_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
