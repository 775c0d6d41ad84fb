"""Evidence files must be whole, not only of the right type: an image decodes to its last
pixel, a PDF has the trailer and cross-reference table a reader starts from, a recording's
container adds up. Each damaged kind is refused with a message saying what to do, and a refusal
leaves nothing behind: no record, no audit event, no file in the media folder."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image, ImageFile

from audit.models import AuditEvent
from consent.errors import ConsentError
from consent.evidence.files import evidence_from_upload
from consent.evidence.recordings import _ogg_crc
from consent.exports.pdf_writer import PdfJob, write_pdf
from consent.models import ConsentMethod, ConsentRecord
from consent.services import Signing, consent_record_create
from tests.consent.helpers import ALL_POINTS, default_statement, scope
from tests.consent.media import (
    MP3_FRAME,
    aac_bytes,
    aiff_bytes,
    avi_bytes,
    flac_bytes,
    image_bytes,
    mp3_bytes,
    mpeg_ps_bytes,
    ogg_bytes,
    ogg_page,
    pdf_bytes,
    recorded_mp4,
    recorded_webm,
    upload,
    wav_bytes,
)

IMAGE_DAMAGED = "The image is damaged or incomplete: it could not be read to the end."
PDF_DAMAGED = "The PDF is damaged or incomplete: "
RECORDING_DAMAGED = "The recording is damaged or incomplete: "


def release(data: bytes, name: str = "release") -> str:
    return evidence_from_upload(upload(name, data), verbal=False).media_type


def recording(data: bytes, name: str = "recording") -> str:
    return evidence_from_upload(upload(name, data), verbal=True).media_type


def _cut(data: bytes, share: float = 0.6) -> bytes:
    # An odd length, so that the cut does not fall on a frame or page boundary by chance.
    return data[: int(len(data) * share) | 1]


def _junk(size: int) -> bytes:
    # Deterministic bytes with no structure (and no accidental markers such as JPEG's FFD9).
    return bytes((n * 89 + 17) % 251 for n in range(size))


def _png(width: int, height: int) -> bytes:
    """A PNG header claiming this size, with a tiny (wrong) image data chunk: enough for Pillow
    to read the size and decide before decoding anything."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --- signed releases: images --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pillow_format", "media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("TIFF", "image/tiff"), ("WEBP", "image/webp")],
)
def test_a_whole_photo_or_scan_is_accepted_with_its_hash(pillow_format, media_type):
    data = image_bytes(pillow_format)
    evidence = evidence_from_upload(upload("release", data), verbal=False)
    assert evidence.media_type == media_type
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()


