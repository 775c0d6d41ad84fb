"""Thumbnails from the credentials are kept in file storage, once per image, written before the
check's transaction; a thumbnail storage refuses is left out, never the report; the desk serves
them to those who may see the asset; the migration moves the old database column out and back.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from provenance.models import ProvenanceReport, ProvenanceThumbnail, thumbnail_path
from provenance.services import provenance_read, provenance_verify_asset
from provenance.states import ProvenanceState
from review.models import AssetStatus
from tests.factories import AssetFactory
from tests.provenance.media import make_signer, signed_jpeg
from workflow.pipeline import asset_run_checks

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def edit_of_an_ai_image() -> bytes:
    """A signed edit whose ingredient carries a thumbnail."""
    signer = make_signer(organisation="Thumbnail Agency")
    parent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia", title="parent.jpg")
    return signed_jpeg(signer, parent=parent, title="edit.jpg")


@pytest.fixture
def checking(edit_of_an_ai_image: bytes) -> Any:
    def make() -> Any:
        return AssetFactory(
            status=AssetStatus.CHECKING,
            original_filename="edit.jpg",
            file=ContentFile(edit_of_an_ai_image, name="edit.jpg"),
        )

    return make


@pytest.fixture
def thumb(checking: Any) -> ProvenanceThumbnail:
    """The first thumbnail of a checked asset."""
    asset = checking()
    asset_run_checks(asset_id=asset.pk)
    return ProvenanceThumbnail.objects.filter(report__asset=asset).earliest("pk")


def _read_thumbnails(asset: Any) -> dict[str, tuple[str, bytes]]:
    """What the reader found in the file, straight from the reading."""
    found: dict[str, tuple[str, bytes]] = provenance_read(asset=asset).verification.thumbnails
    assert found, "the edit's ingredient carries a thumbnail"
    return found


def test_a_checks_thumbnails_are_files_named_by_their_content(checking: Any) -> None:
    asset = checking()
    found = _read_thumbnails(asset)

    asset_run_checks(asset_id=asset.pk)

    report = ProvenanceReport.objects.get(asset=asset)
    stored = {t.identifier: t for t in report.thumbnails.all()}
    assert stored.keys() == found.keys()
    for identifier, (media_type, data) in found.items():
        thumb = stored[identifier]
        assert thumb.media_type == media_type
        assert thumb.file.name == thumbnail_path(data)
        with thumb.file.open("rb") as handle:
            assert handle.read() == data


def test_the_same_image_is_stored_once_however_often_it_is_met(
    checking: Any, media_files: Any
) -> None:
    first, second = checking(), checking()
    asset_run_checks(asset_id=first.pk)
    asset_run_checks(asset_id=second.pk)
    provenance_verify_asset(asset_id=first.pk, reason="rerun")

    found = _read_thumbnails(first)
    thumbs = ProvenanceThumbnail.objects.all()
    assert thumbs.count() == 3 * len(found)  # a row per report and identifier
    names = {t.file.name for t in thumbs}
    # One file per image: here even the identifiers of one file share theirs.
    assert names == {thumbnail_path(data) for _, data in found.values()}
    thumbnail_files = [p for p in media_files() if "provenance-thumbnails" in p.parts]
    assert len(thumbnail_files) == len(names)


def test_thumbnails_are_written_before_the_checks_transaction(
    checking: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset = checking()
    open_transactions_at_start = len(connection.atomic_blocks)
    seen: list[int] = []
    original_save = Storage.save

    def save(storage: Storage, name: str, content: Any, **kwargs: Any) -> str:
        seen.append(len(connection.atomic_blocks))
        return original_save(storage, name, content, **kwargs)

    monkeypatch.setattr(Storage, "save", save)
    asset_run_checks(asset_id=asset.pk)

    assert seen, "the thumbnail was saved"
    assert set(seen) == {open_transactions_at_start}


def test_a_thumbnail_storage_refuses_is_left_out_and_the_report_kept(
    checking: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    asset = checking()

    def refuse(storage: Storage, name: str, content: Any, **kwargs: Any) -> str:
        raise OSError("No space left on device")

    monkeypatch.setattr(Storage, "save", refuse)
    with caplog.at_level(logging.ERROR, logger="provenance.services"):
        asset_run_checks(asset_id=asset.pk)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.check_error == ""
    report = ProvenanceReport.objects.get(asset=asset)
    assert report.state == ProvenanceState.VALID
    assert report.ingredient_count == 1
    assert not report.thumbnails.exists()
    assert "could not be stored" in caplog.text


def test_the_desk_serves_the_stored_thumbnail_and_404s_when_it_is_gone(
    thumb: ProvenanceThumbnail, editor_client: Any
) -> None:
    url = reverse("provenance:thumbnail", args=[thumb.pk])

    response = editor_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == default_storage.open(thumb.file.name).read()
    assert response["Content-Type"] == thumb.media_type
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"inline; filename*=UTF-8''thumbnail-{thumb.pk}.jpg"

    default_storage.delete(thumb.file.name)
    assert editor_client.get(url).status_code == 404


def test_a_thumbnail_claiming_to_be_svg_is_only_downloaded(
    thumb: ProvenanceThumbnail, editor_client: Any
) -> None:
    thumb.media_type = "image/svg+xml"  # the credentials name the format, and may lie
    thumb.save(update_fields=["media_type"])

    response = editor_client.get(reverse("provenance:thumbnail", args=[thumb.pk]))
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_thumbnails_out_of_the_database_and_back(
    thumb: ProvenanceThumbnail, media_files: Any
) -> None:
    data = default_storage.open(thumb.file.name).read()
    table = ProvenanceThumbnail._meta.db_table

    executor = MigrationExecutor(connection)
    executor.migrate([("provenance", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {table} WHERE id = %s", [thumb.pk])  # noqa: S608
        assert bytes(cursor.fetchone()[0]) == data

    # From an older desk whose thumbnails were only ever in the database.
    default_storage.delete(thumb.file.name)
    assert not any("provenance-thumbnails" in p.parts for p in media_files())
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("provenance"))

    thumb.refresh_from_db()
    assert thumb.file.name == thumbnail_path(data)
    assert default_storage.open(thumb.file.name).read() == data
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    assert "data" not in columns
