"""Checking what people hand us as evidence: a drawn signature, a signed release, a recording.
The type is sniffed from the content, never taken from the name or the browser."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import re
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import ImageChops, ImageFile, ImageSequence

from consent.errors import ConsentError
from consent.evidence.recordings import DamagedRecording, check_recording
from review.images import ImageTooLarge, untrusted_image
from review.intake import SNIFF_BYTES, IntakeError, sniff_media_type

logger = logging.getLogger(__name__)

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
# The signature pad draws at most about 1800×600 device pixels; a signature announcing more
# than this is not one, and decoding it is the attack (a 13000² PNG fits in 656 KB).
MAX_SIGNATURE_PIXELS = 4_000_000
MAX_EVIDENCE_BYTES = 200 * 1024 * 1024
# A drawn signature has ink on at least this share of the pad's pixels: a click is not a name.
MIN_INK_RATIO = 0.002

# What Pillow calls each image type the sniffer accepts for a release (a phone's JPEG may be MPO).
IMAGE_FORMATS = {
    "image/jpeg": {"JPEG", "MPO"},
    "image/png": {"PNG"},
    "image/tiff": {"TIFF"},
    "image/webp": {"WEBP"},
}
RELEASE_TYPES = {"application/pdf", *IMAGE_FORMATS}


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
        raise ConsentError("Sign in the box first: the signature is empty.", field="signature")
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ConsentError(
            "The signature could not be read; clear it and sign again.", field="signature"
        ) from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ConsentError("The signature image is too large.", field="signature")
    try:
        with untrusted_image(io.BytesIO(data), max_pixels=MAX_SIGNATURE_PIXELS) as image:
            if image.format != "PNG":
                raise ConsentError("The signature must be a PNG image.")
            rgba = image.convert("RGBA")
            width, height = image.size
            # Ink is any pixel that is both visible and dark: multiply the two masks and count.
            visible = rgba.getchannel("A").point(lambda v: 255 if v > 32 else 0)
            dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
            ink = ImageChops.multiply(visible, dark).histogram()[255]
    except ConsentError:
        raise
    except ImageTooLarge:
        raise ConsentError(
            "The signature image is too large to be a signature; clear it and sign again."
        ) from None
    except Exception:  # Pillow raises many kinds on hostile input (broken chunks, …)
        raise ConsentError(
            "The signature could not be read; clear it and sign again.", field="signature"
        ) from None
    if ink < max(1, int(width * height * MIN_INK_RATIO)):
        raise ConsentError("Sign in the box first: the signature is empty.", field="signature")
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
    """A signed release (PDF or image) or, for verbal consent, an audio or video recording.
    Beyond its type, the file must be whole: an image decodes to the last pixel, a PDF has
    its trailer and cross-reference table, a recording's container adds up (see
    consent.evidence.recordings). A file cut short in transfer is refused here, when it can still be
    sent again, not found out when someone needs it as evidence."""
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
    if media_type == "application/pdf":
        problem = _pdf_problem(upload, upload.size)
        if problem:
            raise ConsentError(
                f"The PDF is damaged or incomplete: {problem}. Scan or export it again."
            )
    elif media_type.startswith("image/"):
        _check_image(upload, media_type)
    else:
        try:
            check_recording(upload, size=upload.size, media_type=media_type)
        except DamagedRecording as exc:
            raise ConsentError(
                f"The recording is damaged or incomplete: {exc}. Copy or export it from the "
                "recorder again."
            ) from None
    return Evidence(None, _digest(upload), media_type)


# --- images ---------------------------------------------------------------------------------

# A multi-page TIFF scan: every page is decoded, up to this many.
MAX_RELEASE_PAGES = 100
# A page scanned at 600 dpi on A3 is about 70 megapixels: Pillow's own limit, made explicit.
MAX_RELEASE_PIXELS = 89_478_485


def _check_image(upload: UploadedFile, media_type: str) -> None:
    """Decode every pixel of every page: a header followed by junk, or a file cut short,
    fails here (Pillow refuses truncated data unless told otherwise, and nothing here tells
    it so)."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Something in this process turned Pillow's refusal of truncated files off (WeasyPrint
        # does on import; consent.exports.pdf_writer turns it back on): with it off, an image cut
        # short decodes with grey padding and would pass.
        logger.warning("Pillow's LOAD_TRUNCATED_IMAGES was on; turned off for evidence checks")
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    upload.seek(0)
    try:
        with untrusted_image(upload, max_pixels=MAX_RELEASE_PIXELS) as image:
            if image.format not in IMAGE_FORMATS.get(media_type, set()):
                raise ConsentError(
                    "The image could not be read as the type its content announces; "
                    "scan or photograph the release again."
                )
            for page, frame in enumerate(ImageSequence.Iterator(image)):
                if page >= MAX_RELEASE_PAGES:
                    raise ConsentError(
                        f"The scan has more than {MAX_RELEASE_PAGES} pages; upload the "
                        "release as a PDF."
                    )
                # Each page of a TIFF has its own size: check it before decoding it.
                width, height = frame.size
                if width * height > MAX_RELEASE_PIXELS:
                    raise ImageTooLarge(width, height, MAX_RELEASE_PIXELS)
                frame.load()
    except ConsentError:
        raise
    except ImageTooLarge as exc:
        raise ConsentError(
            f"The image is too large to check: {exc} Scan it at a lower resolution."
        ) from None
    except Exception:  # Pillow raises many kinds on damaged input (OSError, ValueError, …)
        raise ConsentError(
            "The image is damaged or incomplete: it could not be read to the end. Scan or "
            "photograph the release again."
        ) from None
    finally:
        upload.seek(0)


