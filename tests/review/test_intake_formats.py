"""Intake sniffing (issue 15.4): every image, video and audio format the C2PA reader verifies
is accepted when its content says so, whatever its name; anything else is refused with a
message the uploader can act on."""

from __future__ import annotations

import io
import struct

import pytest

from review.images import decodable_image_type, untrusted_image
from review.intake import (
    ALLOWED_MEDIA_TYPES,
    SNIFF_BYTES,
    IntakeError,
    check_sidecar,
    sidecar_for,
    sidecar_matches,
    sniff_file,
    sniff_media_type,
)
from review.models import MediaKind
from tests.factories import jpeg_bytes, png_bytes
from tests.provenance import formats
from tests.provenance.media import make_signer


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    payload = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(payload)) + b"ftyp" + payload + b"\x00" * 32


def id3(size: int) -> bytes:
    """An ID3v2.4 tag header announcing `size` bytes of frames (a syncsafe integer)."""
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + b"\x00" * size


ACCEPTED = [
    ("jpeg", jpeg_bytes(), "image/jpeg", MediaKind.IMAGE),
    ("png", png_bytes(), "image/png", MediaKind.IMAGE),
    ("gif", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "image/gif", MediaKind.IMAGE),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp", MediaKind.IMAGE),
    ("tiff", formats.tiff(), "image/tiff", MediaKind.IMAGE),
    ("dng", formats.dng(), "image/x-adobe-dng", MediaKind.IMAGE),
    ("avif", ftyp(b"avif", b"mif1", b"miaf"), "image/avif", MediaKind.IMAGE),
    ("avif in mif1", ftyp(b"mif1", b"avif", b"miaf"), "image/avif", MediaKind.IMAGE),
    ("heic", ftyp(b"heic", b"mif1"), "image/heic", MediaKind.IMAGE),
    ("heic in mif1", ftyp(b"mif1", b"heic"), "image/heic", MediaKind.IMAGE),
    ("heif", ftyp(b"mif1", b"miaf"), "image/heif", MediaKind.IMAGE),
    ("jxl codestream", formats.JXL_CODESTREAM, "image/jxl", MediaKind.IMAGE),
    ("jxl container", formats.jxl_container(), "image/jxl", MediaKind.IMAGE),
    ("svg", formats.SVG, "image/svg+xml", MediaKind.IMAGE),
    ("mp4", ftyp(b"isom", b"mp41"), "video/mp4", MediaKind.VIDEO),
    ("dash init", ftyp(b"iso6", b"dash"), "video/mp4", MediaKind.VIDEO),
    ("mov", ftyp(b"qt  "), "video/quicktime", MediaKind.VIDEO),
    ("m4v", ftyp(b"M4V ", b"isom"), "video/x-m4v", MediaKind.VIDEO),
    ("avi", b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 20, "video/x-msvideo", MediaKind.VIDEO),
    ("m4a", ftyp(b"M4A ", b"isom"), "audio/mp4", MediaKind.AUDIO),
    ("wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20, "audio/x-wav", MediaKind.AUDIO),
    ("flac", formats.flac(), "audio/x-flac", MediaKind.AUDIO),
    ("flac after an id3 tag", id3(64) + formats.flac(), "audio/x-flac", MediaKind.AUDIO),
    ("mp3", id3(64) + b"\xff\xfb\x90\x00" + b"\x00" * 64, "audio/mpeg", MediaKind.AUDIO),
    ("mp3 without a tag", b"\xff\xfb\x90\x00" + b"\x00" * 64, "audio/mpeg", MediaKind.AUDIO),
]


@pytest.mark.parametrize(("name", "data", "mime", "kind"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_each_format_is_recognised_by_its_content(name, data, mime, kind):
    assert sniff_file(io.BytesIO(data)).media_type == mime
    assert sniff_media_type(data[:SNIFF_BYTES]).kind == kind
    assert ALLOWED_MEDIA_TYPES[mime] == kind


def test_a_signed_flac_whose_id3_tag_outgrows_the_head_is_still_flac():
    """c2pa writes a FLAC's manifest into an ID3 tag in front of it: the tag can be far longer
    than the bytes first read, so the sniffer reads a few bytes past it."""
    signed = formats.sign(make_signer(), formats.flac(), "audio/flac")
    assert signed[:3] == b"ID3"
    long_tag = id3(3 * SNIFF_BYTES) + formats.flac()
    assert sniff_file(io.BytesIO(signed)).media_type == "audio/x-flac"
    assert sniff_file(io.BytesIO(long_tag)).media_type == "audio/x-flac"
    long_mp3 = id3(3 * SNIFF_BYTES) + b"\xff\xfb\x90\x00" + b"\x00" * 64
    assert sniff_file(io.BytesIO(long_mp3)).media_type == "audio/mpeg"


def test_a_dng_whose_first_directory_is_past_the_head_is_still_a_dng():
    data = formats.dng()
    offset = int.from_bytes(data[4:8], "little")
    # Move the directory 20 KB further into the file and point the header at it.
    padding = b"\x00" * (20 * 1024)
    moved = data[:4] + (offset + len(padding)).to_bytes(4, "little") + data[8:offset]
    moved += padding + data[offset:]
    assert sniff_media_type(moved[:SNIFF_BYTES]).media_type == "image/tiff"  # head only
    assert sniff_file(io.BytesIO(moved)).media_type == "image/x-adobe-dng"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"\xef\xbb\xbf<svg>",
        b"\n\n  <svg\n  width='1'>",
        b'<?xml version="1.0"?><?xml-stylesheet href="a.css"?><!-- a --><svg>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>',
    ],
)
def test_svg_is_recognised_after_its_prolog(svg):
    assert sniff_media_type(svg).media_type == "image/svg+xml"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<html><svg></svg></html>", "an svg inside HTML is HTML"),
        (b"<svgfoo>", "another element"),
        (b'<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', "a DTD that declares entities"),
        (b"<!-- " + b"x" * SNIFF_BYTES + b" --><svg>", "a prolog longer than the bytes read"),
        (b"<?xml version='1.0'?><svg" + b"\x00", "binary"),
        (b"<!-- never closed <svg>", "an unclosed comment"),
    ],
)
def test_what_only_looks_like_svg_is_refused(data, why):
    with pytest.raises(IntakeError, match="not an image, video or audio file"):
        sniff_file(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n" + b"x" * 100, "its content is application/pdf."),
        (b"Dear editor,\nplease find the pictures attached.\n", "matches no media format."),
        (b"PK\x03\x04" + b"\x00" * 40, "its content is application/zip."),
        (b"<!DOCTYPE html><script>alert(1)</script>", "matches no media format."),
    ],
)
def test_non_media_is_refused_with_a_clear_message(data, message):
    with pytest.raises(IntakeError) as refused:
        sniff_file(io.BytesIO(data))
    assert str(refused.value).startswith("This is not an image, video or audio file")
    assert str(refused.value).endswith(message)


