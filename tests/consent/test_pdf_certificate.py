"""The consent PDF's certificate as legal reads it: events named in words (audit.words), details
in words without ids or flags, no views or copies of the record among the changes, nobody named
who is not in the document already, and hashes kept inside their column."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from consent.exports.pdf import NOT_CONSENT_CHANGES, asset_consent_pdf, person_consent_pdf
from consent.exports.pdf_writer import PdfJob, write_pdf
from consent.models import Person
from consent.remote.services import consent_link_cancel, consent_link_create
from consent.services import consent_evidence_viewed
from tests.consent.export_helpers import (
    consent_scenario,
    flat,
    pdf_json,
    pdf_text,
    poppler,
    save,
)
from tests.consent.helpers import default_statement, scope

pytestmark = pytest.mark.django_db

# What the old certificate printed: codes, key: value pairs, ids and Python's booleans.
RAW = re.compile(
    r"\b(?:person|consent)\.[a-z_]+\b|\b(?:party|record|link|waiver|alert|guardian) id\b"
    r"|\bminor: |\bTrue\b|\bFalse\b|\b(?:signed_in_person|signed_remotely|uploaded_release)\b"
)


@pytest.fixture
def scenario(asset, reporter, legal):
    return consent_scenario(asset, reporter, legal)


def _certificate(pdf: bytes, folder) -> str:
    words = flat(pdf_text(pdf, folder))
    return words[words.index("Certificate: audit trail") : words.index("How to verify")]


def test_the_certificate_names_events_and_their_details_in_words(asset, scenario, tmp_path):
    certificate = _certificate(asset_consent_pdf(asset), tmp_path)

    assert RAW.findall(certificate) == []
    for said in [
        "Person added Cy Creator",
        "Person added Milo Minor, a minor; guardian: Gwen Guardian",
        "Person added to the media item Ada Subject, person depicted",
        "Unidentified person depicted, described as “Woman in a red coat, background left”",
        "Remote consent link created For Cy Creator, creator; the link works until",
        "Consent signed by remote link Version 1 for Cy Creator, creator; typed name: Cy Creator",
        "Consent recorded in person Version 2 for Cy Creator, creator; typed name: Cy Creator; "
        "replaces version 1",
        "Signed release recorded Version 1 for Ada Subject, person depicted",
        "Version 1 for Milo Minor, person depicted, given by their guardian Gwen Guardian",
        "Consent waived by legal For unidentified person depicted, described as",
        "basis: satire or parody",
        "Consent revoked Version 1 for Ada Subject, person depicted; effective ",
        "how it reached the newsroom: E-mail to the desk",
    ]:
        assert said in certificate, said


def test_views_and_copies_of_the_record_are_not_listed_as_changes(
    asset, scenario, legal, legal_client, tmp_path
):
    record = scenario.records[2]
    for _ in range(2):
        consent_evidence_viewed(actor=legal, record=record, kind="evidence", ip_address="192.0.2.1")
    assert legal_client.get(reverse("consent:asset_pdf", args=[asset.pk])).status_code == 200
    ada = scenario.subject.person
    assert legal_client.get(reverse("consent:person_pdf", args=[ada.pk])).status_code == 200
    left_out = AuditEvent.objects.filter(action__in=NOT_CONSENT_CHANGES)
    assert left_out.filter(action="consent.evidence_viewed").count() == 2
    assert left_out.filter(action="consent.exported").count() == 2

    for pdf, folder in [
        (asset_consent_pdf(asset), tmp_path / "asset"),
        (person_consent_pdf(ada), tmp_path / "person"),
    ]:
        text = pdf_text(pdf, folder)
        for event in left_out:
            assert event.hash not in text, event.action
        assert "Consent evidence viewed" not in text and "exported" not in text
        # The attached record lists the same events as the certificate.
        data = pdf_json(pdf, folder / "json")
        actions = {e["action"] for e in data["audit_events"]}
        assert actions and not actions & NOT_CONSENT_CHANGES
        assert "consent.recorded" in actions


def test_a_persons_certificate_names_nobody_else(asset, scenario, tmp_path):
    ada = scenario.subject.person
    certificate = _certificate(person_consent_pdf(ada), tmp_path)
    assert RAW.findall(certificate) == []
    assert "Person added Ada Subject" in certificate
    assert "Consent revoked Version 1 for Ada Subject, person depicted" in certificate
    for other in ["Cy Creator", "Gwen", "Milo", "Woman in a red coat", "satire"]:
        assert other not in certificate, other


def test_a_guardians_certificate_names_the_minor_and_the_guardian(asset, scenario, tmp_path):
    gwen = Person.objects.get(full_name="Gwen Guardian")
    certificate = _certificate(person_consent_pdf(gwen), tmp_path)
    assert "Person added Gwen Guardian" in certificate
    assert "Version 1 for Milo Minor, person depicted, given by their guardian Gwen" in (
        certificate
    )
    assert "Ada Subject" not in certificate and "Cy Creator" not in certificate


def test_a_cancelled_link_names_the_party_its_creation_named(asset, scenario, reporter, tmp_path):
    link, _token = consent_link_create(
        party_id=scenario.subject.pk,
        actor=reporter,
        statement=default_statement(),
        scope=scope(),
    )
    consent_link_cancel(link_id=link.pk, actor=reporter)
    certificate = _certificate(asset_consent_pdf(asset), tmp_path)
    assert "Remote consent link cancelled For Ada Subject, person depicted" in certificate
    assert RAW.findall(certificate) == []


def test_every_certificate_event_has_a_hash_printed_whole(asset, scenario, tmp_path):
    text = pdf_text(asset_consent_pdf(asset), tmp_path)
    events = AuditEvent.objects.exclude(action__in=NOT_CONSENT_CHANGES)
    assert events.count() == 15  # 4 people, 4 parties, 1 link, 4 signatures, 1 waiver, 1 revocation
    for event in events:
        assert event.hash in text, event.action  # on one line: not broken, not cut off


# --- hashes stay inside their column ---------------------------------------------------------

HASH = "9fd81da671088e30f50925638ba8d3852d1cf4e45613ee3b8516224227dc7cf7"
COLUMN = 40 * 72 / 25.4  # in points: narrower than 64 monospace digits at any size the PDF uses
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([0-9a-f]+)<')


def _hash_width(css_path: str, tmp_path) -> float:
    """How wide the hash is laid out in a cell COLUMN wide, from its left edge to the right edge
    of its longest line."""
    html = (
        f'<html><body><table style="width: {COLUMN}pt"><tr><td>'
        f'<span class="hash">{HASH}</span></td></tr></table></body></html>'
    )
    path = save(write_pdf(PdfJob(html, b"{}", css_path, timezone.now())), tmp_path)
    boxes = subprocess.run(
        [poppler("pdftotext"), "-bbox", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # The cell is at the top of the page: the page number in the footer is left out.
    words = [
        (float(x_min), float(x_max), text)
        for x_min, y_min, x_max, text in WORD.findall(boxes)
        if float(y_min) < 300
    ]
    assert "".join(text for _a, _b, text in words) == HASH  # all of it, in order
    return max(x_max for _a, x_max, _t in words) - min(x_min for x_min, _b, _t in words)


def test_a_long_hash_wraps_inside_a_narrow_column(tmp_path):
    stylesheet = str(finders.find("css/consent-pdf.css"))
    assert _hash_width(stylesheet, tmp_path / "ours") <= COLUMN
    # The same cell without the wrapping rules runs out of it: the check above can fail.
    plain = tmp_path / "plain.css"
    plain.write_text('.hash { font-family: "DejaVu Sans Mono"; font-size: 7.6pt; }')
    assert _hash_width(str(plain), tmp_path / "plain") > COLUMN + 100