def test_every_page_of_a_multipage_tiff_is_decoded():
    pages = [Image.new("L", (300, 400), shade) for shade in (255, 200, 150)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    whole = buffer.getvalue()
    assert release(whole) == "image/tiff"
    # The first page is whole; the cut is in the last one.
    with pytest.raises(ConsentError, match=IMAGE_DAMAGED):
        release(whole[: len(whole) - 20_000])


@pytest.mark.parametrize(
    "damaged",
    [
        pytest.param(_cut(image_bytes("JPEG")), id="jpeg-cut-short"),
        pytest.param(image_bytes("JPEG")[:620] + _junk(4000), id="jpeg-header-then-junk"),
        pytest.param(b"\xff\xd8\xff\xe0" + _junk(4000), id="jpeg-magic-then-junk"),
        pytest.param(_cut(image_bytes("PNG")), id="png-cut-short"),
        pytest.param(image_bytes("PNG")[:33] + _junk(4000), id="png-header-then-junk"),
        pytest.param(_cut(image_bytes("TIFF")), id="tiff-cut-short"),
        pytest.param(_cut(image_bytes("WEBP")), id="webp-cut-short"),
    ],
)
def test_a_damaged_image_is_refused(damaged):
    with pytest.raises(ConsentError, match=IMAGE_DAMAGED):
        release(damaged)


def test_a_cut_image_is_refused_even_where_weasyprint_let_pillow_pad_it(monkeypatch):
    # What importing WeasyPrint does to the whole process: Pillow then pads a file cut short
    # with grey instead of refusing it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ConsentError, match=IMAGE_DAMAGED):
        release(_cut(image_bytes("JPEG")))


def test_rendering_a_pdf_puts_back_pillows_refusal_of_truncated_images(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    css = str(finders.find("css/consent-pdf.css"))
    write_pdf(PdfJob("<p>x</p>", b"{}", css, timezone.now()))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    "size",
    [
        # Above Pillow's limit: it only warns, and the warning is taken as the refusal.
        pytest.param((10_000, 10_000), id="warned-100-megapixels"),
        # Above twice the limit: Pillow raises DecompressionBombError.
        pytest.param((20_000, 20_000), id="bomb-400-megapixels"),
    ],
)
def test_a_decompression_bomb_is_refused_without_decoding_it(size):
    with pytest.raises(ConsentError, match="The image is too large to check"):
        release(_png(*size))


# --- signed releases: PDFs ----------------------------------------------------------------------


def test_whole_pdfs_from_several_writers_are_accepted():
    scanned = io.BytesIO()
    Image.new("RGB", (850, 1100), "white").save(scanned, format="PDF")  # a scanner's PDF
    css = str(finders.find("css/consent-pdf.css"))
    printed = write_pdf(PdfJob("<p>I consent.</p>", b"{}", css, timezone.now()))  # WeasyPrint's
    for data in (pdf_bytes(), scanned.getvalue(), printed):
        assert release(data) == "application/pdf"


def _misplaced_object() -> bytes:
    # Object 2 is renumbered where the table says it starts (as a bad edit would leave it).
    return pdf_bytes().replace(b"2 0 obj", b"9 0 obj")


@pytest.mark.parametrize(
    ("damaged", "problem"),
    [
        pytest.param(_cut(pdf_bytes()), "its end-of-file marker is missing", id="cut-short"),
        pytest.param(
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "it has no pointer to its table of contents",
            id="no-startxref",
        ),
        pytest.param(
            pdf_bytes().replace(b"startxref\n", b"startxref\n9"),
            "its table of contents is said to lie outside the file",
            id="startxref-beyond-the-end",
        ),
        pytest.param(
            b"%PDF-1.7\n" + _junk(3000) + b"\nstartxref\n40\n%%EOF\n",
            "its table of contents is not where the file says",
            id="header-then-junk",
        ),
        pytest.param(
            _misplaced_object(),
            "object 2 is not where its table of contents says",
            id="object-moved",
        ),
    ],
)
def test_a_damaged_pdf_is_refused(damaged, problem):
    with pytest.raises(ConsentError, match=re.escape(PDF_DAMAGED + problem)):
        release(damaged)


# --- verbal consent: recordings -----------------------------------------------------------------


WHOLE_RECORDINGS = [
    pytest.param(wav_bytes(), "audio/x-wav", id="wav"),
    pytest.param(mp3_bytes(), "audio/mpeg", id="mp3"),
    pytest.param(ogg_bytes(), "audio/ogg", id="ogg-opus"),
    pytest.param(recorded_webm(), "video/webm", id="webm-from-chromium"),
    pytest.param(recorded_mp4(), "video/mp4", id="mp4-from-chromium"),
    pytest.param(flac_bytes(), "audio/x-flac", id="flac"),
    pytest.param(aac_bytes(), "audio/aac", id="aac-adts"),
    pytest.param(aiff_bytes(), "audio/x-aiff", id="aiff"),
    pytest.param(avi_bytes(), "video/x-msvideo", id="avi"),
    pytest.param(mpeg_ps_bytes(), "video/mpeg", id="mpeg-program-stream"),
]


@pytest.mark.parametrize(("data", "media_type"), WHOLE_RECORDINGS)
def test_a_whole_recording_is_accepted(data, media_type):
    assert recording(data) == media_type


def _wav_without_data() -> bytes:
    data = wav_bytes()
    body = data[12:36]  # the fmt chunk only
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _mp4_without(box: bytes) -> bytes:
    data, pos, kept = recorded_mp4(), 0, b""
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] != box:
            kept += data[pos : pos + size]
        pos += size
    return kept


def _ogg_with_a_wrong_checksum() -> bytes:
    data = bytearray(ogg_bytes())
    data[40] ^= 0x01  # inside the first page's payload
    return bytes(data)