def test_every_accepted_type_has_a_kind():
    assert set(ALLOWED_MEDIA_TYPES.values()) <= set(MediaKind)


# --- sidecar manifests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sidecar", "media", "matches"),
    [
        ("photo.c2pa", "photo.jpg", True),
        ("photo.jpg.c2pa", "photo.jpg", True),
        ("PHOTO.C2PA", "PHOTO.JPG", True),
        ("photo.c2pa", "photo", True),
        ("photo.c2pa", "photo2.jpg", False),
        ("photo.jpg.c2pa", "photo.png", False),
        (".c2pa", "photo.jpg", False),
        ("photo.jpg", "photo.jpg", False),
    ],
)
def test_a_sidecar_goes_with_the_file_of_its_name(sidecar, media, matches):
    assert sidecar_matches(sidecar, media) is matches


def test_the_sidecar_named_after_the_whole_file_name_comes_first():
    candidates = ["photo.c2pa", "photo.png.c2pa"]
    assert sidecar_for("photo.png", candidates) == "photo.png.c2pa"
    assert sidecar_for("photo.jpg", candidates) == "photo.c2pa"
    assert sidecar_for("other.jpg", candidates) is None


def test_a_sidecar_must_be_a_manifest_store_within_the_limit():
    _, store = formats.sidecar(make_signer(), jpeg_bytes(), "image/jpeg")
    check_sidecar(io.BytesIO(store), size=len(store), limit=len(store))
    with pytest.raises(IntakeError, match="larger than"):
        check_sidecar(io.BytesIO(store), size=len(store), limit=len(store) - 1)
    with pytest.raises(IntakeError, match="empty"):
        check_sidecar(io.BytesIO(b""), size=0, limit=100)
    with pytest.raises(IntakeError, match="not a C2PA manifest store"):
        check_sidecar(io.BytesIO(jpeg_bytes()), size=100, limit=10_000)


@pytest.mark.parametrize(
    ("data", "decodable"),
    [
        (jpeg_bytes(), True),
        (png_bytes(), True),
        (formats.tiff(), True),
        (formats.dng(), True),
        (formats.SVG, False),
        (formats.jxl_container(), False),
        (formats.JXL_CODESTREAM, False),
    ],
)
def test_decodable_image_types_are_those_pillow_opens(data, decodable):
    media_type = sniff_file(io.BytesIO(data)).media_type
    assert decodable_image_type(media_type) is decodable
    try:
        with untrusted_image(io.BytesIO(data), max_pixels=10_000) as image:
            image.load()
        opened = True
    except Exception:
        opened = False
    assert opened is decodable
