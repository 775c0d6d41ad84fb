"""Getting a file onto the desk: streaming upload handling, hashing and media-type sniffing.

Uploads never sit in memory: `HashingUploadHandler` writes every chunk to a temporary file,
hashes it on the way through, and stops reading a file the moment it passes MAX_UPLOAD_SIZE.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from review.models import MediaKind

SNIFF_BYTES = 8192
HASH_CHUNK = 1024 * 1024
# A sidecar manifest (NAME.c2pa beside NAME.jpg) is a C2PA manifest store: a JUMBF superbox.
SIDECAR_SUFFIX = ".c2pa"

# What the desk accepts, by the type sniffed from the content. Narrower than "image/*": a
# Photoshop document or a CAD drawing is not media a newsroom publishes. Every image, video
# and audio format the C2PA reader verifies is here (provenance.reader.READER_MIME_TYPES maps
# each to the name the reader knows it by), and a few it cannot read that newsrooms publish
# anyway (WebM, Ogg, ...), whose credentials read "unsupported".
ALLOWED_MEDIA_TYPES: dict[str, MediaKind] = {
    "image/jpeg": MediaKind.IMAGE,
    "image/png": MediaKind.IMAGE,
    "image/gif": MediaKind.IMAGE,
    "image/webp": MediaKind.IMAGE,
    "image/tiff": MediaKind.IMAGE,
    "image/x-adobe-dng": MediaKind.IMAGE,
    "image/bmp": MediaKind.IMAGE,
    "image/heic": MediaKind.IMAGE,
    "image/heif": MediaKind.IMAGE,
    "image/avif": MediaKind.IMAGE,
    "image/jxl": MediaKind.IMAGE,
    "image/svg+xml": MediaKind.IMAGE,
    "video/mp4": MediaKind.VIDEO,
    "video/quicktime": MediaKind.VIDEO,
    "video/webm": MediaKind.VIDEO,
    "video/x-matroska": MediaKind.VIDEO,
    "video/x-msvideo": MediaKind.VIDEO,
    "video/mpeg": MediaKind.VIDEO,
    "video/x-m4v": MediaKind.VIDEO,
    "video/iso.segment": MediaKind.VIDEO,
    "audio/mpeg": MediaKind.AUDIO,
    "audio/x-wav": MediaKind.AUDIO,
    "audio/ogg": MediaKind.AUDIO,
    "audio/x-flac": MediaKind.AUDIO,
    "audio/aac": MediaKind.AUDIO,
    "audio/mp4": MediaKind.AUDIO,
    "audio/m4a": MediaKind.AUDIO,
    "audio/x-aiff": MediaKind.AUDIO,
    "audio/opus": MediaKind.AUDIO,
}


class IntakeError(Exception):
    """A file that cannot go on the desk; the message is shown to the uploader as is."""


@dataclass(frozen=True)
class SniffedType:
    media_type: str
    kind: MediaKind


@dataclass(frozen=True)
class Rejection:
    filename: str
    reason: str


# --- ISO BMFF (MP4, MOV, HEIF, AVIF, M4A) -----------------------------------------------------

_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_M4A_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_M4V_BRANDS = frozenset({b"M4V ", b"M4VH", b"M4VP"})


def _iso_bmff_type(head: bytes) -> str:
    """The type an ISO BMFF file's first box names. The major brand decides; a generic still
    image brand (mif1) is narrowed by its compatible brands. Any other brand (iso6, dash, mp42,
    3gp4) is an MP4, and a DASH media segment starts with a styp box."""
    box = head[4:8]
    if box == b"styp":
        return "video/iso.segment"
    if box != b"ftyp" or len(head) < 12:
        return ""
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major in _AVIF_BRANDS:
        return "image/avif"
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in _HEIF_BRANDS:
        if compatible & _AVIF_BRANDS:
            return "image/avif"
        if compatible & _HEIC_BRANDS:
            return "image/heic"
        return "image/heif"
    if major == b"qt  ":
        return "video/quicktime"
    if major in _M4A_BRANDS:
        return "audio/mp4"
    if major in _M4V_BRANDS:
        return "video/x-m4v"
    return "video/mp4"


# --- TIFF and DNG ---------------------------------------------------------------------------

_DNG_VERSION_TAG = 0xC612


_TIFF_ORDERS: dict[bytes, Literal["little", "big"]] = {b"II*\x00": "little", b"MM\x00*": "big"}
# The first directory: a count and at most this many 12-byte entries are looked at.
_IFD_ENTRIES = 512
_IFD_BYTES = 2 + _IFD_ENTRIES * 12


def _tiff_ifd_offset(head: bytes) -> int:
    order = _TIFF_ORDERS.get(head[:4])
    return int.from_bytes(head[4:8], order) if order and len(head) >= 8 else 0


def _tiff_type(head: bytes, ifd: bytes) -> str:
    """TIFF, or DNG when the first directory has a DNGVersion tag. Other raw formats built on
    TIFF (NEF, ARW, CR2) read as TIFF: the reader treats them alike."""
    order = _TIFF_ORDERS.get(head[:4])
    if order is None:
        return ""
    count = int.from_bytes(ifd[:2], order) if len(ifd) >= 2 else 0
    for index in range(min(count, _IFD_ENTRIES)):
        entry = ifd[2 + index * 12 : 4 + index * 12]
        if len(entry) < 2:
            break
        if int.from_bytes(entry, order) == _DNG_VERSION_TAG:
            return "image/x-adobe-dng"
    return "image/tiff"


# --- SVG -----------------------------------------------------------------------------------

_SVG_ROOT = re.compile(r"<svg[\s>/]")


def _svg_type(head: bytes) -> str:
    """image/svg+xml when the head is text whose first element is <svg, after an optional XML
    declaration, comments, processing instructions and a DOCTYPE without an internal subset
    (which could declare entities). Only the bytes read are looked at: a prolog longer than
    that is not an SVG the desk takes."""
    if b"\x00" in head:
        return ""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        rest = text[position:]
        if rest.startswith("<?"):
            end = rest.find("?>")
            skip = end + 2
        elif rest.startswith("<!--"):
            end = rest.find("-->", 4)
            skip = end + 3
        elif rest[:9].upper() == "<!DOCTYPE":
            end = rest.find(">")
            if "[" in rest[: max(end, 0)]:
                return ""
            skip = end + 1
        else:
            return "image/svg+xml" if _SVG_ROOT.match(rest) else ""
        if end < 0:
            return ""
        position += skip


# --- the sniffer ---------------------------------------------------------------------------

_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"


def _id3_end(head: bytes) -> int:
    """Where the audio after an ID3v2 tag starts (0 without one). A C2PA-signed FLAC or MP3
    carries its manifest in that tag, so it can be far longer than the head."""
    if head[:3] != b"ID3" or len(head) < 10:
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)  # a syncsafe integer: 7 bits a byte
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def far_window(head: bytes) -> tuple[int, int] | None:
    """The (offset, length) of the second look some formats need past their first bytes: the
    audio after an ID3 tag, a TIFF's first directory. None when the head tells it all."""
    if id3_end := _id3_end(head):
        return id3_end, 16
    if ifd := _tiff_ifd_offset(head):
        return ifd, _IFD_BYTES
    return None