# --- PDFs -----------------------------------------------------------------------------------

# No PDF parser is installed (WeasyPrint writes PDFs with pydyf, which does not read them), so
# the structure a reader starts from is checked by hand: the `%PDF-` header (sniffed), the
# `%%EOF` marker and `startxref` in the last kilobytes, the offset given there pointing at a
# cross-reference table or stream, and for a table, each object it lists starting where the
# table says. Not checked: the objects' contents, compressed cross-reference streams' entries,
# earlier revisions (`/Prev`), and whether the pages render.
PDF_TAIL = 2048
PDF_MAX_ENTRIES = 20_000
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_OBJECT = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_SUBSECTION = re.compile(rb"\s*(\d+)\s+(\d+)\s*?\r?\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: ?\r\n| ?\r| ?\n)")


def _read_at(upload: UploadedFile, offset: int, length: int) -> bytes:
    upload.seek(offset)
    data: bytes = upload.read(length)
    return data


def _pdf_problem(upload: UploadedFile, size: int) -> str:
    """Why the PDF cannot be read from its trailer, or "" when its structure holds."""
    try:
        return _pdf_structure(upload, size)
    finally:
        upload.seek(0)


def _pdf_structure(upload: UploadedFile, size: int) -> str:
    tail_start = max(0, size - PDF_TAIL)
    tail = _read_at(upload, tail_start, PDF_TAIL)
    eof = tail.rfind(b"%%EOF")
    if eof < 0:
        return "its end-of-file marker is missing, so it was cut short"
    start = tail.rfind(b"startxref", 0, eof)
    found = _STARTXREF.match(tail, start) if start >= 0 else None
    if found is None:
        return "it has no pointer to its table of contents (startxref)"
    offset = int(found.group(1))
    if not 0 < offset < tail_start + start:
        return "its table of contents is said to lie outside the file"
    section = _read_at(upload, offset, 64).lstrip()
    if _OBJECT.match(section):
        # A cross-reference stream: its entries are compressed, only its header is checked.
        head = _read_at(upload, offset, 1024)
        if not re.search(rb"/Type\s*/XRef", head.split(b"stream", 1)[0]):
            return "its table of contents is not where the file says"
        return ""
    if not section.startswith(b"xref"):
        return "its table of contents is not where the file says"
    return _xref_table_problem(upload, size, offset)


def _xref_table_problem(upload: UploadedFile, size: int, offset: int) -> str:
    pos = offset + _read_at(upload, offset, 64).index(b"xref") + 4
    checked = 0
    while True:
        header = _read_at(upload, pos, 64)
        if header.lstrip().startswith(b"trailer"):
            return "" if checked else "its table of contents lists no objects"
        found = _SUBSECTION.match(header)
        if found is None:
            return "its table of contents is damaged"
        first, count = int(found.group(1)), int(found.group(2))
        pos += found.end()
        if checked + count > PDF_MAX_ENTRIES or pos + 20 * count > size:
            return "its table of contents is damaged"
        # Entries are 20 bytes; some writers end them with one byte instead of two.
        entries = _read_at(upload, pos, 20 * count)
        at = 0
        for index in range(count):
            entry = _ENTRY.match(entries, at)
            if entry is None:
                return "its table of contents is damaged"
            at = entry.end()
            where, kind = int(entry.group(1)), entry.group(3)
            if kind == b"n" and where:
                obj = _OBJECT.match(_read_at(upload, where, 32)) if where < size else None
                if obj is None or int(obj.group(1)) != first + index:
                    return f"object {first + index} is not where its table of contents says"
        checked += count
        pos += at
