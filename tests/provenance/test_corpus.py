"""Interoperability: every file of the shared C2PA corpus through `manage.py ingest --json`,
compared with the reference reader's verdicts in expected.tsv; and the formats and sidecar
manifests the corpus lacks (SVG, FLAC, JPEG XL, DNG, .c2pa files beside media), compared with
the bare c2pa reader run on the same bytes (issue 15.4)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import c2pa
import pytest
from django.core.management import CommandError, call_command

from review.intake import ALLOWED_MEDIA_TYPES
from review.models import Asset
from tests.provenance import formats
from tests.provenance.media import make_signer, plain_jpeg

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))

EXPECTED_STATE = {
    "Valid": "valid",
    "Invalid": "invalid",
    "Trusted": "trusted",
    "ManifestNotFound": "no_manifest",
    "Error": "remote_unavailable",
    "NotSupported": "unsupported",
    "Other": "unreadable",
}


def _expected() -> list[tuple[str, str]]:
    if not (CORPUS / "expected.tsv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"The C2PA corpus is missing at {CORPUS} (set C2PA_CORPUS).")
        return []
    rows = []
    with (CORPUS / "expected.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = row["validation_state"] if row["result"] == "manifest" else row["result"]
            rows.append((row["path"], EXPECTED_STATE[key]))
    return rows


ROWS = _expected()


@pytest.mark.skipif(not ROWS, reason="no C2PA corpus here (set C2PA_CORPUS); CI fails instead")
@pytest.mark.django_db
def test_ingest_agrees_with_the_reference_reader_on_every_corpus_file(reporter):
    out = io.StringIO()
    paths = [str(CORPUS / path) for path, _ in ROWS]
    # Non-media files (a PDF) make the command exit non-zero; their lines are checked below.
    with contextlib.suppress(SystemExit, CommandError):
        call_command("ingest", *paths, "--json", "--uploader", reporter.username, stdout=out)
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    lines = {Path(line["path"]).relative_to(CORPUS).as_posix(): line for line in parsed}
    mismatches = []
    for path, expected in ROWS:
        line = lines.get(path)
        assert line is not None, f"no JSON line for {path}"
        if "error" in line:
            # The desk takes images, video and audio only; anything else must say so.
            assert "not an image, video or audio" in line["error"], (path, line)
            continue
        if line["provenance"]["state"] != expected:
            mismatches.append(
                (path, expected, line["provenance"]["state"], line["provenance"]["codes"])
            )
    assert mismatches == []
    refused = {path for path, line in lines.items() if "error" in line}
    # The desk takes images, video and audio: of the corpus only the PDF is refused.
    assert refused == {"files-for-reading-tests/pdf-file.pdf"}
    ingested = [line for line in lines.values() if "error" not in line]
    assert all(line["media_type"] in ALLOWED_MEDIA_TYPES for line in ingested)


# --- formats and sidecars the corpus lacks, against the bare reader ----------------------------

# What a person with the c2pa library would pass for each file: the type its extension says.
EXTENSION_TYPES = {
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".flac": "audio/flac",
    ".jxl": "image/jxl",
    ".dng": "image/x-adobe-dng",
    ".tif": "image/tiff",
    ".mp4": "video/mp4",
    ".wav": "audio/wav",
}


def bare_reader_state(path: Path, sidecar: Path | None) -> str:
    """The verdict of c2pa.Reader alone (no remote fetching, no trust anchors), in the desk's
    words."""
    context = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    manifest = sidecar.read_bytes() if sidecar is not None else None
    try:
        with path.open("rb") as handle:
            reader = c2pa.Reader(
                EXTENSION_TYPES[path.suffix], handle, manifest_data=manifest, context=context
            )
            with reader:
                store: dict[str, Any] = json.loads(reader.json())
    except c2pa.C2paError as exc:
        name, message = type(exc).__name__, str(exc)
        if message.startswith("Remote"):
            return "remote_unavailable"
        for kind, state in (("ManifestNotFound", "no_manifest"), ("NotSupported", "unsupported")):
            if kind in name or message.startswith(kind):
                return state
        return "unreadable"
    return str(store["validation_state"]).lower()


def media_folder(folder: Path) -> dict[str, str]:
    """Files of every new format, signed and plain, and media with sidecar manifests (right
    and wrong ones, both naming conventions); returns the names the desk must refuse."""
    signer = make_signer(organisation="Corpus Agency")
    files = {
        "drawing.svg": formats.SVG,
        "signed-drawing.svg": formats.sign(signer, formats.SVG, "image/svg+xml"),
        "tone.flac": formats.flac(),
        "signed-tone.flac": formats.sign(signer, formats.flac(), "audio/flac"),
        "container.jxl": formats.jxl_container(),
        "signed-container.jxl": formats.sign(signer, formats.jxl_container(), "image/jxl"),
        "raw.dng": formats.dng(),
        "signed-raw.dng": formats.sign(signer, formats.dng(), "image/x-adobe-dng"),
        "scan.tif": formats.tiff(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # Sidecars: photo.c2pa beside photo.jpg, song.flac.c2pa beside song.flac, one made for
    # another picture, and one beside a corpus file that has its own embedded manifest.
    photo, store = formats.sidecar(signer, plain_jpeg((12, 34, 56)), "image/jpeg")
    (folder / "photo.jpg").write_bytes(photo)
    (folder / "photo.c2pa").write_bytes(store)
    song, song_store = formats.sidecar(signer, formats.flac(48000), "audio/flac")
    (folder / "song.flac").write_bytes(song)
    (folder / "song.flac.c2pa").write_bytes(song_store)
    (folder / "drawing-sidecar.svg").write_bytes(formats.SVG)
    (folder / "drawing-sidecar.c2pa").write_bytes(
        formats.sidecar(signer, formats.SVG, "image/svg+xml")[1]
    )
    (folder / "wrong.jpg").write_bytes(plain_jpeg((200, 0, 0)))
    (folder / "wrong.c2pa").write_bytes(store)
    refused = {"notes.txt": "matches no media format", "report.pdf": "application/pdf"}
    (folder / "notes.txt").write_bytes(b"Copy for the desk: pictures to follow.\n")
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + b"%" * 200)
    if ROWS:
        shutil.copy(CORPUS / "C.jpg", folder / "corpus-c.jpg")
        _, own = formats.sidecar(signer, (CORPUS / "A.jpg").read_bytes(), "image/jpeg")
        shutil.copy(CORPUS / "A.jpg", folder / "corpus-a.jpg")
        (folder / "corpus-a.c2pa").write_bytes(own)
        (folder / "corpus-c.c2pa").write_bytes(own)  # made for A: C's pixels do not match
        shutil.copy(CORPUS / "files-for-reading-tests" / "video1.mp4", folder / "video1.mp4")
    return refused


@pytest.mark.django_db
def test_ingest_agrees_with_the_bare_reader_on_new_formats_and_sidecars(tmp_path, reporter):
    folder = tmp_path / "wire"
    folder.mkdir()
    refused = media_folder(folder)
    out = io.StringIO()
    with pytest.raises(CommandError):  # the text and the PDF make it exit non-zero
        call_command("ingest", str(folder), "--json", "--uploader", reporter.username, stdout=out)
    lines = {Path(line["path"]).name: line for line in map(json.loads, out.getvalue().splitlines())}

    # Sidecars are not assets of their own: they went in with their media file.
    assert not [name for name in lines if name.endswith(".c2pa")]
    for name, message in refused.items():
        assert "not an image, video or audio file" in lines[name]["error"]
        assert message in lines[name]["error"]
    media = {name: line for name, line in lines.items() if name not in refused}
    assert set(media) == {p.name for p in folder.iterdir()} - set(refused) - {
        p.name for p in folder.glob("*.c2pa")
    }
    found = {}
    for name, line in media.items():
        path = folder / name
        sidecar = Path(line["sidecar"]) if line["sidecar"] else None
        expected = bare_reader_state(path, sidecar)
        found[name] = (line["provenance"]["state"], expected)
    assert {n: got for n, (got, expected) in found.items() if got != expected} == {}
    states = {name: got for name, (got, _) in found.items()}
    # The bare reader's own verdicts, spelled out: signed files of every new format and the
    # right sidecars verify, the wrong sidecars do not, plain files have no credentials.
    for name in ("signed-drawing.svg", "signed-tone.flac", "signed-container.jxl"):
        assert states[name] == "valid", name
    assert states["signed-raw.dng"] == "valid"
    assert states["photo.jpg"] == states["song.flac"] == states["drawing-sidecar.svg"] == "valid"
    assert states["wrong.jpg"] == "invalid"
    for name in ("drawing.svg", "tone.flac", "container.jxl", "raw.dng", "scan.tif"):
        assert states[name] == "no_manifest", name
    assert media["photo.jpg"]["sidecar"] == str(folder / "photo.c2pa")
    assert media["song.flac"]["sidecar"] == str(folder / "song.flac.c2pa")
    assert media["tone.flac"]["sidecar"] is None
    assert media["tone.flac"]["media_type"] == "audio/x-flac"
    assert media["signed-tone.flac"]["media_type"] == "audio/x-flac"
    assert media["raw.dng"]["media_type"] == "image/x-adobe-dng"
    assert media["drawing.svg"]["media_type"] == "image/svg+xml"
    if ROWS:
        assert states["corpus-a.jpg"] == "valid"
        assert states["corpus-c.jpg"] == "invalid"  # the sidecar, not C's own manifest, is read
        assert states["video1.mp4"] == "valid"
    # The sidecar is kept with the asset, byte for byte.
    photo = Asset.objects.get(original_filename="photo.jpg")
    with photo.sidecar_manifest.open("rb") as handle:
        assert handle.read() == (folder / "photo.c2pa").read_bytes()


@pytest.mark.django_db
def test_a_bare_jpeg_xl_codestream_is_accepted_and_reads_unsupported(tmp_path, reporter):
    """The one place the desk words it differently from the bare reader, which calls it
    "Other: ... naked codestream cannot contain C2PA manifests": the format cannot carry
    credentials, which is what "unsupported" says."""
    path = tmp_path / "bare.jxl"
    path.write_bytes(formats.JXL_CODESTREAM)
    out = io.StringIO()
    call_command("ingest", str(path), "--json", "--uploader", reporter.username, stdout=out)
    line = json.loads(out.getvalue())
    assert line["media_type"] == "image/jxl"
    assert line["provenance"]["state"] == "unsupported"
    assert bare_reader_state(path, None) == "unreadable"
