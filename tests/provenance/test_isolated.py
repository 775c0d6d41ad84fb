"""Large files are verified in a child process: the same report as in-process, and a child
that hangs or crashes is recorded as `unreadable` with the reason, never a crash of ours."""

from __future__ import annotations

import os
import stat
import struct
import sys
from typing import Any

import pytest
from django.core.files.base import ContentFile

from provenance import isolated, services
from provenance.services import provenance_verify_asset
from provenance.states import ProvenanceState
from review.models import Asset, AssetStatus
from tests.factories import AssetFactory, jpeg_bytes
from tests.provenance.media import make_signer, signed_jpeg
from tests.provenance.test_desk import detail
from tests.provenance.test_ingest import ingest
from workflow.pipeline import asset_run_checks

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Child Process Agency")


@pytest.fixture
def asset_with_file():
    def make(data: bytes, *, name: str):
        return AssetFactory(
            status=AssetStatus.CHECKING, original_filename=name, file=ContentFile(data, name=name)
        )

    return make


def report_facts(report) -> dict[str, Any]:
    return {
        "state": report.state,
        "codes": report.codes,
        "signer": report.signer,
        "claim_generator": report.claim_generator,
        "title": report.title,
        "digital_source_types": report.digital_source_types,
        "ingredient_count": report.ingredient_count,
        "ingredients": report.ingredients,
        "xmp": report.xmp,
        "manifest_store": report.manifest_store,
        "thumbnails": sorted(
            (t.identifier, t.media_type, t.file.name, t.file.read())
            for t in report.thumbnails.all()
        ),
    }


def test_the_child_gives_the_same_report_as_the_in_process_read(
    settings, signer, asset_with_file, monkeypatch
):
    children: list[str] = []

    def spy(path, *args, **kwargs):
        children.append(path)
        return isolated.verify_in_child(path, *args, **kwargs)

    monkeypatch.setattr(services, "verify_in_child", spy)
    parent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia", title="parent.jpg")
    data = signed_jpeg(signer, parent=parent, software_agent="Imagen 4", title="edit.jpg")
    asset = asset_with_file(data, name="edit.jpg")

    settings.C2PA_IN_PROCESS_MAX_BYTES = 10 * 1024 * 1024
    in_process = provenance_verify_asset(asset_id=asset.pk)
    assert children == []
    settings.C2PA_IN_PROCESS_MAX_BYTES = 0
    in_child = provenance_verify_asset(asset_id=asset.pk)
    assert children == [asset.file.path]

    assert in_child.state == ProvenanceState.VALID
    assert in_child.ingredient_count == 1
    assert in_child.thumbnails.exists()
    assert report_facts(in_child) == report_facts(in_process)


def test_trust_reaches_the_child(settings, signer, asset_with_file, tmp_path):
    root = tmp_path / "root.pem"
    root.write_text(signer.certs.root_pem)
    settings.C2PA_TRUST_ANCHORS = str(root)
    settings.C2PA_IN_PROCESS_MAX_BYTES = 0
    asset = asset_with_file(signed_jpeg(signer), name="trusted.jpg")
    assert provenance_verify_asset(asset_id=asset.pk).state == ProvenanceState.TRUSTED


def test_a_child_past_the_time_limit_is_killed_and_recorded(settings, signer, asset_with_file):
    settings.C2PA_IN_PROCESS_MAX_BYTES = 0
    settings.C2PA_VERIFY_TIMEOUT = 0.001  # no interpreter starts that fast
    asset = asset_with_file(signed_jpeg(signer), name="slow.jpg")
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert "longer than 0.001 s" in report.error


def test_a_crashing_reader_is_recorded_not_propagated(
    settings, signer, asset_with_file, monkeypatch, tmp_path, editor_client
):
    """Native code that segfaults on hostile media takes down the child only."""
    crasher = tmp_path / "crashing-python"
    crasher.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crasher.chmod(crasher.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(crasher))
    settings.C2PA_IN_PROCESS_MAX_BYTES = 0
    asset = asset_with_file(signed_jpeg(signer), name="hostile.jpg")

    asset_run_checks(asset_id=asset.pk)

    report = asset.provenance_reports.get()
    assert report.state == ProvenanceState.UNREADABLE
    assert "crashed on this file (SIGSEGV)" in report.error
    assert "crashed on this file" in detail(editor_client, asset)


def test_a_missing_file_reads_missing_in_the_child_path(settings, signer, asset_with_file):
    settings.C2PA_IN_PROCESS_MAX_BYTES = 0
    asset = asset_with_file(signed_jpeg(signer), name="gone.jpg")
    os.remove(asset.file.path)
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert report.error == "The stored file is missing."


# --- hostile media -----------------------------------------------------------------------------


def decompression_bomb() -> bytes:
    """A 16 x 16 JPEG whose header claims 30000 x 30000 pixels: Pillow refuses to open it
    with DecompressionBombError, which is not an OSError."""
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (30000).to_bytes(2, "big") * 2
    return bytes(data)


def test_a_decompression_bomb_is_a_finding_not_a_crash(asset_with_file, editor_client):
    asset = asset_with_file(decompression_bomb(), name="bomb.jpg")
    asset_run_checks(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert "The image could not be decoded" in asset.check_error
    assert asset.provenance_reports.get().state == ProvenanceState.NO_MANIFEST
    assert os.path.exists(asset.file.path)  # kept, for the editor and the audit trail
    assert "could not be decoded" in detail(editor_client, asset)


def test_ingest_reports_a_decompression_bomb_and_carries_on(tmp_path, reporter):
    (tmp_path / "bomb.jpg").write_bytes(decompression_bomb())
    (tmp_path / "fine.jpg").write_bytes(jpeg_bytes((1, 2, 3)))
    lines, error = ingest(str(tmp_path), "--uploader", reporter.username)
    assert error is None
    assert {line["filename"] for line in lines} == {"bomb.jpg", "fine.jpg"}
    for line in lines:
        assert line["status"] == AssetStatus.IN_REVIEW
    bomb = Asset.objects.get(original_filename="bomb.jpg")
    assert "could not be decoded" in bomb.check_error


def test_a_reader_exception_is_stored_as_an_unreadable_report(asset_with_file, monkeypatch):
    def explode(handle):
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(isolated, "read_xmp", explode)
    asset = asset_with_file(jpeg_bytes(), name="odd.jpg")
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert "struct.error" in report.error or "error: unpack" in report.error