def _audio_after_id3(audio: bytes) -> str:
    if audio[:4] == b"fLaC":
        return "audio/x-flac"
    guess = filetype.guess(audio) if audio else None
    if guess is not None and guess.mime in {"audio/aac", "audio/mpeg"}:
        return str(guess.mime)
    return "audio/mpeg"  # an ID3 tag is MP3's; the reader says what it makes of the rest


def _media_type(head: bytes, far: bytes) -> str:
    """The media type the content says, "" when it is no media the desk knows."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"  # APNG too: the same container
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF":
        riff = {b"WEBP": "image/webp", b"WAVE": "audio/x-wav", b"AVI ": "video/x-msvideo"}
        if head[8:12] in riff:
            return riff[head[8:12]]
    if head[:2] == b"\xff\x0a" or head[:12] == _JXL_CONTAINER:
        return "image/jxl"  # a bare codestream or the ISO BMFF-style container
    if tiff := _tiff_type(head, far):
        return tiff
    if bmff := _iso_bmff_type(head):
        return bmff
    if head[:4] == b"fLaC":
        return "audio/x-flac"
    if head[:3] == b"ID3":
        return _audio_after_id3(far)
    if svg := _svg_type(head):
        return svg
    guess = filetype.guess(head)
    return str(guess.mime) if guess is not None and guess.mime in ALLOWED_MEDIA_TYPES else ""


def _refusal(head: bytes) -> str:
    guess = filetype.guess(head)
    if guess is not None:
        return (
            "This is not an image, video or audio file the desk accepts: "
            f"its content is {guess.mime}."
        )
    return "This is not an image, video or audio file: its content matches no media format."


def sniff_media_type(head: bytes, *, far: bytes | None = None) -> SniffedType:
    """Decide what a file is from its first bytes, never from its name or the client's word.
    `far`: the bytes at `far_window(head)` when that lies past `head` (sniff_file reads them);
    None to look inside `head` only."""
    if not head:
        raise IntakeError("The file is empty.")
    if far is None:
        window = far_window(head)
        far = head[window[0] : window[0] + window[1]] if window else b""
    mime = _media_type(head, far)
    if not mime:
        raise IntakeError(_refusal(head))
    return SniffedType(mime, ALLOWED_MEDIA_TYPES[mime])


def sniff_file(handle: IO[bytes]) -> SniffedType:
    """What the file is, from at most two bounded reads: its head and, for the formats that
    need it (`far_window`), a few bytes further in."""
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    far = None
    window = far_window(head)
    if window is not None:
        handle.seek(window[0])
        far = handle.read(window[1])
    handle.seek(0)
    return sniff_media_type(head, far=far)


def is_sidecar_name(filename: str) -> bool:
    return filename.lower().endswith(SIDECAR_SUFFIX)


def sidecar_matches(sidecar_name: str, media_name: str) -> bool:
    """photo.c2pa (or photo.jpg.c2pa) is the sidecar of photo.jpg: the convention of the C2PA
    tools, which replace the extension, and of those that append to the whole name."""
    if not is_sidecar_name(sidecar_name):
        return False
    stem = sidecar_name[: -len(SIDECAR_SUFFIX)]
    return bool(stem) and stem in {media_name, media_name.rsplit(".", 1)[0]}


def sidecar_for(media_name: str, candidates: list[str]) -> str | None:
    """The sidecar among `candidates` that goes with `media_name`: photo.jpg.c2pa before
    photo.c2pa, so two files of one stem can each have their own."""
    exact = f"{media_name}{SIDECAR_SUFFIX}".lower()
    matching = [name for name in candidates if sidecar_matches(name, media_name)]
    matching.sort(key=lambda name: name.lower() != exact)
    return matching[0] if matching else None


@dataclass
class UploadBatch:
    """The files of one upload: each media file with the sidecar manifest sent for it, and
    the sidecars no media file of the batch claims."""

    media: list[tuple[UploadedFile, UploadedFile | None]]
    orphan_sidecars: list[UploadedFile]


def upload_batch(files: list[UploadedFile]) -> UploadBatch:
    sidecars = {f.name or "": f for f in files if is_sidecar_name(f.name or "")}
    media: list[tuple[UploadedFile, UploadedFile | None]] = []
    claimed: set[str] = set()
    for uploaded in files:
        if is_sidecar_name(uploaded.name or ""):
            continue
        name = sidecar_for(uploaded.name or "", list(sidecars))
        if name is not None:
            claimed.add(name)
        media.append((uploaded, sidecars[name] if name is not None else None))
    orphans = [f for name, f in sidecars.items() if name not in claimed]
    return UploadBatch(media, orphans)


ORPHAN_SIDECAR = (
    "A sidecar manifest goes with the file it describes, and no file of that name came with "
    "it: upload photo.jpg together with photo.c2pa."
)


def check_sidecar(handle: IO[bytes], *, size: int, limit: int) -> None:
    """Raise IntakeError unless the file is a C2PA manifest store of at most `limit` bytes."""
    if not size:
        raise IntakeError("The sidecar manifest is empty.")
    if size > limit:
        raise IntakeError(f"The sidecar manifest is larger than the {filesizeformat(limit)} limit.")
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head[4:8] != b"jumb":
        raise IntakeError(
            "This .c2pa file is not a C2PA manifest store (it does not start with a JUMBF box)."
        )


def sha256_of_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(HASH_CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def sha256_of_path(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of_stream(handle)


def size_limit_message(limit: int) -> str:
    return f"The file is larger than the {filesizeformat(limit)} limit."


def upload_rejections(request: HttpRequest) -> list[Rejection]:
    """Files the upload handler refused while streaming (for example, over the size limit)."""
    found: list[Rejection] = getattr(request, "_proofdesk_upload_rejections", [])
    return found


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Streams each uploaded file to a temporary file, computing its sha256 on the way and
    refusing it as soon as it passes MAX_UPLOAD_SIZE (the rest of that file is discarded)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit: int = settings.MAX_UPLOAD_SIZE
        self._digest = hashlib.sha256()
        self._received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > self.limit:
            self._reject(size_limit_message(self.limit))
        self._digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.sha256 = self._digest.hexdigest()  # type: ignore[attr-defined]
        return uploaded

    def _reject(self, reason: str) -> None:
        # Closing the NamedTemporaryFile removes it: no orphan bytes on disk.
        self.file.close()
        if self.request is not None:
            rejections = getattr(self.request, "_proofdesk_upload_rejections", None)
            if rejections is None:
                rejections = []
                self.request._proofdesk_upload_rejections = rejections  # type: ignore[attr-defined]
            rejections.append(Rejection(self.file_name or "(unnamed file)", reason))
        raise SkipFile(reason)
