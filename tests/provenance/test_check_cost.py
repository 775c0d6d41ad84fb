"""What a provenance check costs the database: at most 15 SQL statements whatever the file and
however full the desk, one commit for its outcome (the report, the move into review and their
audit events), the audit events in one INSERT; and the trust configuration built once per
process, until a bundle or a bundle file changes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from audit.models import AuditEvent
from audit.verification import audit_verify_chain
from provenance import services as provenance_services
from provenance import trust
from provenance.models import DetectorRun, ProvenanceReport, ProvenanceThumbnail, TrustListKind
from provenance.services import provenance_verify_asset, trust_list_retire, trust_list_upload
from provenance.states import ProvenanceState
from review.intake import sha256_of_stream
from review.models import Asset, AssetStatus
from tests.provenance import media
from tests.provenance.media import make_signer, plain_jpeg, signed_jpeg, tamper
from workflow import pipeline
from workflow import tasks as workflow_tasks
from workflow.pipeline import asset_run_checks
from workflow.services import asset_intake

MAX_CHECK_STATEMENTS = 15

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signer() -> media.TestSigner:
    return make_signer("Check Cost Agency")


@pytest.fixture
def checking(reporter: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], Asset]:
    """Put a file on the desk with its check queued but not run (held back at the task, so
    that it holds in tests that commit too)."""
    queued: list[int] = []
    monkeypatch.setattr(workflow_tasks.asset_check, "delay", queued.append)

    def intake(data: bytes) -> Asset:
        upload = SimpleUploadedFile("photo.jpg", data, content_type="application/octet-stream")
        result = asset_intake(
            uploaded_by=reporter,
            content=upload,
            sha256=sha256_of_stream(upload),
            original_filename="photo.jpg",
        )
        assert result.asset.status == AssetStatus.CHECKING
        return result.asset

    return intake


def _files(signer: media.TestSigner) -> dict[str, bytes]:
    ai_parent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia")
    return {
        "no credentials": plain_jpeg(),
        "signed capture": signed_jpeg(signer),
        # Ingredients: a second manifest, a second thumbnail, a tree to store.
        "edit of an AI image": signed_jpeg(signer, parent=ai_parent),
        "tampered": tamper(signed_jpeg(signer)),
    }


def _checked(asset: Asset) -> Asset:
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    return asset


@pytest.mark.parametrize("name", ["no credentials", "signed capture", "edit of an AI image"])
def test_a_check_runs_at_most_15_statements(
    name: str,
    signer: media.TestSigner,
    checking: Callable[[bytes], Asset],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    asset = checking(_files(signer)[name])
    trust.effective_trust()  # a worker's cache is warm after its first check

    with django_assert_max_num_queries(MAX_CHECK_STATEMENTS):
        asset_run_checks(asset_id=asset.pk)

    _checked(asset)
    report = ProvenanceReport.objects.get(asset=asset)
    expected = ProvenanceState.NO_MANIFEST if name == "no credentials" else ProvenanceState.VALID
    assert report.state == expected
    assert DetectorRun.objects.filter(report=report).count() == 1
    if name == "edit of an AI image":
        assert report.ingredient_count == 1
        assert ProvenanceThumbnail.objects.filter(report=report).count() >= 1


def test_the_count_does_not_grow_with_the_desk(
    signer: media.TestSigner, checking: Callable[[bytes], Asset]
) -> None:
    data = signed_jpeg(signer)
    trust.effective_trust()
    first = checking(data)
    with CaptureQueriesContext(connection) as on_an_empty_desk:
        asset_run_checks(asset_id=first.pk)
    for _ in range(12):  # more assets, reports, detector runs and audit events
        asset_run_checks(asset_id=checking(data).pk)
    last = checking(data)
    with CaptureQueriesContext(connection) as on_a_fuller_desk:
        asset_run_checks(asset_id=last.pk)

    assert len(on_a_fuller_desk) == len(on_an_empty_desk) <= MAX_CHECK_STATEMENTS
    assert ProvenanceReport.objects.count() == 14


@pytest.mark.django_db(transaction=True)
def test_the_outcome_is_one_commit_with_the_audit_events_in_one_insert(
    signer: media.TestSigner, checking: Callable[[bytes], Asset]
) -> None:
    """Outside a test transaction, so that every commit is a real one and shows."""
    asset = checking(signed_jpeg(signer))
    events_before = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as captured:
        asset_run_checks(asset_id=asset.pk)

    statements = [query["sql"] for query in captured]
    assert statements.count("COMMIT") == 1
    assert statements[-1] == "COMMIT"  # the outcome is the last thing written
    audit_inserts = [s for s in statements if s.startswith('INSERT INTO "audit_auditevent"')]
    assert len(audit_inserts) == 1
    new_events = list(AuditEvent.objects.order_by("seq")[events_before:])
    assert [e.action for e in new_events] == ["provenance.verified", "asset.checked"]
    report = ProvenanceReport.objects.get(asset=asset)
    assert new_events[0].details["report_id"] == report.pk
    assert new_events[1].to_state == AssetStatus.IN_REVIEW
    assert audit_verify_chain().intact
    _checked(asset)


@pytest.mark.django_db(transaction=True)
def test_a_report_the_database_refuses_rolls_back_and_the_asset_still_goes_to_review(
    signer: media.TestSigner, checking: Callable[[bytes], Asset], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is written, then something after it fails: nothing of that transaction
    stays, and the checks end without the report, saying so, as a verifier crash does."""
    real_store = provenance_services.provenance_report_store

    def store_then_fail(**kwargs: Any) -> ProvenanceReport:
        real_store(**kwargs)
        raise DatabaseError("value too long for type character varying(500)")

    monkeypatch.setattr(pipeline, "provenance_report_store", store_then_fail)
    asset = checking(signed_jpeg(signer))

    asset_run_checks(asset_id=asset.pk)

    asset = _checked(asset)
    assert "The provenance check failed (DatabaseError)" in asset.check_error
    assert not ProvenanceReport.objects.filter(asset=asset).exists()
    assert not DetectorRun.objects.filter(asset=asset).exists()
    actions = [e.action for e in AuditEvent.objects.for_object(asset)]
    assert "provenance.verified" not in actions
    assert actions.count("asset.checked") == 1
    assert audit_verify_chain().intact


