"""The issue's "done when", through HTTP only, as the desk and the person use it: a reporter
adds four people and collects consent from three (in person on the signature pad, by a remote
link the person signs on the public page, by an uploaded signed release), legal waives the
fourth and revokes one, then downloads the asset's PDF from its URL.

The PDF is read back with poppler-utils: `pdftotext` for what a judge reads (every party, every
statement hash, the asset's sha256) and `pdfdetach` for the attached JSON, which is compared
with the rows read straight from the models and the files in storage, never through
`consent.evidence.records.record_document`, which the export itself uses.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from consent.evidence.records import document_sha256
from consent.exports.pdf_writer import JSON_NAME
from consent.models import (
    ConsentLapse,
    ConsentMethod,
    ConsentRecord,
    ConsentWaiver,
    InformedPoint,
    Party,
)
from tests.consent.export_helpers import flat, pdf_attachments, pdf_text
from tests.consent.helpers import default_statement, signature_data_url
from tests.consent.media import pdf_bytes, upload

pytestmark = pytest.mark.django_db

POINTS = [point.value for point in InformedPoint]
WAIVER_WHY = "Satirical sketch of a crowd, labeled as satire; nobody in it is identifiable."
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"


def _ok(response, *codes: int) -> None:
    assert response.status_code in (codes or (302,)), response.content.decode()[:2000]


def _add_person(client: Client, asset, **fields: str) -> Party:
    _ok(
        client.post(
            reverse("consent:party_add", args=[asset.pk]),
            {"role": "subject", "who": "new", **fields},
        )
    )
    if fields.get("who") == "unidentified":
        return Party.objects.get(asset=asset, person__isnull=True)
    return Party.objects.get(asset=asset, person__full_name=fields["full_name"])


def _consent_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "statement": default_statement().pk,
        "acknowledged": POINTS,
        "uses": "Illustration of the story",
        "channels": "web, print",
        "territories": "",
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "method": ConsentMethod.SIGNED_IN_PERSON,
        "signature": signature_data_url(),
        "witness_name": "",
        "role": "",
        "supersedes": "",
    }
    data.update(overrides)
    return data


def _sign_remotely(reporter_client: Client, party: Party) -> str:
    """The reporter makes a link on the desk; the person opens it on a phone (no account, CSRF
    enforced as in a browser), reads the text and signs. Returns the text the page showed."""
    made = reporter_client.post(
        reverse("consent:link_create", args=[party.pk]),
        {
            "statement": default_statement().pk,
            "uses": "Illustration of the story",
            "channels": "web",
            "territories": "",
            "valid_from": date.today().isoformat(),
            "valid_until": "",
            "lifetime_days": "7",
        },
        headers={"HX-Request": "true"},
    )
    _ok(made, 200)
    [path] = re.findall(r'readonly id="link-\d+-url" value="[^"]*?(/c/[^"/]+/)"', made.text)

    phone = Client(enforce_csrf_checks=True)
    page = phone.get(path, headers={"User-Agent": PHONE})
    _ok(page, 200)
    [csrf] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    hashes = re.findall(r'name="shown_sha256" value="([0-9a-f]{64})"', page.text)
    assert len(hashes) == 1
    shown: str = hashes[0]
    signed = phone.post(
        path,
        {
            "csrfmiddlewaretoken": csrf,
            "shown_sha256": shown,
            "acknowledged": POINTS,
            "signed_name": "Ada Remote",
            "signature": signature_data_url(),
        },
        headers={"User-Agent": PHONE},
        REMOTE_ADDR="198.51.100.77",
    )
    _ok(signed, 200)
    assert "Thank you, Ada Remote" in signed.text
    return shown


def _file_sha256(field) -> str:
    with field.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def test_consent_collected_waived_revoked_and_exported_through_the_desk(
    asset, reporter, reporter_client, legal, legal_client, tmp_path
):
    # --- the reporter: four people on the asset, consent from three --------------------------
    creator = _add_person(
        reporter_client, asset, role="creator", full_name="Cy Pad", email="cy@example.org"
    )
    remote = _add_person(reporter_client, asset, full_name="Ada Remote", email="ada@example.org")
    released = _add_person(reporter_client, asset, full_name="Bo Release", phone="+44 7700 900123")
    unknown = _add_person(
        reporter_client, asset, who="unidentified", description="Man in a grey cap, far right"
    )

    _ok(
        reporter_client.post(
            reverse("consent:record", args=[creator.pk]),
            _consent_form(signed_name="Cy Pad", witness_name="Wanda Witness"),
            headers={"User-Agent": "Desk tablet"},
            REMOTE_ADDR="203.0.113.10",
        )
    )
    shown = _sign_remotely(reporter_client, remote)
    release = pdf_bytes()
    _ok(
        reporter_client.post(
            reverse("consent:record", args=[released.pk]),
            _consent_form(
                method=ConsentMethod.UPLOADED_RELEASE,
                signature="",
                signed_name="Bo Release",
                evidence=upload("bo-release.pdf", release),
            ),
        )
    )

    # --- legal: a waiver for the fourth, a revocation of one -----------------------------------
    _ok(
        legal_client.post(
            reverse("consent:waive", args=[unknown.pk]),
            {"basis": "satire", "justification": WAIVER_WHY},
        )
    )
    revoked = ConsentRecord.objects.get(party=released)
    _ok(
        legal_client.post(
            reverse("consent:revoke", args=[revoked.pk]),
            {"how": "Letter from Bo Release", "note": "No longer agrees."},
        )
    )

    # The remote signature is still the current consent of its party: nothing superseded or
    # revoked it, and the verdict misses only the revoked release.
    signed_remotely = ConsentRecord.objects.get(party=remote)
    assert signed_remotely.method == ConsentMethod.SIGNED_REMOTELY
    assert signed_remotely.collected_by is None
    assert signed_remotely.ip_address == "198.51.100.77" and signed_remotely.user_agent == PHONE
    assert signed_remotely.statement_sha256 == shown  # what the phone showed is what is stored
    assert not ConsentRecord.objects.filter(supersedes=signed_remotely).exists()
    assert not ConsentLapse.objects.filter(record=signed_remotely).exists()
    assert ConsentRecord.objects.filter(asset=asset).count() == 3

    # --- the PDF, from its URL ---------------------------------------------------------------
    response = legal_client.get(reverse("consent:asset_pdf", args=[asset.pk]))
    _ok(response, 200)
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf, tmp_path / "text")
    words = flat(text)

    # What a judge reads: every party, every statement hash, the file's own sha256.
    with asset.file.open("rb") as handle:
        file_sha256 = hashlib.sha256(handle.read()).hexdigest()
    assert file_sha256 == asset.sha256
    assert file_sha256 in text
    for name in ("Cy Pad", "Ada Remote", "Bo Release"):
        assert name in words
    assert "Unidentified person" in words and "Man in a grey cap, far right" in words
    records = list(
        ConsentRecord.objects.filter(asset=asset).select_related("statement").order_by("pk")
    )
    for record in records:
        assert record.statement_sha256 in text, record.signed_name
        assert record.record_sha256 in text, record.signed_name
    assert "CONSENT WAIVED BY LEGAL" in words and WAIVER_WHY in words
    assert "REVOKED on" in words and "Letter from Bo Release" in words
    assert "Ada Remote (person depicted)" not in words  # not listed as missing
    assert (
        "Person depicted: Ada Remote Covered by consent (version 1). "
        "Consent record, version 1: current" in words
    )
    assert "Bo Release (person depicted): consent revoked on" in words

    # What a machine reads: the attachment, against the rows and the stored files.
    attached = pdf_attachments(pdf, tmp_path / "json")
    data = json.loads(attached[JSON_NAME])
    assert hashlib.sha256(attached[JSON_NAME]).hexdigest() in text

    asset.refresh_from_db()
    assert data["asset"] == {
        "id": asset.pk,
        "sha256": file_sha256,
        "filename": asset.original_filename,
        "media_type": asset.media_type,
        "media_kind": asset.media_kind,
        "size_bytes": asset.file.size,
        "story_ref": asset.story_ref,
        "status": asset.status,
    }
    parties = Party.objects.filter(asset=asset).select_related("person").order_by("role", "pk")
    assert [(p["id"], p["role"], p["description"]) for p in data["parties"]] == [
        (p.pk, p.role, p.description) for p in parties
    ]
    assert [p["person"] and p["person"]["name"] for p in data["parties"]] == [
        p.person.full_name if p.person else None for p in parties
    ]

    by_id = {record.pk: record for record in records}
    entries = {(e["party"]["id"], e["version"]): e for e in data["records"]}
    assert len(entries) == len(records) == 3
    for record in records:
        entry = entries[(record.party_id, record.version)]
        assert entry["asset"] == {"id": asset.pk, "sha256": file_sha256}
        assert entry["party"]["role"] == Party.objects.get(pk=record.party_id).role
        assert entry["person"] == {"id": record.person_id, "name": record.person.full_name}
        assert entry["role"] == record.role and entry["signer"] is None
        assert entry["signed_name"] == record.signed_name
        assert entry["statement"] == {
            "key": record.statement.key,
            "version": record.statement.version,
            "language": record.statement.language,
            "text_sha256": record.statement_sha256,
        }
        assert entry["acknowledged"] == sorted(record.acknowledged) == sorted(POINTS)
        assert entry["scope"] == {
            "uses": record.uses,
            "channels": record.channels,
            "territories": record.territories,
            "valid_from": _iso(record.valid_from),
            "valid_until": _iso(record.valid_until),
        }
        assert entry["method"] == record.method
        assert entry["signed_at"] == _iso(record.signed_at)
        assert entry["ip_address"] == record.ip_address
        assert entry["user_agent"] == record.user_agent
        assert entry["witness_name"] == record.witness_name
        assert entry["collected_by"] == (
            record.collected_by.username if record.collected_by else None
        )
        assert entry["supersedes"] is None and entry["version"] == 1
        assert entry["record_sha256"] == record.record_sha256
        # The statement, as the person read it, recomputes to the hash in the attachment.
        assert entry["statement_text"] == record.statement_text
        assert (
            hashlib.sha256(entry["statement_text"].encode("utf-8")).hexdigest()
            == entry["statement"]["text_sha256"]
        )
        # The record's hash recomputes from the attachment alone.
        document = {k: v for k, v in entry.items() if k not in {"record_sha256", "statement_text"}}
        assert document_sha256(document) == record.record_sha256
        # Signature and evidence hashes are those of the files in storage.
        if record.signature_image:
            assert entry["signature_sha256"] == _file_sha256(record.signature_image)
        else:
            assert entry["signature_sha256"] is None
        if record.evidence_file:
            assert entry["evidence"] == {
                "sha256": _file_sha256(record.evidence_file),
                "media_type": "application/pdf",
                "filename": "bo-release.pdf",
            }
            assert entry["evidence"]["sha256"] == hashlib.sha256(release).hexdigest()
        else:
            assert entry["evidence"] is None
    assert {e["method"] for e in data["records"]} == {
        ConsentMethod.SIGNED_IN_PERSON,
        ConsentMethod.SIGNED_REMOTELY,
        ConsentMethod.UPLOADED_RELEASE,
    }
    assert by_id[revoked.pk].method == ConsentMethod.UPLOADED_RELEASE

    lapse = ConsentLapse.objects.get()
    assert data["lapses"] == [
        {
            "asset_id": asset.pk,
            "party_id": released.pk,
            "version": 1,
            "record_sha256": revoked.record_sha256,
            "kind": "revoked",
            "effective_at": _iso(lapse.effective_at),
            "how": "Letter from Bo Release",
            "note": "No longer agrees.",
            "recorded_by": legal.username,
            "recorded_at": _iso(lapse.created_at),
        }
    ]
    waiver = ConsentWaiver.objects.get()
    assert data["waivers"] == [
        {
            "asset_id": asset.pk,
            "party_id": unknown.pk,
            "basis": "satire",
            "basis_label": "Satire or parody",
            "justification": WAIVER_WHY,
            "granted_by": legal.username,
            "granted_at": _iso(waiver.created_at),
        }
    ]
    assert data["completeness"]["complete"] is False
    assert len(data["completeness"]["missing"]) == 1
    assert data["completeness"]["missing"][0].startswith("Bo Release (person depicted)")

    # Every consent event on the asset is in the attachment, with its chain hash, except the
    # export itself, recorded once the PDF was made (with the PDF's own sha256).
    stored = AuditEvent.objects.filter(
        object_type="review.asset", object_id=str(asset.pk), action__startswith="consent."
    ).order_by("seq")
    exported = stored.get(action="consent.exported")
    assert exported.details["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert exported.actor == legal
    stored = stored.exclude(pk=exported.pk)
    listed = {e["seq"]: e for e in data["audit_events"]}
    for event in stored:
        assert listed[event.seq]["hash"] == event.hash and listed[event.seq]["action"] == (
            event.action
        )
        assert event.hash in text
    assert [e.action for e in stored].count("consent.recorded") == 3
    assert {"consent.waived", "consent.revoked", "consent.link_created"} <= {
        e.action for e in stored
    }
