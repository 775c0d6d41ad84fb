"""Getting a file onto the desk: streaming upload handling, hashing and media-type sniffing.

Uploads never sit in memory: `HashingUploadHandler` writes every chunk to a temporary file,
hashes it on the way through, and stops reading a file the moment it passes MAX_UPLOAD_SIZE.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from review.models import MediaKind

SNIFF_BYTES = 8192
HASH_CHUNK = 1024 * 1024

# What the desk accepts, by the type sniffed from the content. Narrower than "image/*": a
# Photoshop document or a CAD drawing is not media a newsroom publishes.
ALLOWED_MEDIA_TYPES: dict[str, MediaKind] = {
    "image/jpeg": MediaKind.IMAGE,
    "image/png": MediaKind.IMAGE,
    "image/gif": MediaKind.IMAGE,
    "image/webp": MediaKind.IMAGE,
    "image/tiff": MediaKind.IMAGE,
    "image/bmp": MediaKind.IMAGE,
    "image/heic": MediaKind.IMAGE,
    "image/heif": MediaKind.IMAGE,
    "image/avif": MediaKind.IMAGE,
    "image/jxl": MediaKind.IMAGE,
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


def _iso_bmff_type(head: bytes) -> str:
    # filetype knows the common ISO BMFF brands only; an MP4 with another brand (iso6, dash)
    # or a DASH media segment still starts with an ftyp/styp box.
    box = head[4:8]
    if box == b"ftyp":
        return "video/mp4"
    if box == b"styp":
        return "video/iso.segment"
    return ""


def sniff_media_type(head: bytes) -> SniffedType:
    """Decide what a file is from its first bytes, never from its name or the client's word."""
    if not head:
        raise IntakeError("The file is empty.")
    guess = filetype.guess(head)
    if guess is None:
        iso_bmff = _iso_bmff_type(head)
        if iso_bmff:
            return SniffedType(iso_bmff, MediaKind.VIDEO)
        raise IntakeError(
            "This is not an image, video or audio file: its content matches no media format."
        )
    mime: str = guess.mime
    kind = ALLOWED_MEDIA_TYPES.get(mime)
    if kind is None:
        raise IntakeError(
            f"This is not an image, video or audio file the desk accepts: its content is {mime}."
        )
    return SniffedType(mime, kind)


def sniff_file(handle: IO[bytes]) -> SniffedType:
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    return sniff_media_type(head)


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
