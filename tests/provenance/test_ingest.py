"""`manage.py ingest`: files and folders in, one JSON line per file out, verified before it
returns; a file that cannot be ingested gets an error line and a non-zero exit."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from review.models import Asset, AssetStatus
from tests.factories import jpeg_bytes
from tests.provenance import formats
from tests.provenance.media import make_signer, signed_jpeg, xmp_only_jpeg

pytestmark = pytest.mark.django_db

REQUIRED = {"id", "filename", "sha256", "media_type", "status", "provenance"}
PROVENANCE_KEYS = {
    "state",
    "codes",
    "signer",
    "claim_generator",
    "digital_source_types",
    "ingredients",
    "xmp_digital_source_type",
}


def ingest(*args: str) -> tuple[list[dict[str, Any]], CommandError | None]:
    out = io.StringIO()
    error = None
    try:
        call_command("ingest", *args, "--json", stdout=out)
    except CommandError as exc:
        error = exc
    return [json.loads(line) for line in out.getvalue().splitlines()], error


def test_folder_is_ingested_recursively_with_one_line_per_file(tmp_path, reporter):
    signer = make_signer(organisation="Wire Agency")
    (tmp_path / "wire" / "day2").mkdir(parents=True)
    (tmp_path / "wire" / "signed.jpg").write_bytes(
        signed_jpeg(signer, source_type="trainedAlgorithmicMedia")
    )
    (tmp_path / "wire" / "day2" / "xmp.jpg").write_bytes(xmp_only_jpeg())
    (tmp_path / "wire" / "day2" / "plain.jpg").write_bytes(jpeg_bytes())

    lines, error = ingest(str(tmp_path / "wire"), "--uploader", reporter.username)

    assert error is None
    assert len(lines) == 3
    by_name = {line["filename"]: line for line in lines}
    for line in lines:
        assert set(line) >= REQUIRED
        assert set(line["provenance"]) >= PROVENANCE_KEYS
        assert line["status"] == AssetStatus.IN_REVIEW
        assert Asset.objects.get(pk=line["id"]).sha256 == line["sha256"]
    signed = by_name["signed.jpg"]["provenance"]
    assert signed["state"] == "valid"
    assert signed["signer"] == "Wire Agency"
    assert signed["digital_source_types"] == ["trainedAlgorithmicMedia"]
    assert signed["ingredients"] == 0
    assert by_name["xmp.jpg"]["provenance"]["xmp_digital_source_type"] == (
        "trainedAlgorithmicMedia"
    )
    assert by_name["plain.jpg"]["provenance"]["state"] == "no_manifest"
    assert all(a.uploaded_by_id == reporter.pk for a in Asset.objects.all())


def test_files_that_cannot_be_ingested_get_error_lines_and_a_non_zero_exit(tmp_path, reporter):
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "notes.txt").write_bytes(b"just some text, not media\n")
    (tmp_path / "empty.jpg").write_bytes(b"")

    lines, error = ingest(
        str(tmp_path / "good.jpg"),
        str(tmp_path / "notes.txt"),
        str(tmp_path / "empty.jpg"),
        str(tmp_path / "missing.jpg"),
        "--uploader",
        reporter.username,
    )

    assert error is not None and error.returncode == 1
    assert "3 file(s) could not be ingested" in str(error)
    errors = {line["filename"]: line["error"] for line in lines if "error" in line}
    assert set(errors) == {"notes.txt", "empty.jpg", "missing.jpg"}
    assert "not an image, video or audio" in errors["notes.txt"]
    assert "empty" in errors["empty.jpg"]
    assert "No such file" in errors["missing.jpg"]
    # The good file went in anyway; the bad ones left nothing behind.
    assert Asset.objects.count() == 1


def test_unknown_uploader_is_refused_before_anything_is_ingested(tmp_path, reporter):
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("ingest", str(tmp_path), "--uploader", "nobody")
    assert not Asset.objects.exists()


# --- sidecar manifests (issue 15.4) ------------------------------------------------------------


def test_a_sidecar_beside_a_file_goes_in_with_it_and_a_lone_one_is_refused(tmp_path, reporter):
    signer = make_signer(organisation="Sidecar Agency")
    photo, store = formats.sidecar(signer, jpeg_bytes((9, 8, 7)), "image/jpeg")
    (tmp_path / "photo.jpg").write_bytes(photo)
    (tmp_path / "photo.c2pa").write_bytes(store)
    (tmp_path / "plain.jpg").write_bytes(jpeg_bytes((1, 1, 1)))
    (tmp_path / "lonely.c2pa").write_bytes(store)

    lines, error = ingest(str(tmp_path), "--uploader", reporter.username)

    assert error is not None and "1 file(s) could not be ingested" in str(error)
    by_name = {line["filename"]: line for line in lines}
    assert set(by_name) == {"photo.jpg", "plain.jpg", "lonely.c2pa"}
    assert by_name["photo.jpg"]["sidecar"] == str(tmp_path / "photo.c2pa")
    assert by_name["plain.jpg"]["sidecar"] is None
    assert "goes with the file it describes" in by_name["lonely.c2pa"]["error"]
    asset = Asset.objects.get(pk=by_name["photo.jpg"]["id"])
    with asset.sidecar_manifest.open("rb") as handle:
        assert handle.read() == store
    assert asset.sidecar_manifest.name.endswith(".c2pa")
    assert not Asset.objects.get(pk=by_name["plain.jpg"]["id"]).sidecar_manifest
    received = AuditEvent.objects.for_object(asset).get(action="asset.received")
    assert received.details["sidecar_sha256"] == hashlib.sha256(store).hexdigest()


def test_a_sidecar_that_is_no_manifest_store_keeps_its_file_out(tmp_path, reporter, media_files):
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "photo.jpg.c2pa").write_bytes(b"not a manifest at all")

    lines, error = ingest(str(tmp_path / "photo.jpg"), "--uploader", reporter.username)

    assert error is not None
    assert "not a C2PA manifest store" in lines[0]["error"]
    assert not Asset.objects.exists()
    assert media_files() == []


def test_a_sidecar_named_on_the_command_line_goes_with_its_file(tmp_path, reporter):
    _, store = formats.sidecar(make_signer(), jpeg_bytes(), "image/jpeg")
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "photo.c2pa").write_bytes(store)

    lines, error = ingest(
        str(tmp_path / "photo.c2pa"), str(tmp_path / "photo.jpg"), "--uploader", reporter.username
    )

    assert error is None
    assert [line["filename"] for line in lines] == ["photo.jpg"]
    assert lines[0]["sidecar"] == str(tmp_path / "photo.c2pa")
