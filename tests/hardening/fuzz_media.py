"""Seed media and the mutations the fuzz tests (test_fuzz) apply to them.

A generated case is a `Mutant`: the seed's name and the list of operations applied to its
bytes. Its repr is what Hypothesis prints for a failing example, so a failure names the seed
and the exact byte edits, short enough to paste into a reproducer (`mutant.data` rebuilds the
bytes), instead of a hundred kilobytes of bytes.

Seeds are small valid files made here (Pillow for images, the standard library's `wave` for
audio), the recorder output and containers the consent tests already build, and real C2PA
files read by path from the shared corpus (never copied into the repository).
"""

from __future__ import annotations

import base64
import io
import math
import os
import struct
import wave
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

from hypothesis import strategies as st
from PIL import Image, ImageDraw

from tests.consent import media as consent_media

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))
# Small enough that a few dozen C2PA reads of mutants stay within the module's time budget,
# and between them every container the reader knows: JPEG (valid, tampered), BMFF with a
# manifest (dashinit.mp4), RIFF/WAV with a manifest.
CORPUS_FILES = (
    "C.jpg",
    "files-for-reading-tests/XCA.jpg",
    "dashinit.mp4",
    "files-for-reading-tests/sample1_signed.wav",
)

# Magic numbers of other formats, for header swaps; some the desk accepts, some it must not.
MAGICS: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"RIFF\xff\xff\xff\xffWAVEfmt ",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x18stypmsdh",
    b"\x1aE\xdf\xa3",
    b"OggS\x00\x02",
    b"fLaC",
    b"ID3\x04\x00\x00",
    b"II*\x00",
    b"%PDF-1.7\n",
    b"MZ\x90\x00",
    b"PK\x03\x04",
    b"<svg xmlns='http://www.w3.org/2000/svg'>",
    b"<!DOCTYPE html><script>",
)
# AFL's "interesting values": the limits integer fields are mishandled at.
INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)
DIMENSIONS = (0, 1, 0x7FFF, 0xFFFF, 100_000, 0x7FFFFFFF, 0xFFFFFFFF)


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes = field(repr=False)
    filename: str
    content_type: str


# --- seeds --------------------------------------------------------------------------------------


