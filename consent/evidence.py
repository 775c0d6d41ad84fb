"""Checking what people hand us as evidence: a drawn signature, a signed release, a recording.
The type is sniffed from the content, never taken from the name or the browser."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageChops, UnidentifiedImageError

from consent.errors import ConsentError
from review.intake import SNIFF_BYTES, IntakeError, sniff_media_type

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
MAX_EVIDENCE_BYTES = 200 * 1024 * 1024
# A drawn signature has ink on at least this share of the pad's pixels: a click is not a name.
MIN_INK_RATIO = 0.002

RELEASE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/tiff", "image/webp"}


@dataclass(frozen=True)
class Evidence:
    data: bytes | None
    sha256: str
    media_type: str


def signature_from_data_url(data_url: str) -> Evidence:
    """The signature pad posts a PNG as a data URL; refuse anything that is not a PNG with ink
    on it."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ConsentError("Sign in the box first: the signature is empty.")
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ConsentError("The signature could not be read; clear it and sign again.") from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ConsentError("The signature image is too large.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ConsentError("The signature must be a PNG image.")
            rgba = image.convert("RGBA")
            width, height = image.size
            # Ink is any pixel that is both visible and dark: multiply the two masks and count.
            visible = rgba.getchannel("A").point(lambda v: 255 if v > 32 else 0)
            dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
            ink = ImageChops.multiply(visible, dark).histogram()[255]
    except (UnidentifiedImageError, OSError):
        raise ConsentError("The signature could not be read; clear it and sign again.") from None
    if ink < max(1, int(width * height * MIN_INK_RATIO)):
        raise ConsentError("Sign in the box first: the signature is empty.")
    return Evidence(data, hashlib.sha256(data).hexdigest(), "image/png")


def _sniff_upload(upload: UploadedFile) -> str:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        return sniff_media_type(head).media_type
    except IntakeError as exc:
        raise ConsentError(f"The evidence file could not be used: {exc}") from None


def _digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def evidence_from_upload(upload: UploadedFile | None, *, verbal: bool) -> Evidence:
    """A signed release (PDF or image) or, for verbal consent, an audio or video recording."""
    if upload is None or not upload.size:
        what = "recording" if verbal else "signed release"
        raise ConsentError(f"Attach the {what}: the file is missing or empty.")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ConsentError("The evidence file is larger than 200 MB.")
    media_type = _sniff_upload(upload)
    if verbal and not media_type.startswith(("audio/", "video/")):
        raise ConsentError(
            f"Verbal consent needs an audio or video recording; this file is {media_type}."
        )
    if not verbal and media_type not in RELEASE_TYPES:
        raise ConsentError(
            f"A signed release must be a PDF or an image (scan or photo); this file is "
            f"{media_type}."
        )
    if media_type == "application/pdf" and not _pdf_looks_whole(upload):
        raise ConsentError("The PDF is damaged or incomplete; scan or export it again.")
    return Evidence(None, _digest(upload), media_type)


def _pdf_looks_whole(upload: UploadedFile) -> bool:
    # A truncated PDF loses its trailer; checking for %%EOF near the end catches the usual
    # broken upload without parsing untrusted PDF structure.
    size = upload.size or 0
    upload.seek(max(0, size - 2048))
    tail = upload.read()
    upload.seek(0)
    return b"%%EOF" in tail
