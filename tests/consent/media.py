"""Evidence files for the consent tests: whole ones, and the damaged ones an upload produces (cut
short, junk behind a valid header).

The WebM and MP4 files in media/ were recorded by Debian's chromium with MediaRecorder (a
1.2 s tone, and the same with a moving canvas), as a browser on the desk would record verbal
consent; they are real recorder output, not built here. The other formats are built below
from their specifications with the standard library: a structurally whole container around
silence, which is what consent.evidence.recordings checks.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

MEDIA = Path(__file__).resolve().parent / "media"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def recorded_webm() -> bytes:
    return (MEDIA / "chromium-mediarecorder.webm").read_bytes()


def recorded_mp4() -> bytes:
    return (MEDIA / "chromium-mediarecorder.mp4").read_bytes()


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A mono 16-bit tone, written by the standard library's `wave`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (
            int(12000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))
        )
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 / 44100 = 417 bytes a frame.
MP3_HEADER = b"\xff\xfb\x90\x64"
MP3_FRAME = 417


def mp3_bytes(frames: int = 20) -> bytes:
    """An ID3v2 tag (with a title) then frames of silence."""
    title = b"\x00Verbal consent"
    tag_frame = b"TIT2" + struct.pack(">I", len(title)) + b"\x00\x00" + title
    size = len(tag_frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    frame = MP3_HEADER + b"\x00" * (MP3_FRAME - 4)
    return b"ID3\x04\x00\x00" + syncsafe + tag_frame + frame * frames


def _ogg_crc(data: bytes) -> int:
    # Bit by bit, independently of consent.evidence.recordings' table (checked against the published
    # check value in test_evidence).
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(payload: bytes, *, sequence: int, flags: int = 0, granule: int = 0) -> bytes:
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    header = (
        b"OggS\x00"
        + bytes([flags])
        + struct.pack("<qII", granule, 0x50524F4F, sequence)
        + b"\x00\x00\x00\x00"
        + bytes([len(segments)])
        + bytes(segments)
    )
    page = bytearray(header + payload)
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


def ogg_bytes(audio_pages: int = 4) -> bytes:
    """Ogg Opus: the identification header (first page, beginning of stream), the comments,
    then pages of (silent) packets, the last one ending the stream."""
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    tags = b"OpusTags\x08\x00\x00\x00Proofdesk\x00\x00\x00\x00"[:24]
    pages = [ogg_page(head, sequence=0, flags=0x02), ogg_page(tags, sequence=1)]
    for n in range(audio_pages):
        last = n == audio_pages - 1
        pages.append(
            ogg_page(b"\xf8\xff\xfe" * 40, sequence=n + 2, flags=0x04 if last else 0, granule=960)
        )
    return b"".join(pages)


def flac_bytes() -> bytes:
    """fLaC, a STREAMINFO block (44.1 kHz, mono, 16 bit) marked last, then a frame sync."""
    rate, channels, bits = 44100, 1, 16
    packed = (rate << 44) | ((channels - 1) << 41) | ((bits - 1) << 36) | 4096
    info = struct.pack(">HH", 4096, 4096) + b"\x00" * 6 + packed.to_bytes(8, "big") + b"\x00" * 16
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info + b"\xff\xf8" + b"\0" * 64


def aac_bytes(frames: int = 12) -> bytes:
    """ADTS frames (AAC-LC, 44.1 kHz, mono, no CRC) of 64 bytes each."""
    length = 64
    header = bytes(
        [
            0xFF,
            0xF1,
            (1 << 6) | (4 << 2),  # profile LC, sampling index 4 (44.1 kHz)
            (1 << 6) | (length >> 11),  # one channel
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,
            0xFC,
        ]
    )
    return (header + b"\x00" * (length - 7)) * frames


def aiff_bytes(frames: int = 800) -> bytes:
    rate = b"\x40\x0b\xfa\x00\x00\x00\x00\x00\x00\x00"  # 8000 Hz as an 80-bit extended float
    comm = struct.pack(">hIh", 1, frames, 16) + rate
    sound = struct.pack(">II", 0, 0) + b"\x00\x00" * frames
    chunks = b"COMM" + struct.pack(">I", len(comm)) + comm
    chunks += b"SSND" + struct.pack(">I", len(sound)) + sound
    return b"FORM" + struct.pack(">I", 4 + len(chunks)) + b"AIFF" + chunks


def _riff_chunk(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def avi_bytes() -> bytes:
    header_list = b"hdrl" + _riff_chunk(b"avih", b"\x00" * 56)
    movie_list = b"movi" + _riff_chunk(b"01wb", b"\x00" * 100)
    body = b"AVI " + _riff_chunk(b"LIST", header_list) + _riff_chunk(b"LIST", movie_list)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def mpeg_ps_bytes(packets: int = 4) -> bytes:
    """MPEG-2 program stream: pack headers, each followed by an audio packet, then the end."""
    pack = b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01\x01\x89\xc3\xf8"
    audio = b"\x00\x00\x01\xc0" + struct.pack(">H", 200) + b"\x00" * 200
    return (pack + audio) * packets + b"\x00\x00\x01\xb9"


def image_bytes(format: str, size: tuple[int, int] = (400, 300)) -> bytes:
    """A photographed release: a page with lines of text and a signature."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for y in range(30, size[1] - 60, 24):
        draw.line([(30, y), (size[0] - 30, y)], fill="#444", width=2)
    draw.line([(40, size[1] - 40), (200, size[1] - 70), (260, size[1] - 35)], fill="#113", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def pdf_bytes(objects: list[bytes] | None = None) -> bytes:
    """A PDF written as the specification lays it out: header, numbered objects, a
    cross-reference table with each object's offset, the trailer, startxref and %%EOF."""
    objects = objects or [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
