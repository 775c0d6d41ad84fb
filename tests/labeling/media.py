"""A tiny MP4 made in code (no ffmpeg here): one video track whose one sample is a JPEG frame
(MPEG-4 systems `mp4v` sample entry, object type 0x6C = JPEG), and a reader for that sample, so
a test can check through the container's own tables that a signed copy still holds the frame."""

from __future__ import annotations

import io
import struct

from PIL import Image

JPEG_OBJECT_TYPE = 0x6C
VISUAL_STREAM = 0x04
IDENTITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, payload: bytes, *, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _descriptor(tag: int, payload: bytes) -> bytes:
    assert len(payload) < 128  # one-byte length is enough here
    return bytes([tag, len(payload)]) + payload


def _moov(width: int, height: int, frame_size: int, frame_offset: int) -> bytes:
    duration = 1000  # one second at a timescale of 1000
    mvhd = _full(
        b"mvhd",
        struct.pack(">IIII", 0, 0, 1000, duration)
        + struct.pack(">IH", 0x10000, 0x100)
        + b"\0" * 10
        + IDENTITY_MATRIX
        + b"\0" * 24
        + struct.pack(">I", 2),
    )
    tkhd = _full(
        b"tkhd",
        struct.pack(">IIIII", 0, 0, 1, 0, duration)
        + b"\0" * 8
        + struct.pack(">hhhH", 0, 0, 0, 0)
        + IDENTITY_MATRIX
        + struct.pack(">II", width << 16, height << 16),
        flags=0x3,  # enabled, in movie
    )
    mdhd = _full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 1000, duration, 0x55C4, 0))  # "und"
    hdlr = _full(b"hdlr", struct.pack(">I", 0) + b"vide" + b"\0" * 12 + b"VideoHandler\0")
    vmhd = _full(b"vmhd", b"\0" * 8, flags=1)
    dinf = _box(b"dinf", _full(b"dref", struct.pack(">I", 1) + _full(b"url ", b"", flags=1)))
    decoder_config = _descriptor(
        0x04,
        bytes([JPEG_OBJECT_TYPE, (VISUAL_STREAM << 2) | 1])
        + frame_size.to_bytes(3, "big")
        + struct.pack(">II", frame_size * 8, frame_size * 8),
    )
    es = _descriptor(0x03, struct.pack(">HB", 1, 0) + decoder_config + _descriptor(0x06, b"\x02"))
    mp4v = _box(
        b"mp4v",
        b"\0" * 6
        + struct.pack(">H", 1)  # data reference index
        + b"\0" * 16
        + struct.pack(">HHIII", width, height, 0x00480000, 0x00480000, 0)
        + struct.pack(">H", 1)  # frames per sample
        + b"\0" * 32  # compressor name
        + struct.pack(">Hh", 0x18, -1)
        + _full(b"esds", es),
    )
    stbl = _box(
        b"stbl",
        _full(b"stsd", struct.pack(">I", 1) + mp4v)
        + _full(b"stts", struct.pack(">III", 1, 1, duration))
        + _full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
        + _full(b"stsz", struct.pack(">III", 0, 1, frame_size))
        + _full(b"stco", struct.pack(">II", 1, frame_offset)),
    )
    minf = _box(b"minf", vmhd + dinf + stbl)
    trak = _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf))
    return _box(b"moov", mvhd + trak)


def tiny_mp4(size: tuple[int, int] = (320, 240), colour=(200, 60, 40)) -> bytes:
    """ftyp, moov (one video track, one sample), mdat holding a JPEG frame."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=85)
    frame = buffer.getvalue()
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    moov_size = len(_moov(*size, len(frame), 0))
    moov = _moov(*size, len(frame), len(ftyp) + moov_size + 8)
    return ftyp + moov + _box(b"mdat", frame)


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """Top-level boxes of data[start:end] (first of each kind): kind -> (payload start, end)."""
    found: dict[bytes, tuple[int, int]] = {}
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        if size < header:
            break
        found.setdefault(kind, (position + header, position + size))
        position += size
    return found


def first_sample(data: bytes) -> bytes:
    """The video track's first sample, found through moov/trak/mdia/minf/stbl (stsz, stco):
    what a player would read, wherever the signer moved the media data."""
    start, end = _boxes(data, 0, len(data))[b"moov"]
    for kind in (b"trak", b"mdia", b"minf", b"stbl"):
        start, end = _boxes(data, start, end)[kind]
    tables = _boxes(data, start, end)
    stsz_start, _ = tables[b"stsz"]
    size = struct.unpack(">I", data[stsz_start + 12 : stsz_start + 16])[0]
    stco_start, _ = tables[b"stco"]
    offset = struct.unpack(">I", data[stco_start + 8 : stco_start + 12])[0]
    return data[offset : offset + size]


def top_level_kinds(data: bytes) -> list[bytes]:
    kinds = []
    position = 0
    while position + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
        if size < 8:
            break
        kinds.append(kind)
        position += size
    return kinds
