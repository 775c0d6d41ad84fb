"""The public corrections log, its Atom feed, and the disclosure page of each published asset:
what the audience is told, and nothing of a person."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from consent.models import Person
from incidents.models import Decision, HarmCategory, IncidentSource, Severity
from incidents.services import incident_decide, incident_report
from labeling.models import Label
from review.models import Asset, AssetStatus
from tests.incidents.helpers import relabel_as, report_mislabeled
from tests.integrations.api_helpers import cleared_labeled_asset
from tests.labeling.conftest import signing_keys
from tests.readiness import make_ready_for_signoff

__all__ = ["signing_keys"]

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
CORRECTION = "The caption said this was a photograph; it is an AI-generated illustration."


def _decide(asset, reporter, standards, decision, public_note=""):
    incident = incident_report(
        asset_id=asset.pk,
        reported_by=reporter,
        harm_category=HarmCategory.MISLABELED,
        severity=Severity.HIGH,
        description="Reader e-mail: the caption is wrong. Internal detail, never public.",
        source=IncidentSource.STAFF,
    )
    return incident_decide(
        incident_id=incident.pk,
        actor=standards,
        decision=decision,
        public_note=public_note,
        note="Checked with the photo desk (internal).",
    )


@pytest.fixture
def corrected(make_asset, editor, standards):
    asset = make_ready_for_signoff(make_asset(status=AssetStatus.PUBLISHED))
    return asset, _decide(asset, editor, standards, Decision.CORRECTION, CORRECTION)


def test_a_correction_is_in_the_log_on_its_own_page_and_in_the_feed(corrected):
    asset, incident = corrected
    log = Client().get("/corrections/").content.decode()
    assert CORRECTION in log
    assert f'href="/corrections/{incident.pk}/?lang=en"' in log
    assert f'href="/disclosures/{asset.uid.hex}/?lang=en"' in log

    page = Client().get(f"/corrections/{incident.pk}/")
    assert page.status_code == 200 and CORRECTION in page.content.decode()

    feed = Client().get("/corrections/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Correction of a published image"
    assert CORRECTION in (entry.findtext(f"{ATOM}summary") or "")
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert (link.get("href") or "").endswith(f"/corrections/{incident.pk}/")


def test_a_takedown_without_a_public_note_still_says_what_happened(make_asset, editor, standards):
    asset = make_asset(status=AssetStatus.PUBLISHED)
    incident = _decide(asset, editor, standards, Decision.TAKEDOWN)
    page = Client().get(f"/corrections/{incident.pk}/").content.decode()
    assert "We took this image down: mislabeled: the label is wrong or missing." in page
    disclosure = Client().get(f"/disclosures/{asset.uid.hex}/").content.decode()
    assert "We took this image down on" in disclosure


def test_no_action_and_open_incidents_are_not_notices(make_asset, editor, standards):
    asset = make_asset(status=AssetStatus.PUBLISHED)
    nothing = _decide(asset, editor, standards, Decision.NO_ACTION)
    assert Client().get(f"/corrections/{nothing.pk}/").status_code == 404
    assert "No correction has been published." in Client().get("/corrections/").content.decode()


def test_the_disclosure_page_says_how_it_was_made_and_how_consent_was_obtained(corrected):
    asset, _ = corrected
    response = Client().get(reverse("public:disclosure", args=[asset.uid.hex]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "About this image" in content
    assert "Written consent from the creator." in content
    assert CORRECTION in content
    assert "Corrections" in content


@pytest.mark.parametrize("status", [AssetStatus.IN_REVIEW, AssetStatus.APPROVED])
def test_an_asset_not_published_has_no_public_page(make_asset, status):
    asset = make_asset(status=status)
    assert Client().get(f"/disclosures/{asset.uid.hex}/").status_code == 404


def test_unknown_and_malformed_public_ids_are_404():
    assert Client().get("/disclosures/" + "0" * 32 + "/").status_code == 404
    assert Client().get("/disclosures/not-an-id/").status_code == 404
    assert Client().get("/corrections/999999/").status_code == 404


def test_the_log_is_paged(make_asset, editor, standards):
    for _ in range(21):
        asset = make_asset(status=AssetStatus.PUBLISHED)
        _decide(asset, editor, standards, Decision.CORRECTION, CORRECTION)
    first = Client().get("/corrections/").content.decode()
    assert first.count('<article class="card"') == 20 and "Page 1 of 2" in first
    second = Client().get("/corrections/", {"page": 2}).content.decode()
    assert second.count('<article class="card"') == 1


def test_no_public_page_of_a_seeded_desk_shows_a_persons_data(signing_keys, standards, editor):
    """Every public page, after seed_demo and a correction and a takedown on its published
    assets, scanned for every seeded person's name, e-mail and phone, the desk's usernames
    and internal notes."""
    call_command("seed_demo", stdout=io.StringIO())
    published = list(Asset.objects.filter(status=AssetStatus.PUBLISHED))
    assert published, "seed_demo publishes an asset"
    _decide(published[0], editor, standards, Decision.CORRECTION, CORRECTION)
    _decide(published[0], editor, standards, Decision.TAKEDOWN)

    pages = ["/policy/", "/policy/synthetic-media/", "/policy/synthetic-media/history/"]
    pages += ["/policy/synthetic-media/?lang=es", "/labels/", "/labels/?lang=es"]
    pages += ["/corrections/", "/corrections/feed/"]
    public = Asset.objects.filter(status__in=[AssetStatus.PUBLISHED, AssetStatus.TAKEN_DOWN])
    pages += [f"/disclosures/{asset.uid.hex}/" for asset in public]
    client = Client()
    bodies = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[path] = response.content.decode()
    for path in [p for p in bodies if p.startswith("/corrections/")]:
        for pk in set(re.findall(r"/corrections/(\d+)/", bodies[path])):
            bodies[f"/corrections/{pk}/"] = client.get(f"/corrections/{pk}/").content.decode()

    secrets = {"Internal detail, never public", "Checked with the photo desk"}
    for person in Person.objects.all():
        secrets |= {value for value in (person.full_name, person.email, person.phone) if value}
    # The desk's people: the usernames of this test's staff (the demo's, "editor" and the like,
    # are ordinary words the policy itself uses).
    secrets |= {editor.get_username(), standards.get_username()}
    assert len(secrets) > 8  # the demo has people on file
    for path, body in bodies.items():
        for secret in secrets:
            assert secret not in body, f"{secret!r} appears on {path}"
        assert "/media" not in body and "/renditions/" not in body, path


def test_the_log_the_notice_and_the_disclosure_page_in_spanish(
    corrected, make_asset, editor, standards
):
    asset, incident = corrected
    taken = make_asset(status=AssetStatus.PUBLISHED)
    down = _decide(taken, editor, standards, Decision.TAKEDOWN)
    log = Client().get("/corrections/", {"lang": "es"}).content.decode()
    assert '<html lang="es">' in log and "Correcciones y retiradas" in log
    assert "Corrección" in log and "Retirada" in log
    notice = Client().get(f"/corrections/{down.pk}/", {"lang": "es"}).content.decode()
    assert "Retiramos este contenido (imagen): mal etiquetado: la etiqueta es incorrecta" in notice
    page = Client().get(f"/disclosures/{asset.uid.hex}/", {"lang": "es"}).content.decode()
    assert "Sobre este contenido" in page
    assert "Consentimiento por escrito del autor." in page
    assert "Captado con una cámara o una grabadora." in page


def test_the_feed_in_spanish(make_asset, editor, standards):
    asset = make_asset(status=AssetStatus.PUBLISHED)
    incident = _decide(asset, editor, standards, Decision.TAKEDOWN)
    feed = Client().get("/corrections/feed/?lang=es")
    root = ET.fromstring(feed.content)
    assert "correcciones y retiradas" in (root.findtext(f"{ATOM}title") or "")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Retirada: imagen"
    assert "Retiramos este contenido (imagen)" in (entry.findtext(f"{ATOM}summary") or "")
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert (link.get("href") or "").endswith(f"/corrections/{incident.pk}/?lang=es")
    # An unknown language is English, as on the pages.
    english = ET.fromstring(Client().get("/corrections/feed/?lang=xx").content)
    assert "corrections and takedowns" in (english.findtext(f"{ATOM}title") or "")


def test_a_relabel_shows_its_notice_and_the_new_label(
    make_asset, editor, standards, signing_keys, django_capture_on_commit_callbacks
):
    asset = cleared_labeled_asset(make_asset, editor)
    incident = report_mislabeled(asset, editor)
    note = "We relabeled this picture: it is an AI illustration, not AI-generated news imagery."
    with django_capture_on_commit_callbacks(execute=True):
        relabel_as(incident, standards, "ai-illustration", note)
    new_label = Label.objects.filter(asset=asset).latest("version")
    log = Client().get("/corrections/").content.decode()
    assert note in log and "Relabel" in log
    # Back in review (the relabel voided the sign-off), and the page stays: a CMS may still
    # show the asset, and its label links here.
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    disclosure = Client().get(f"/disclosures/{asset.uid.hex}/").content.decode()
    assert note in disclosure
    assert new_label.name in disclosure
