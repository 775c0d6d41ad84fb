"""The public report form: anyone reports harm by the page's address (matched to the asset
through the CMS's publications) or by a description; floods, bots, huge and hostile input get a
clear answer and change nothing they should not; the reporter's e-mail reaches standards only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from incidents.models import Incident, IncidentSource, PublicReport, Severity
from integrations.models import Integration, Publication
from integrations.publications import asset_for_public_url, comparable_url
from review.models import AssetStatus
from signoff.models import SignOff
from tests.conftest import client_for
from tests.readiness import sign_off_directly

pytestmark = pytest.mark.django_db
REPORT = "/report/"
PAGE = "https://news.example.org/2026/12/flood-story"


@pytest.fixture
def published(make_asset):
    asset = sign_off_directly(make_asset(status=AssetStatus.PUBLISHED))
    Publication.objects.create(
        asset=asset,
        integration=Integration.objects.create(name="cms"),
        cms_reference="flood-story/photo",
        public_url=PAGE,
        signoff=SignOff.objects.get(asset=asset),
    )
    return asset


def _send(client=None, **fields):
    data = {"url": "", "harm_category": "mislabeled", "description": "", "email": "", **fields}
    return (client or Client()).post(REPORT, data)


def test_a_report_by_the_pages_address_opens_an_incident_on_that_asset(published):
    response = _send(
        url=PAGE + "/?utm_source=social#photo",
        description="The label says illustration but the caption says photo.",
        email="reader@example.net",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "we received your report" in content
    report = PublicReport.objects.get()
    assert f"R-{report.pk}" in content
    incident = Incident.objects.get()
    assert report.incident == incident
    assert incident.asset == published and incident.source == IncidentSource.PUBLIC
    assert incident.reported_by is None and incident.severity == Severity.MEDIUM
    event = AuditEvent.objects.get(action="incident.public_report_received")
    assert "reader@example.net" not in str(event.details)  # the chain keeps no e-mail


def test_a_report_that_matches_nothing_waits_in_the_inbox(published, standards):
    response = _send(url="https://elsewhere.example.com/page", description="A fake photo.")
    assert response.status_code == 200
    assert "could not match the address" in response.content.decode()
    report = PublicReport.objects.get()
    assert report.incident is None and not Incident.objects.exists()
    inbox = client_for(standards).get(reverse("incidents:inbox")).content.decode()
    assert f"R-{report.pk}" in inbox and "A fake photo." in inbox


def test_the_reporters_email_is_shown_to_standards_only(published, standards, editor):
    _send(url=PAGE, description="Wrong label.", email="reader@example.net")
    page = reverse("incidents:asset_incidents", args=[published.pk])
    assert "reader@example.net" in client_for(standards).get(page).content.decode()
    assert "reader@example.net" not in client_for(editor).get(page).content.decode()


def test_a_description_alone_is_enough_and_nothing_at_all_is_refused():
    assert _send(description="A deepfake of the mayor on your homepage.").status_code == 200
    empty = _send()
    assert empty.status_code == 400
    content = empty.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_description"' in content  # the summary links to the field
    assert "Give the page&#x27;s address, or tell us where you saw it." in content
    assert PublicReport.objects.count() == 1


def test_a_non_url_and_an_unknown_category_are_refused_with_a_clear_message():
    response = _send(url="javascript:alert(1)", harm_category="nonsense", description="x")
    assert response.status_code == 400
    content = response.content.decode()
    assert "starting with https://" in content
    assert "Select a valid choice." in content
    assert not PublicReport.objects.exists()


def test_html_and_script_are_kept_as_text_and_escaped(standards):
    _send(description='<script>alert("x")</script><b>bold</b>')
    report = PublicReport.objects.get()
    assert report.description == '<script>alert("x")</script><b>bold</b>'
    inbox = client_for(standards).get(reverse("incidents:inbox")).content.decode()
    assert "<script>alert" not in inbox and "&lt;script&gt;" in inbox


def test_size_caps():
    assert _send(description="x" * 5001).status_code == 400
    assert _send(url="https://example.org/" + "a" * 600, description="x").status_code == 400
    assert not PublicReport.objects.exists()


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_kept():
    response = _send(description="Buy cheap watches", website="http://spam.example")
    assert response.status_code == 200
    assert "we received your report" in response.content.decode()
    assert not PublicReport.objects.exists()


def test_reports_are_rate_limited_per_address(settings):
    settings.PUBLIC_REPORT_RATE_LIMIT = "2/h"
    flood = Client(REMOTE_ADDR="198.51.100.9")
    codes = [_send(flood, description=f"report {n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert PublicReport.objects.count() == 2
    assert _send(Client(REMOTE_ADDR="198.51.100.10"), description="other").status_code == 200


def test_a_report_on_a_taken_down_asset_is_kept_for_the_inbox(published, editor, standards):
    published.status = AssetStatus.TAKEN_DOWN  # as the takedown service leaves it
    published.save(update_fields=["status"])
    assert _send(url=PAGE, description="Still cached somewhere.").status_code == 200
    assert PublicReport.objects.get().incident is None


def test_the_form_page_answers_get_and_post_only():
    assert Client().get(REPORT).status_code == 200
    assert Client().put(REPORT).status_code == 405


@pytest.mark.parametrize(
    "left, right",
    [
        ("https://News.example.org/a/", "http://news.example.org/a"),
        ("https://news.example.org/a?utm_source=x#top", "https://news.example.org/a"),
        ("https://news.example.org:443/a", "https://news.example.org/a"),
    ],
)
def test_addresses_compare_as_people_mean_them(left, right):
    assert comparable_url(left) == comparable_url(right)


def test_a_different_page_does_not_match(published):
    assert asset_for_public_url(PAGE) == published.pk
    assert asset_for_public_url(PAGE + "-2") is None
    assert asset_for_public_url("not a url") is None


def test_the_form_in_spanish_with_its_errors():
    page = Client().get(REPORT, {"lang": "es"}).content.decode()
    assert '<html lang="es">' in page and "Informar de un problema con algo que publicamos" in page
    assert "Mal etiquetado: la etiqueta es incorrecta o falta" in page
    refused = Client().post(REPORT + "?lang=es", {"url": "ftp://x", "harm_category": ""})
    content = refused.content.decode()
    assert refused.status_code == 400
    assert "Hay un problema" in content
    assert "empezando por https://" in content
    assert "Este campo es obligatorio." in content
    done = Client().post(
        REPORT + "?lang=es", {"harm_category": "other", "description": "Un vídeo falso."}
    )
    assert "Gracias: hemos recibido su aviso" in done.content.decode()
