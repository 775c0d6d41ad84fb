"""Consent PDFs: real files read back with poppler-utils. What a judge reads (pdftotext) holds
every party, hash, waiver and revocation; what a machine reads (the attached JSON) equals what
the database says; the file is PDF/A-3b; only the right people get it, and each download is
audited."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.chain import event_hash
from audit.models import AuditEvent
from consent.completeness import consent_completeness
from consent.evidence.records import document_sha256, record_document
from consent.exports.pdf import (
    RenderInTransaction,
    asset_consent_pdf,
    asset_dossier,
    bulk_asset_renderer,
    person_consent_pdf,
)
from consent.exports.pdf_writer import JSON_NAME, PdfJob, RendererProcess, RenderFailed
from consent.models import ConsentMethod, ConsentRecord, PartyRole, Person
from consent.services import party_add, person_create
from review.models import MediaKind
from tests.consent.export_helpers import (
    WAIVER_WHY,
    consent_scenario,
    flat,
    pdf_attachments,
    pdf_json,
    pdf_meta,
    pdf_objects,
    pdf_text,
)
from tests.consent.helpers import record_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(asset, reporter, legal):
    return consent_scenario(asset, reporter, legal)


def _hashes(record: ConsentRecord) -> list[str]:
    values = [record.statement_sha256, record.record_sha256, record.signature_sha256]
    return [v for v in [*values, record.evidence_sha256] if v]


# --- what a judge reads --------------------------------------------------------------------------


def test_asset_pdf_text_holds_every_party_hash_waiver_and_revocation(asset, scenario, tmp_path):
    text = pdf_text(asset_consent_pdf(asset), tmp_path)
    words = flat(text)

    for name in ["Cy Creator", "Ada Subject", "Milo Minor", "Gwen Guardian"]:
        assert name in words
    assert "Unidentified person" in words
    assert "Woman in a red coat, background left" in words
    # Hashes are printed whole on one line each (monospace, never broken), so they are found
    # in the raw text, not only once the lines are joined.
    assert asset.sha256 in text
    for record in scenario.records:
        for value in _hashes(record):
            assert value in text, f"{value} of record {record.pk} missing or split"
    # The waiver, prominently: its basis and the whole justification.
    assert "CONSENT WAIVED BY LEGAL" in words
    assert "Satire or parody" in words
    assert WAIVER_WHY in words
    # The revocation, and the verdict it leads to.
    assert "REVOKED on" in words
    assert "How it reached the newsroom: E-mail to the desk" in words
    assert "Consent is NOT complete" in words
    assert "Ada Subject (person depicted): consent revoked on" in words
    # Method, device and evidence of each kind of signing.
    assert "Signed on screen, by remote link".lower() in words
    assert "198.51.100.23" in words and "203.0.113.7" in words
    assert "release.pdf (application/pdf): evidence file held by the newsroom" in words
    assert "Milo Minor, as guardian of a minor depicted; given by their guardian Gwen" in words
    assert "✓ They may revoke their consent, and how" in words
    # Every version, newest first; the statement texts they read are in the appendix.
    assert words.index("version 2: current") < words.index("version 1: superseded by version 2")
    assert "Territories: EU, UK." in words and "Territories: worldwide." in words


def test_each_statement_text_is_printed_once_and_every_record_names_it_by_number_and_hash(
    asset, scenario, tmp_path
):
    words = flat(pdf_text(asset_consent_pdf(asset), tmp_path))
    # Four records, three texts: the minor's guardian read the same text as Ada (same role,
    # scope and term); the creator's two versions differ in territories.
    texts = {r.statement_sha256: r.statement_text for r in scenario.records}
    assert len(texts) == 3
    numbers = {}
    for sha256 in texts:
        assert words.count(f"SHA-256 of this text: {sha256}") == 1
        found = re.search(
            r"Statement S(\d): Consent to the use of synthetic or altered media Text "
            r"synthetic-media, version 1 \(en\), with the record's scope SHA-256 of this text: "
            + sha256,
            words,
        )
        assert found, sha256
        numbers[sha256] = found.group(1)
    assert sorted(numbers.values()) == ["1", "2", "3"]
    # The body of each text once, in the appendix, after the first record that quotes it.
    assert words.count("I give this consent freely and have had the chance to ask questions.") == 3
    assert words.count("This consent is for media item #") == 3
    assert words.index("Appendix: the statements as shown") < words.index("I give this consent")
    for record in scenario.records:
        sha256 = record.statement_sha256
        assert (
            f"printed in full as statement S{numbers[sha256]} in the appendix SHA-256 {sha256}"
            in words
        ), record.signed_name
    # Who read each one, so a reader can go from the text back to the records.
    assert f"Gwen Guardian for Milo Minor (asset #{asset.pk}, record version 1)" in words


def test_certificate_lists_every_consent_event_with_its_hash(asset, scenario, legal, tmp_path):
    text = pdf_text(asset_consent_pdf(asset), tmp_path)
    events = AuditEvent.objects.filter(
        object_type="review.asset", object_id=str(asset.pk), action__startswith="consent."
    )
    people = AuditEvent.objects.filter(object_type="consent.person", action="person.created")
    # 4 parties, 1 link, 4 signatures, 1 waiver, 1 revocation
    assert events.count() == 11 and people.count() == 4
    for event in [*events, *people]:
        assert event.hash in text, event.action
    words = flat(text)
    certificate = words[words.index("Certificate: audit trail") :]
    # Event names in words (tests/consent/test_pdf_certificate.py has the details).
    assert "Consent revoked Version 1 for Ada Subject" in certificate and "lena_legal" in words
    # The remote signature has no newsroom actor but the signer's address.
    assert "Consent signed by remote link" in certificate and "system 198.51.100.23" in certificate
    assert "How to verify this document" in words


def test_pdf_is_pdfa_3b_with_the_json_attached_as_data(asset, scenario, tmp_path):
    pdf = asset_consent_pdf(asset)
    meta = pdf_meta(pdf, tmp_path)
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    assert re.search(r"PDF version: +1\.7", meta) and "pts (A4)" in meta
    assert list(pdf_attachments(pdf, tmp_path / "detached")) == [JSON_NAME]
    # PDF/A-3 associated file: listed in the catalog's /AF, relationship Data, typed JSON.
    objects = pdf_objects(pdf)
    assert b"/AFRelationship /Data" in objects
    assert b"/Subtype /application#2fjson" in objects
    assert re.search(rb"/AF \[\d+ 0 R", objects)


def test_embedded_json_equals_the_database(asset, scenario, tmp_path):
    pdf = asset_consent_pdf(asset)
    attached = pdf_attachments(pdf, tmp_path)[JSON_NAME]
    data = pdf_json(pdf, tmp_path / "again")
    # The PDF prints the attachment's sha256, so a reader can tell it is the one.
    assert hashlib.sha256(attached).hexdigest() in pdf_text(pdf, tmp_path)

    assert data["kind"] == "asset"
    assert data["asset"]["id"] == asset.pk and data["asset"]["sha256"] == asset.sha256
    records = ConsentRecord.objects.filter(asset=asset).order_by("party__role", "party", "-version")
    assert data["records"] == [
        {
            **record_document(r),
            "record_sha256": r.record_sha256,
            "statement_text": r.statement_text,
        }
        for r in records
    ]
    for entry in data["records"]:
        # What a verifier does with the file alone.
        document = {k: v for k, v in entry.items() if k not in {"record_sha256", "statement_text"}}
        assert document_sha256(document) == entry["record_sha256"]
        text = entry["statement_text"].encode("utf-8")
        assert hashlib.sha256(text).hexdigest() == entry["statement"]["text_sha256"]

    revoked = scenario.records[2]
    [lapse] = data["lapses"]
    assert (lapse["kind"], lapse["record_sha256"]) == ("revoked", revoked.record_sha256)
    assert (lapse["party_id"], lapse["version"], lapse["recorded_by"]) == (
        scenario.subject.pk,
        1,
        "lena_legal",
    )
    [waiver] = data["waivers"]
    assert (waiver["party_id"], waiver["basis"], waiver["justification"]) == (
        scenario.unidentified.pk,
        "satire",
        WAIVER_WHY,
    )
    verdict = consent_completeness(asset)
    assert data["completeness"] == {"complete": False, "missing": verdict.missing}
    assert {p["id"] for p in data["parties"]} == {
        scenario.creator.pk,
        scenario.subject.pk,
        scenario.minor.pk,
        scenario.unidentified.pk,
    }

    events = data["audit_events"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    stored = {e.seq: e for e in AuditEvent.objects.filter(seq__in=[e["seq"] for e in events])}
    for entry in events:
        # The chain hash recomputes from the JSON alone.
        fields = {k: entry[k] for k in entry if k not in {"hash", "created_at"}}
        assert event_hash(created_at=stored[entry["seq"]].created_at, **fields) == entry["hash"]
        assert entry["hash"] == stored[entry["seq"]].hash


def test_person_pdf_lists_all_their_assets_and_names_no_one_else(
    asset, scenario, make_asset, reporter, tmp_path
):
    ada = scenario.subject.person
    second = make_asset(original_filename="second-photo.jpg")
    party = party_add(asset_id=second.pk, actor=reporter, role=PartyRole.SUBJECT, person=ada)
    again = record_consent(party, collected_by=reporter, method=ConsentMethod.SIGNED_IN_PERSON)

    pdf = person_consent_pdf(ada)
    text = pdf_text(pdf, tmp_path)
    words = flat(text)
    assert "Consent record of Ada Subject" in words
    for item in (asset, second):
        assert item.original_filename in words and item.sha256 in text
    assert again.record_sha256 in text and scenario.records[2].record_sha256 in text
    # Other people on the same asset are counted, never named.
    assert "Cy Creator" not in words and "Milo Minor" not in words
    assert "3 other people are recorded on this media item" in words

    data = pdf_json(pdf, tmp_path / "json")
    assert data["kind"] == "person" and data["person"]["id"] == ada.pk
    assert [a["id"] for a in data["assets"]] == [asset.pk, second.pk]
    assert {r["party"]["id"] for r in data["records"]} == {scenario.subject.pk, party.pk}


def test_guardian_pdf_holds_the_consent_they_gave_for_the_minor(asset, scenario, tmp_path):
    gwen = Person.objects.get(full_name="Gwen Guardian")
    text = pdf_text(person_consent_pdf(gwen), tmp_path)
    assert scenario.records[3].record_sha256 in text
    assert "Milo Minor" in flat(text)


def test_a_record_changed_since_signing_is_flagged_not_hidden(asset, scenario, tmp_path):
    # A renamed person changes the record document; the PDF says so instead of printing a
    # hash that no longer recomputes.
    Person.objects.filter(full_name="Ada Subject").update(full_name="Ada Renamed")
    pdf = asset_consent_pdf(asset)
    words = flat(pdf_text(pdf, tmp_path))
    assert "not to the hash recorded at signing" in words
    [entry] = [
        r
        for r in pdf_json(pdf, tmp_path / "j")["records"]
        if r["person"]["id"] == (scenario.subject.person_id)
    ]
    document = {k: v for k, v in entry.items() if k not in {"record_sha256", "statement_text"}}
    assert document_sha256(document) != entry["record_sha256"]


def test_tampered_signature_image_is_not_shown(asset, scenario, tmp_path):
    record = scenario.records[3]
    with record.signature_image.storage.open(record.signature_image.name, "wb") as handle:
        handle.write(b"not the signature")
    words = flat(pdf_text(asset_consent_pdf(asset), tmp_path))
    assert "does not match the SHA-256 recorded at signing" in words


def test_image_asset_gets_a_thumbnail_and_video_a_note(asset, make_asset, tmp_path):
    assert asset_dossier(asset).assets[0].thumbnail_uri.startswith("data:image/jpeg;base64,")
    video = make_asset(media_kind=MediaKind.VIDEO, media_type="video/mp4")
    entry = asset_dossier(video).assets[0]
    assert entry.thumbnail_uri == ""
    assert "No thumbnail for video media" in flat(pdf_text(asset_consent_pdf(video), tmp_path))


def test_nothing_on_record_still_renders_and_says_so(asset, reporter, tmp_path):
    words = flat(pdf_text(asset_consent_pdf(asset), tmp_path / "asset"))
    assert "Consent is NOT complete" in words and "No creator recorded" in words
    assert "No consent events recorded." in words
    nobody = person_create(actor=reporter, full_name="Nora Nobody")
    words = flat(pdf_text(person_consent_pdf(nobody), tmp_path / "person"))
    assert "Consent record of Nora Nobody" in words and "Media items 0" in words


def test_queries_do_not_grow_with_parties(asset, scenario, reporter):
    with CaptureQueriesContext(connection) as few:
        asset_dossier(asset)
    for i in range(3):
        person = person_create(actor=reporter, full_name=f"Extra Person {i}")
        party = party_add(asset_id=asset.pk, actor=reporter, role="subject", person=person)
        record_consent(party, collected_by=reporter)
    with CaptureQueriesContext(connection) as more:
        asset_dossier(asset)
    # parties, records, completeness (parties + records), audit events
    assert len(more.captured_queries) == len(few.captured_queries) == 5


def test_rendering_is_refused_inside_a_transaction(asset):
    with transaction.atomic(), pytest.raises(RenderInTransaction):
        asset_consent_pdf(asset)


def test_bulk_renderer_renders_in_child_processes_it_replaces(asset, scenario, tmp_path):
    in_process = pdf_json(asset_consent_pdf(asset), tmp_path / "here")
    with bulk_asset_renderer(recycle_after=2) as render:
        pdfs = [render(asset) for _ in range(3)]
        child = render.process.pid
    # Three documents, a new process after two: none of them this one.
    assert render.process.started == 2 and child not in (None, os.getpid())
    for n, pdf in enumerate(pdfs):
        data = pdf_json(pdf, tmp_path / f"child{n}")
        assert data["records"] == in_process["records"]


def test_renderer_process_reports_a_failed_render(settings, tmp_path):
    job = PdfJob("<p>x</p>", b"{}", str(tmp_path / "missing.css"), timezone.now())
    with RendererProcess(cwd=settings.BASE_DIR) as renderer:
        with pytest.raises(RenderFailed, match="missing.css"):
            renderer.render(job)
        # The process survives a failed document and renders the next one.
        css = str(finders.find("css/consent-pdf.css"))
        ok = PdfJob("<p>x</p>", b"{}", css, timezone.now())
        assert renderer.render(ok).startswith(b"%PDF-")
        assert renderer.started == 1


# --- downloads -----------------------------------------------------------------------------------


@pytest.fixture
def signed(asset, reporter):
    person = person_create(actor=reporter, full_name="Cy Creator")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.CREATOR, person=person)
    return record_consent(party, collected_by=reporter)


def _exports():
    return AuditEvent.objects.filter(action="consent.exported")


@pytest.mark.parametrize("who", ["reporter", "editor", "legal"])
def test_asset_pdf_download_for_those_who_see_consent(request, who, asset, signed):
    client = request.getfixturevalue(f"{who}_client")
    response = client.get(reverse("consent:asset_pdf", args=[asset.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="consent-asset-{asset.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-1.7")
    [event] = _exports()
    assert (event.object_type, event.object_id) == ("review.asset", str(asset.pk))
    assert event.actor == request.getfixturevalue(who)
    assert event.details == {
        "kind": "asset",
        "sha256": hashlib.sha256(response.content).hexdigest(),
        "size": len(response.content),
        "ip": "127.0.0.1",
        "via": "download",
    }


@pytest.mark.parametrize("who", ["other_reporter", "standards", "outsider"])
def test_asset_pdf_refused_to_others(request, who, asset, signed):
    client = request.getfixturevalue(f"{who}_client")
    # Another reporter may not see the asset at all: 404, as if there were none.
    expected = 404 if who == "other_reporter" else 403
    assert client.get(reverse("consent:asset_pdf", args=[asset.pk])).status_code == expected
    assert not _exports().exists()


def test_asset_pdf_needs_login_get_and_an_asset(client, legal_client, asset):
    url = reverse("consent:asset_pdf", args=[asset.pk])
    assert client.get(url).status_code == 302
    assert legal_client.post(url).status_code == 405
    missing = reverse("consent:asset_pdf", args=[asset.pk + 1000])
    assert legal_client.get(missing).status_code == 404
    assert not _exports().exists()


def test_person_pdf_is_legal_only(legal, legal_client, reporter_client, editor_client, signed):
    url = reverse("consent:person_pdf", args=[signed.person_id])
    assert reporter_client.get(url).status_code == 403
    assert editor_client.get(url).status_code == 403
    assert legal_client.post(url).status_code == 405
    assert not _exports().exists()

    response = legal_client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment;" in response["Content-Disposition"]
    [event] = _exports()
    assert (event.object_type, event.object_id) == ("consent.person", str(signed.person_id))
    assert event.actor == legal and event.details["kind"] == "person"
    assert event.details["sha256"] == hashlib.sha256(response.content).hexdigest()


def test_person_pdf_does_not_reveal_which_ids_exist(legal_client, reporter_client, signed):
    missing = reverse("consent:person_pdf", args=[signed.person_id + 1000])
    assert legal_client.get(missing).status_code == 404
    assert reporter_client.get(missing).status_code == 403