def _drawn(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for y in range(4, size[1] - 4, 6):
        draw.line([(3, y), (size[0] - 3, y)], fill="#333", width=1)
    draw.line([(2, size[1] - 3), (size[0] // 2, 2), (size[0] - 2, size[1] - 5)], fill="#126")
    return image


def image_bytes(format: str, size: tuple[int, int] = (48, 32), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    _drawn(size, mode).save(buffer, format=format)
    return buffer.getvalue()


def tiff_pages(count: int) -> bytes:
    """A multi-page scan: every page of it is decoded when it is evidence."""
    pages = [_drawn((40 + 8 * n, 60)) for n in range(count)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def wav_bytes(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A mono 16-bit tone written by the standard library's `wave`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = int(seconds * rate)
        tone = (int(9000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames))
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in tone))
    return buffer.getvalue()


def signature_png() -> bytes:
    """What the signature pad posts: a transparent PNG with a dark scribble."""
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(20, 80), (60, 20), (100, 85), (150, 25), (210, 75)], fill="#111", width=4
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def corpus_seeds() -> list[Seed]:
    """The corpus files that are present (all of them in CI; none on a machine without it)."""
    found = []
    for relative in CORPUS_FILES:
        path = CORPUS / relative
        if path.is_file():
            found.append(Seed(f"corpus:{relative}", path.read_bytes(), path.name, ""))
    return found


@cache
def intake_seeds() -> tuple[Seed, ...]:
    return (
        Seed("png", image_bytes("PNG"), "photo.png", "image/png"),
        Seed("jpeg", image_bytes("JPEG"), "photo.jpg", "image/jpeg"),
        Seed("gif", image_bytes("GIF", mode="P"), "anim.gif", "image/gif"),
        Seed("webp", image_bytes("WEBP"), "photo.webp", "image/webp"),
        Seed("wav", wav_bytes(), "interview.wav", "audio/wav"),
        Seed("mp4", consent_media.recorded_mp4(), "clip.mp4", "video/mp4"),
        Seed("webm", consent_media.recorded_webm(), "clip.webm", "video/webm"),
        *corpus_seeds(),
    )


@cache
def release_seeds() -> tuple[Seed, ...]:
    """Signed releases: scans and photos, and PDFs."""
    return (
        Seed("release-png", image_bytes("PNG", (64, 90)), "release.png", "image/png"),
        Seed("release-jpeg", image_bytes("JPEG", (64, 90)), "release.jpg", "image/jpeg"),
        Seed("release-tiff", image_bytes("TIFF", (64, 90)), "release.tif", "image/tiff"),
        Seed("release-tiff-3-pages", tiff_pages(3), "release.tif", "image/tiff"),
        Seed("release-webp", image_bytes("WEBP", (64, 90)), "release.webp", "image/webp"),
        Seed("release-pdf", consent_media.pdf_bytes(), "release.pdf", "application/pdf"),
        *(seed for seed in corpus_seeds() if seed.name.endswith(".jpg")),
    )


@cache
def recording_seeds() -> tuple[Seed, ...]:
    """Verbal consent: what a phone or the desk's browser records."""
    return (
        Seed("rec-wav", wav_bytes(), "call.wav", "audio/wav"),
        Seed("rec-mp3", consent_media.mp3_bytes(), "call.mp3", "audio/mpeg"),
        Seed("rec-ogg", consent_media.ogg_bytes(), "call.ogg", "audio/ogg"),
        Seed("rec-mp4", consent_media.recorded_mp4(), "call.mp4", "video/mp4"),
        Seed("rec-webm", consent_media.recorded_webm(), "call.webm", "video/webm"),
        # Not dashinit.mp4: an initialization segment holds no media, and is rightly refused.
        *(seed for seed in corpus_seeds() if seed.name.endswith(".wav")),
    )


@cache
def signature_seeds() -> tuple[Seed, ...]:
    return (
        Seed("signature", signature_png(), "signature.png", "image/png"),
        Seed("blank-1x1", image_bytes("PNG", (1, 1), "RGBA"), "blank.png", "image/png"),
        Seed("jpeg-as-signature", image_bytes("JPEG", (60, 20)), "sig.jpg", "image/jpeg"),
    )


# --- mutations ----------------------------------------------------------------------------------


class Mutation(Protocol):
    def apply(self, data: bytes) -> bytes: ...


def _at(offset: int, data: bytes) -> int:
    return offset % (len(data) + 1)


@dataclass(frozen=True)
class Flip:
    """XOR one byte (a bit flip when `mask` is a power of two)."""

    offset: int
    mask: int

    def apply(self, data: bytes) -> bytes:
        if not data:
            return data
        at = self.offset % len(data)
        return data[:at] + bytes([data[at] ^ self.mask]) + data[at + 1 :]


@dataclass(frozen=True)
class Truncate:
    """Cut short, as a transfer that stopped."""

    keep: int

    def apply(self, data: bytes) -> bytes:
        return data[: _at(self.keep, data)]


@dataclass(frozen=True)
class Insert:
    offset: int
    chunk: bytes

    def apply(self, data: bytes) -> bytes:
        at = _at(self.offset, data)
        return data[:at] + self.chunk + data[at:]


@dataclass(frozen=True)
class Remove:
    offset: int
    length: int

    def apply(self, data: bytes) -> bytes:
        at = _at(self.offset, data)
        return data[:at] + data[at + self.length :]


@dataclass(frozen=True)
class Duplicate:
    """Repeat a stretch in place: two headers, a chunk seen twice."""

    offset: int
    length: int

    def apply(self, data: bytes) -> bytes:
        at = _at(self.offset, data)
        return data[: at + self.length] + data[at:]


@dataclass(frozen=True)
class SetInt:
    """Overwrite an integer field near the start (sizes, counts, offsets, dimensions)."""

    offset: int
    width: int
    value: int
    order: Literal["big", "little"]

    def apply(self, data: bytes) -> bytes:
        if len(data) < self.width:
            return data
        at = self.offset % (len(data) - self.width + 1)
        raw = (self.value % (1 << (8 * self.width))).to_bytes(self.width, self.order)
        return data[:at] + raw + data[at + self.width :]


@dataclass(frozen=True)
class SwapHeader:
    """Another format's magic number over this file's own."""

    magic: bytes

    def apply(self, data: bytes) -> bytes:
        return self.magic + data[len(self.magic) :]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@dataclass(frozen=True)
class PngSize:
    """New IHDR dimensions with a valid CRC: only the pixel data disagrees."""

    width: int
    height: int

    def apply(self, data: bytes) -> bytes:
        if data[12:16] != b"IHDR":
            return data
        body = struct.pack(">II", self.width, self.height) + data[24:29]
        return data[:8] + _png_chunk(b"IHDR", body) + data[33:]


@dataclass(frozen=True)
class JpegSize:
    """New dimensions in the first start-of-frame segment (SOF0..SOF3)."""

    width: int
    height: int

    def apply(self, data: bytes) -> bytes:
        for marker in (b"\xff\xc0", b"\xff\xc1", b"\xff\xc2", b"\xff\xc3"):
            at = data.find(marker)
            if at >= 0 and len(data) >= at + 9:
                size = struct.pack(">HH", self.height, self.width)
                return data[: at + 5] + size + data[at + 9 :]
        return data


@dataclass(frozen=True)
class BoxSize:
    """ISO BMFF (MP4) or RIFF (WAV, WebP): the size of the n-th top-level box or chunk."""

    index: int
    value: int

    def apply(self, data: bytes) -> bytes:
        if data[:4] == b"RIFF":
            positions = _riff_chunks(data)
            pack = "<I"
            size_at = 4
        else:
            positions = _bmff_boxes(data)
            pack = ">I"
            size_at = 0
        if not positions:
            return data
        at = positions[self.index % len(positions)] + size_at
        return data[:at] + struct.pack(pack, self.value & 0xFFFFFFFF) + data[at + 4 :]


def _bmff_boxes(data: bytes) -> list[int]:
    found: list[int] = []
    at = 0
    while at + 8 <= len(data) and len(found) < 64:
        found.append(at)
        size = struct.unpack(">I", data[at : at + 4])[0]
        if size < 8:
            break
        at += size
    return found


def _riff_chunks(data: bytes) -> list[int]:
    # The RIFF header itself (its size at 4), then the chunks inside it.
    found: list[int] = [-4]
    at = 12
    while at + 8 <= len(data) and len(found) < 64:
        found.append(at)
        at += 8 + struct.unpack("<I", data[at + 4 : at + 8])[0]
        at += at % 2
    return found


@dataclass(frozen=True)
class Mutant:
    seed: Seed
    mutations: tuple[Mutation, ...]

    @property
    def data(self) -> bytes:
        data = self.seed.data
        for mutation in self.mutations:
            data = mutation.apply(data)
        return data


# --- strategies ---------------------------------------------------------------------------------


def _offsets(size: int) -> st.SearchStrategy[int]:
    # Parsers break in headers far more often than in the middle of the pixels: half the
    # offsets fall in the first 64 bytes.
    return st.one_of(st.integers(0, 64), st.integers(0, max(size, 1)))


def mutations(size: int) -> st.SearchStrategy[Mutation]:
    offsets = _offsets(size)
    dimension = st.one_of(st.sampled_from(DIMENSIONS), st.integers(0, 0xFFFF))
    choices: Sequence[st.SearchStrategy[Mutation]] = (
        st.builds(Flip, offsets, st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128, 0xFF])),
        st.builds(Truncate, offsets),
        st.builds(Insert, offsets, st.binary(min_size=1, max_size=64)),
        st.builds(Insert, offsets, st.sampled_from(MAGICS)),
        st.builds(Remove, offsets, st.integers(1, 512)),
        st.builds(Duplicate, offsets, st.integers(1, 256)),
        st.builds(
            SetInt,
            st.integers(0, 96),
            st.sampled_from([1, 2, 4]),
            st.sampled_from(INTERESTING),
            st.sampled_from(["big", "little"]),
        ),
        st.builds(SwapHeader, st.sampled_from(MAGICS)),
        st.builds(PngSize, dimension, dimension),
        st.builds(JpegSize, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
        st.builds(BoxSize, st.integers(0, 8), st.sampled_from(INTERESTING)),
    )
    return st.one_of(*choices)


@st.composite
def mutants(
    draw: Callable[[st.SearchStrategy[object]], object],
    seeds: Sequence[Seed],
    max_mutations: int = 3,
) -> Mutant:
    seed = draw(st.sampled_from(seeds))
    assert isinstance(seed, Seed)
    ops = draw(st.lists(mutations(len(seed.data)), min_size=0, max_size=max_mutations))
    assert isinstance(ops, list)
    return Mutant(seed, tuple(ops))


# Names and declared types come from the client and must never decide anything. They go out
# as raw multipart (see `multipart`), so paths, quotes and control characters reach the server.
FILENAME_STEMS = (
    "clip",
    "Ünïcødé 名前",
    "a" * 300,
    "..",
    "../../../etc/passwd",
    "C:\\fakepath\\scan",
    'say "cheese"',
    "x\ty",
    "nul\x00byte",
    "line\r\nContent-Type: text/html",
    "%2e%2e%2f",
    "-rf",
    "con",
    ".hidden",
    "",
)
EXTENSIONS = (".jpg", ".png", ".mp4", ".wav", ".pdf", ".exe", ".html", ".svg", ".jpg.php", "", "/")
CONTENT_TYPES = (
    "image/jpeg",
    "image/png",
    "video/mp4",
    "audio/wav",
    "application/pdf",
    "application/octet-stream",
    "text/html",
    "image/svg+xml",
    "",
)


@st.composite
def client_names(
    draw: Callable[[st.SearchStrategy[object]], object], seed: Seed
) -> tuple[str, str]:
    """The file name and Content-Type a client claims: the seed's own, or anything else."""
    if draw(st.booleans()):
        return seed.filename, seed.content_type or "application/octet-stream"
    stem = draw(st.sampled_from(FILENAME_STEMS))
    extension = draw(st.sampled_from(EXTENSIONS))
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    assert isinstance(stem, str) and isinstance(extension, str)
    assert isinstance(content_type, str)
    return stem + extension, content_type


# --- signature data URLs ------------------------------------------------------------------------

PNG_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class DataUrl:
    """A signature as posted: a prefix and an encoding of a mutant's bytes, maybe damaged."""

    mutant: Mutant
    prefix: str = PNG_PREFIX
    encoding: str = "base64"

    @property
    def text(self) -> str:
        data = self.mutant.data
        if self.encoding == "urlsafe":
            body = base64.urlsafe_b64encode(data).decode()
        elif self.encoding == "unpadded":
            body = base64.b64encode(data).decode().rstrip("=")
        elif self.encoding == "wrapped":
            body = base64.encodebytes(data).decode()
        elif self.encoding == "junk":
            encoded = base64.b64encode(data).decode()
            body = encoded[: len(encoded) // 2] + "*%\x00" + encoded[len(encoded) // 2 :]
        else:
            body = base64.b64encode(data).decode()
        return self.prefix + body

    @property
    def png(self) -> bytes | None:
        """The bytes the server should decode, when the URL is well formed (a damaged encoding
        may come out well formed: unpadded base64 of a length that needs no padding)."""
        data = self.mutant.data
        if self.text != PNG_PREFIX + base64.b64encode(data).decode():
            return None
        return data


DATA_URL_PREFIXES = (
    PNG_PREFIX,
    "data:image/jpeg;base64,",
    "data:image/png,",
    "DATA:IMAGE/PNG;BASE64,",
    "data:image/svg+xml;base64,",
    "",
)


def data_urls() -> st.SearchStrategy[DataUrl]:
    # Mostly well formed, so most cases reach the image decoder.
    well_formed = st.builds(DataUrl, mutants(signature_seeds()))
    damaged = st.builds(
        DataUrl,
        mutants(signature_seeds(), max_mutations=1),
        st.sampled_from(DATA_URL_PREFIXES),
        st.sampled_from(["base64", "urlsafe", "unpadded", "wrapped", "junk"]),
    )
    return st.one_of(well_formed, well_formed, damaged)


# --- raw multipart ------------------------------------------------------------------------------

BOUNDARY = "----ProofdeskFuzzBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@dataclass(frozen=True)
class FilePart:
    name: str
    filename: str
    content_type: str
    content: bytes = field(repr=False)


def multipart(fields: dict[str, object], *files: FilePart) -> bytes:
    """A multipart/form-data body written by hand: Django's test client would take the
    basename of a file's name and refuse names like "..", which a hostile client sends as it
    likes. The name goes out as UTF-8 bytes, unescaped."""
    out = bytearray()
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += str(item).encode() + b"\r\n"
    for part in files:
        out += (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="{part.name}"; filename="{part.filename}"\r\n'
        ).encode("utf-8", "surrogateescape")
        if part.content_type:
            out += f"Content-Type: {part.content_type}\r\n".encode()
        out += b"\r\n" + part.content + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)