def test_a_large_file_is_rehashed_on_the_checks_thread_while_the_pool_reads_it(
    signer: media.TestSigner, checking: Callable[[bytes], Asset], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From PARALLEL_REHASH_BYTES. The credentials read waits here until the re-hash has run:
    had the check read and then re-hashed one after the other, the read would wait in vain
    and say so."""
    monkeypatch.setattr(pipeline, "PARALLEL_REHASH_BYTES", 0)
    rehashed = threading.Event()
    seen: dict[str, Any] = {}
    real_inspect, real_read = pipeline._inspect_file, provenance_services._read_file

    def inspect(asset: Asset) -> pipeline.CheckOutcome:
        seen["inspect thread"] = threading.current_thread()
        outcome = real_inspect(asset)
        rehashed.set()
        return outcome

    def read(asset: Asset, options: dict[str, Any]) -> Any:
        seen["read thread"] = threading.current_thread()
        seen["rehashed meanwhile"] = rehashed.wait(timeout=10)
        return real_read(asset, options)

    monkeypatch.setattr(pipeline, "_inspect_file", inspect)
    monkeypatch.setattr(provenance_services, "_read_file", read)
    asset = checking(signed_jpeg(signer))

    asset_run_checks(asset_id=asset.pk)

    assert seen["inspect thread"] is threading.current_thread()
    assert seen["read thread"].name.startswith("c2pa")
    assert seen["rehashed meanwhile"] is True
    asset = _checked(asset)
    assert asset.check_error == ""
    assert (asset.width, asset.height) == (96, 64)
    assert ProvenanceReport.objects.get(asset=asset).state == ProvenanceState.VALID


@pytest.mark.parametrize("parallel_from", [0, pipeline.PARALLEL_REHASH_BYTES])
def test_a_file_altered_or_missing_in_storage_is_still_caught(
    signer: media.TestSigner,
    checking: Callable[[bytes], Asset],
    monkeypatch: pytest.MonkeyPatch,
    parallel_from: int,
) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_REHASH_BYTES", parallel_from)
    altered, missing = checking(signed_jpeg(signer)), checking(signed_jpeg(signer))
    with open(altered.file.path, "r+b") as handle:
        handle.seek(-10, 2)
        handle.write(b"\x00" * 10)
    missing.file.storage.delete(missing.file.name)

    asset_run_checks(asset_id=altered.pk)
    asset_run_checks(asset_id=missing.pk)

    assert "no longer matches" in _checked(altered).check_error
    assert _checked(missing).check_error == pipeline.FILE_MISSING
    # What the reader says of a file that is not there is no finding: no report.
    assert not ProvenanceReport.objects.filter(asset=missing).exists()


# --- the trust configuration, once per process ----------------------------------------------


def _pem(signer: media.TestSigner) -> bytes:
    return signer.certs.root_pem.encode()


def test_the_trust_configuration_is_built_once_and_checked_with_one_small_query(
    django_assert_num_queries: DjangoAssertNumQueries,
    signer: media.TestSigner,
    editor: Any,
) -> None:
    trust_list_upload(kind=TrustListKind.ANCHORS, name="Ours", raw=_pem(signer), uploaded_by=editor)
    first = trust.effective_trust()
    with django_assert_num_queries(1) as captured:
        again = trust.effective_trust()
    assert again is first
    assert "pem" not in captured.captured_queries[0]["sql"].lower()


def test_an_upload_or_a_retirement_is_seen_at_once(
    signer: media.TestSigner, editor: Any, checking: Callable[[bytes], Asset]
) -> None:
    """The re-check a trust change starts must read the new trust, in every process."""
    asset = checking(signed_jpeg(signer))
    asset_run_checks(asset_id=asset.pk)
    assert ProvenanceReport.objects.get(asset=asset).state == ProvenanceState.VALID
    before = trust.effective_trust()

    bundle, _recheck = trust_list_upload(
        kind=TrustListKind.ANCHORS, name="Ours", raw=_pem(signer), uploaded_by=editor
    )
    trusted = trust.effective_trust()
    assert trusted.fingerprint != before.fingerprint
    assert provenance_verify_asset(asset_id=asset.pk).state == ProvenanceState.TRUSTED

    trust_list_retire(bundle_id=bundle.pk, actor=editor)
    assert trust.effective_trust().fingerprint == before.fingerprint
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.VALID
    assert report.trust_fingerprint == before.fingerprint


def test_a_bundle_file_replaced_on_disk_is_seen_at_once(
    signer: media.TestSigner, settings: Any, tmp_path: Path
) -> None:
    bundle_file = tmp_path / "anchors.pem"
    settings.C2PA_TRUST_ANCHORS = str(bundle_file)
    empty = trust.effective_trust()
    assert empty.anchors == ""

    replacement = tmp_path / "anchors.pem.new"
    replacement.write_bytes(_pem(signer))
    replacement.replace(bundle_file)  # as an operator's deploy does: a new file, renamed in
    assert trust.effective_trust().anchors == _pem(signer).decode().strip() + "\n"

    other = make_signer("Another Root")
    bundle_file.write_bytes(_pem(other))  # or rewritten in place
    assert trust.effective_trust().anchors == _pem(other).decode().strip() + "\n"
