"""Consent on object storage: the signature drawn on the pad and an uploaded release are stored
in the bucket and served from it; the consent PDF is made from what the bucket holds; a bulk
export's ZIP is written to the bucket and downloaded from it."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from consent.models import ConsentExport, ConsentMethod, ConsentRecord, ExportStatus, PartyRole
from consent.services import party_add, person_create
from review.models import Asset
from tests.conftest import client_for
from tests.consent.export_helpers import pdf_json, pdf_text, poppler
from tests.consent.helpers import record_consent, release_pdf
from tests.consent.test_views_desk import record_data
from tests.factories import jpeg_bytes
from tests.review.helpers import new_asset
from tests.storage.conftest import Bucket

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def photo(reporter) -> Asset:
    return new_asset(
        uploaded_by=reporter,
        file=ContentFile(jpeg_bytes(size=(400, 300)), name="crowd.jpg"),
        story_ref="story-s3",
    )


@pytest.fixture
def party(photo, reporter) -> Any:
    person = person_create(actor=reporter, full_name="Ada Subject", email="ada@example.org")
    return party_add(asset_id=photo.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


def evidence_url(record: ConsentRecord, kind: str) -> str:
    return reverse("consent:evidence", args=[record.pk, kind])


def served(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:  # read to the end, the test client closes it
        return b"".join(response.streaming_content)
    return bytes(response.content)


def test_a_signature_drawn_on_the_pad_is_stored_in_the_bucket_and_served_from_it(
    party, photo, reporter_client, legal_client, s3_storage: Bucket
):
    response = reporter_client.post(
        reverse("consent:record", args=[party.pk]), record_data(), headers=HTMX
    )
    assert response.status_code == 200

    record = ConsentRecord.objects.get()
    name = record.signature_image.name
    assert sorted(s3_storage.object_keys()) == sorted([photo.file.name, name])
    stored = s3_storage.read(name)
    assert stored.startswith(b"\x89PNG")
    assert hashlib.sha256(stored).hexdigest() == record.signature_sha256
    assert served(legal_client, evidence_url(record, "signature")) == stored


def test_an_uploaded_release_is_stored_in_the_bucket_and_served_from_it(
    party, reporter_client, legal_client, s3_storage: Bucket
):
    release = release_pdf()
    release_bytes = release.read()
    release.seek(0)
    response = reporter_client.post(
        reverse("consent:record", args=[party.pk]),
        record_data(method=ConsentMethod.UPLOADED_RELEASE, signature="", evidence=release),
        headers=HTMX,
    )
    assert response.status_code == 200

    record = ConsentRecord.objects.get()
    assert not record.signature_image
    stored = s3_storage.read(record.evidence_file.name)
    assert stored == release_bytes
    assert hashlib.sha256(stored).hexdigest() == record.evidence_sha256
    assert served(legal_client, evidence_url(record, "evidence")) == stored


def test_the_consent_pdf_is_made_from_the_signature_and_original_in_the_bucket(
    party, photo, reporter, legal_client, s3_storage: Bucket, tmp_path: Path
):
    record = record_consent(party, collected_by=reporter)
    assert record.signature_image.name in s3_storage.object_keys()

    pdf = served(legal_client, reverse("consent:asset_pdf", args=[photo.pk]))

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path / "pdf")
    # Both read back from the bucket: had either read failed, the PDF would say so instead.
    assert "missing from storage" not in text
    assert "does not match the SHA-256" not in text
    assert "Thumbnail unavailable" not in text
    assert "Ada Subject" in text
    [entry] = pdf_json(pdf, tmp_path / "json")["records"]
    assert entry["signature_sha256"] == record.signature_sha256
    # The original (400x300, as its thumbnail) and the signature (600x200) are drawn in it.
    listing = subprocess.run(
        [poppler("pdfimages"), "-list", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    rows = [line.split() for line in listing.splitlines()[2:]]
    images = {(int(row[3]), int(row[4])) for row in rows if row[2] == "image"}
    assert {(400, 300), (600, 200)} <= images, listing

    # With the signature gone from the bucket, the PDF says so: it reads the bucket each time.
    s3_storage.server.client().delete_object(
        Bucket=s3_storage.name, Key=record.signature_image.name
    )
    pdf = served(legal_client, reverse("consent:asset_pdf", args=[photo.pk]))
    assert "The signature image is missing from storage." in pdf_text(pdf, tmp_path / "gone")


def test_a_bulk_export_is_written_to_the_bucket_and_downloaded_from_it(
    party,
    photo,
    reporter,
    legal,
    legal_client,
    s3_storage: Bucket,
    django_capture_on_commit_callbacks,
):
    record_consent(party, collected_by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = legal_client.post(reverse("consent:exports"), {"story_ref": "story-s3"})
    assert response.status_code == 302

    export = ConsentExport.objects.get()
    assert (export.status, export.error) == (ExportStatus.DONE, "")
    stored = s3_storage.read(export.file.name)
    assert hashlib.sha256(stored).hexdigest() == export.sha256
    assert served(client_for(legal), reverse("consent:export_download", args=[export.pk])) == stored
    archive = zipfile.ZipFile(io.BytesIO(stored))
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["asset_id"] for entry in manifest["files"]] == [photo.pk]
    assert archive.read(manifest["files"][0]["name"]).startswith(b"%PDF-")