def _ogg_with_junk_between_pages() -> bytes:
    first = ogg_page(b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00", sequence=0, flags=2)
    return first + _junk(300)


@pytest.mark.parametrize(
    ("damaged", "problem"),
    [
        pytest.param(_cut(wav_bytes()), "the header says", id="wav-cut-short"),
        pytest.param(wav_bytes()[:12] + _junk(4000), "the header says", id="wav-header-junk"),
        pytest.param(
            wav_bytes()[:4] + struct.pack("<I", 4000 - 8) + b"WAVE" + _junk(3988),
            "no valid chunk at byte 12",
            id="wav-consistent-size-junk-inside",
        ),
        pytest.param(_wav_without_data(), "it has no sound data chunk", id="wav-no-sound"),
        pytest.param(
            _cut(mp3_bytes()),
            "is cut short",
            id="mp3-cut-short",  # within the first frames
        ),
        pytest.param(
            mp3_bytes(frames=1)[:-MP3_FRAME] + _junk(4000),
            "no valid audio frame where the audio should start",
            id="mp3-tag-then-junk",
        ),
        pytest.param(
            mp3_bytes(frames=2) + _junk(4000), "no valid audio frame after frame 2", id="mp3-junk"
        ),
        pytest.param(_cut(ogg_bytes()), "is cut short", id="ogg-cut-short"),
        pytest.param(
            _ogg_with_a_wrong_checksum(), "page 1 fails its checksum", id="ogg-bad-checksum"
        ),
        pytest.param(
            _ogg_with_junk_between_pages(), "no valid Ogg page at byte", id="ogg-then-junk"
        ),
        pytest.param(_cut(recorded_webm()), "runs past the end", id="webm-cut-short"),
        pytest.param(
            recorded_webm()[:200] + _junk(4000), "runs past the end", id="webm-header-then-junk"
        ),
        pytest.param(_cut(recorded_mp4()), "box runs past the end", id="mp4-cut-short"),
        pytest.param(
            recorded_mp4()[:36] + _junk(4000), "no valid box at byte 36", id="mp4-ftyp-then-junk"
        ),
        pytest.param(
            _mp4_without(b"moov"), "the movie header (moov) is missing", id="mp4-never-closed"
        ),
        pytest.param(_cut(aiff_bytes()), "the header says", id="aiff-cut-short"),
        pytest.param(_cut(avi_bytes()), "the header says", id="avi-cut-short"),
        pytest.param(_cut(aac_bytes()), "is cut short", id="aac-cut-short"),
        pytest.param(
            flac_bytes()[:20], "the stream information block is missing", id="flac-cut-short"
        ),
        pytest.param(_cut(mpeg_ps_bytes()), "is cut short", id="mpeg-cut-short"),
        pytest.param(
            b"\x00\x00\x01\xb3" + _junk(4000), "not an MPEG program stream", id="bare-mpeg-video"
        ),
    ],
)
def test_a_damaged_recording_is_refused(damaged, problem):
    pattern = RECORDING_DAMAGED + ".*" + re.escape(problem)
    with pytest.raises(ConsentError, match=pattern) as refused:
        recording(damaged)
    assert str(refused.value).endswith("Copy or export it from the recorder again.")


def test_a_segment_of_a_stream_is_not_a_recording():
    segment = b"\x00\x00\x00\x18stypmsdh\x00\x00\x00\x00msdhmsix" + recorded_mp4()[36:]
    with pytest.raises(ConsentError, match="one segment of a streamed recording"):
        recording(segment)


def test_the_ogg_checksum_is_oggs_own_crc():
    # The published check value of CRC-32 with polynomial 04C11DB7, no reflection, initial
    # value and final xor 0 (Ogg's), for the ASCII digits 1 to 9.
    assert _ogg_crc(b"123456789") == 0x89A1897F


# --- nothing half-saved -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "damaged"),
    [
        pytest.param(ConsentMethod.UPLOADED_RELEASE, _cut(image_bytes("JPEG")), id="jpeg"),
        pytest.param(ConsentMethod.UPLOADED_RELEASE, _cut(pdf_bytes()), id="pdf"),
        pytest.param(ConsentMethod.VERBAL, _cut(wav_bytes()), id="wav"),
        pytest.param(ConsentMethod.VERBAL, _cut(recorded_webm()), id="webm"),
    ],
)
def test_a_refused_file_leaves_no_record_event_or_file(
    creator_party, reporter, media_files, method, damaged
):
    before = media_files()
    with pytest.raises(ConsentError, match="damaged or incomplete"):
        consent_record_create(
            party_id=creator_party.pk,
            collected_by=reporter,
            statement=default_statement(),
            scope=scope(),
            acknowledged=ALL_POINTS,
            signing=Signing(method=method, signed_name="Cy Creator", evidence=upload("e", damaged)),
        )
    assert not ConsentRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()
    assert media_files() == before
