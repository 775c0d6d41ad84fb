"""The reader knows every format the desk sniffs by the name the c2pa library reads it by
(FLAC is audio/flac to it, audio/x-flac to the sniffer), and reads a sidecar manifest against
the file it came with (issue 15.4)."""

from __future__ import annotations

import io
from typing import Any

import c2pa
import pytest

from provenance.isolated import verify_handle, verify_in_child
from provenance.reader import READER_MIME_TYPES, reader_context, verify_stream
from provenance.states import ProvenanceState
from review.intake import ALLOWED_MEDIA_TYPES, sniff_file
from tests.provenance import formats
from tests.provenance.media import make_signer, plain_jpeg, signed_jpeg

# Other names the library lists for a format the desk knows by one name.
LIBRARY_ALIASES = {
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "audio/vnd.wave": "audio/x-wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "image/x-webp": "image/webp",
    "image/dng": "image/x-adobe-dng",
    # Raw formats built on TIFF: the sniffer calls them TIFF and the reader reads them so.
    "image/x-nikon-nef": "image/tiff",
    "image/x-sony-arw": "image/tiff",
    "video/avi": "video/x-msvideo",
    "video/msvideo": "video/x-msvideo",
    "application/x-troff-msvideo": "video/x-msvideo",
    "application/svg+xml": "image/svg+xml",
    "application/mp4": "video/mp4",
}
MEDIA_PREFIXES = ("image/", "video/", "audio/")
OPTIONS: dict[str, Any] = {
    "trust_anchors": "",
    "allowed_list": "",
    "remote_fetch": False,
    "remote_hosts": [],
}


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Format Agency")


def test_every_reader_name_is_one_the_library_reads():
    supported = set(c2pa.Reader.get_supported_mime_types())
    assert set(READER_MIME_TYPES.values()) <= supported
    assert set(READER_MIME_TYPES) <= set(ALLOWED_MEDIA_TYPES)


def test_every_media_format_the_library_reads_is_one_the_desk_accepts():
    """The reader's whole list, so a format added to the library shows up here."""
    supported = set(c2pa.Reader.get_supported_mime_types())
    media = {m for m in supported if m.startswith(MEDIA_PREFIXES)} | (
        supported & set(LIBRARY_ALIASES)
    )
    missing = {
        m
        for m in media
        if LIBRARY_ALIASES.get(m, m) not in READER_MIME_TYPES
        and m not in READER_MIME_TYPES.values()
    }
    assert missing == set()


def verify(data: bytes, media_type: str, manifest: bytes | None = None):
    return verify_stream(
        io.BytesIO(data), media_type, context=reader_context(), manifest_data=manifest
    )


@pytest.mark.parametrize(
    ("make", "library_type", "desk_type"),
    [
        (lambda: formats.SVG, "image/svg+xml", "image/svg+xml"),
        (formats.flac, "audio/flac", "audio/x-flac"),
        (formats.jxl_container, "image/jxl", "image/jxl"),
        (formats.dng, "image/x-adobe-dng", "image/x-adobe-dng"),
        (formats.tiff, "image/tiff", "image/tiff"),
    ],
    ids=["svg", "flac", "jxl", "dng", "tiff"],
)
def test_signed_files_of_the_new_formats_verify_under_the_type_intake_gives_them(
    signer, make, library_type, desk_type
):
    plain = make()
    signed = formats.sign(signer, plain, library_type, source_type="trainedAlgorithmicMedia")
    assert sniff_file(io.BytesIO(signed)).media_type == desk_type

    result = verify(signed, desk_type)
    assert result.state == ProvenanceState.VALID, result.error
    assert result.codes == ["signingCredential.untrusted"]
    assert result.digital_source_types == ["trainedAlgorithmicMedia"]
    assert result.manifest_source == "embedded"
    assert verify(plain, desk_type).state == ProvenanceState.NO_MANIFEST


def test_a_bare_jpeg_xl_codestream_cannot_carry_credentials():
    result = verify(formats.JXL_CODESTREAM, "image/jxl")
    assert result.state == ProvenanceState.UNSUPPORTED
    assert "naked codestream" in result.error


def test_a_type_the_reader_does_not_know_is_unsupported_without_asking_it():
    result = verify(b"OggS\x00\x02" + b"\x00" * 30, "audio/ogg")
    assert result.state == ProvenanceState.UNSUPPORTED
    assert result.error == "Content Credentials cannot be read from audio/ogg files."


# --- sidecars -------------------------------------------------------------------------------


def test_a_sidecar_verifies_against_the_file_it_was_made_for(signer):
    photo, store = formats.sidecar(signer, plain_jpeg((40, 50, 60)), "image/jpeg")
    assert photo == plain_jpeg((40, 50, 60))  # a JPEG's sidecar leaves the file as it was

    verification, _ = verify_handle(io.BytesIO(photo), "image/jpeg", sidecar=store, **OPTIONS)

    assert verification.state == ProvenanceState.VALID
    assert verification.manifest_source == "sidecar"
    assert verification.digital_source_types == ["digitalCapture"]
    assert verification.signer["organisation"] == "Format Agency"
    # Without its sidecar the same file has no credentials at all.
    alone, _ = verify_handle(io.BytesIO(photo), "image/jpeg", **OPTIONS)
    assert alone.state == ProvenanceState.NO_MANIFEST


def test_a_sidecar_for_another_file_is_invalid(signer):
    _, store = formats.sidecar(signer, plain_jpeg((1, 1, 1)), "image/jpeg")
    other = plain_jpeg((200, 10, 10))

    verification, _ = verify_handle(io.BytesIO(other), "image/jpeg", sidecar=store, **OPTIONS)

    assert verification.state == ProvenanceState.INVALID
    assert "assertion.dataHash.mismatch" in verification.codes


def test_a_sidecar_is_read_instead_of_an_embedded_manifest(signer):
    embedded = signed_jpeg(signer, source_type="trainedAlgorithmicMedia")
    _, store = formats.sidecar(signer, embedded, "image/jpeg", source_type="digitalCapture")
    verification, _ = verify_handle(io.BytesIO(embedded), "image/jpeg", sidecar=store, **OPTIONS)
    assert verification.manifest_source == "sidecar"
    assert verification.digital_source_types == ["digitalCapture"]


@pytest.mark.parametrize(
    ("make", "library_type", "desk_type"),
    [
        (formats.flac, "audio/flac", "audio/x-flac"),
        (lambda: formats.SVG, "image/svg+xml", "image/svg+xml"),
    ],
    ids=["flac", "svg"],
)
def test_sidecars_of_other_formats(signer, make, library_type, desk_type):
    data, store = formats.sidecar(signer, make(), library_type)
    verification, _ = verify_handle(io.BytesIO(data), desk_type, sidecar=store, **OPTIONS)
    assert verification.state == ProvenanceState.VALID, verification.error


def test_the_child_process_reads_the_sidecar_too(signer, tmp_path):
    photo, store = formats.sidecar(signer, plain_jpeg((70, 80, 90)), "image/jpeg")
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo)

    in_child, _ = verify_in_child(str(path), "image/jpeg", timeout=60, sidecar=store, **OPTIONS)
    in_process, _ = verify_handle(io.BytesIO(photo), "image/jpeg", sidecar=store, **OPTIONS)

    assert in_child.state == ProvenanceState.VALID
    assert in_child.manifest_source == "sidecar"
    assert in_child.manifest_store == in_process.manifest_store
