"""Legal finds its exports: the asset's consent PDF from its consent page and card, a person's
PDF from their page and the people list, both from the dashboard, and the exports page from the
header. Each link shows only to those the PDF or page would answer, and leads to a file."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from consent.services import person_create
from tests.consent.helpers import record_consent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DOWNLOAD = "Download consent record (PDF)"


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def _page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.mark.parametrize("who", ["reporter", "editor", "legal"])
def test_the_asset_consent_page_and_card_link_to_the_pdf_that_opens(
    request, who, asset, subject_party
):
    client = request.getfixturevalue(f"{who}_client")
    pdf_url = reverse("consent:asset_pdf", args=[asset.pk])
    page = _page(client, reverse("consent:asset", args=[asset.pk]))
    card = _page(client, reverse("consent:summary", args=[asset.pk]), headers=HTMX)
    for html in (page, card):
        assert DOWNLOAD in html and pdf_url in _hrefs(html)
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_only_legal_is_shown_the_exports_page_from_the_card(
    asset, subject_party, legal_client, editor_client
):
    exports = reverse("consent:exports")
    card = reverse("consent:summary", args=[asset.pk])
    assert exports in _hrefs(_page(legal_client, card, headers=HTMX))
    assert exports not in _hrefs(_page(editor_client, card, headers=HTMX))


def test_the_person_page_links_legal_to_the_persons_pdf(
    asset, subject_party, reporter, legal_client, reporter_client
):
    record_consent(subject_party, collected_by=reporter)
    person_url = reverse("consent:person", args=[subject_party.person_id])
    person_pdf = reverse("consent:person_pdf", args=[subject_party.person_id])
    asset_pdf = reverse("consent:asset_pdf", args=[asset.pk])

    legal_page = _page(legal_client, person_url)
    assert {person_pdf, asset_pdf} <= _hrefs(legal_page)
    assert "consent record (PDF)" in legal_page
    assert legal_client.get(person_pdf)["Content-Type"] == "application/pdf"
    # The reporter may see the person and their asset's PDF, never the PDF across assets.
    reporter_page = _page(reporter_client, person_url)
    assert asset_pdf in _hrefs(reporter_page) and person_pdf not in _hrefs(reporter_page)
    assert reporter_client.get(person_pdf).status_code == 403


def test_the_people_list_links_legal_to_each_persons_pdf(reporter, legal_client, reporter_client):
    # The reporter entered them, so both see them on the list.
    people = [person_create(actor=reporter, full_name=f"Person {i}") for i in range(3)]
    pdfs = {reverse("consent:person_pdf", args=[p.pk]) for p in people}
    legal_list = _page(legal_client, reverse("consent:people"))
    assert pdfs <= _hrefs(legal_list)
    # The accessible name says whose record it is, not just "PDF".
    assert 'PDF<span class="visually-hidden"> of the consent record of Person 0</span>' in (
        legal_list
    )
    reporter_list = _page(reporter_client, reverse("consent:people"))
    assert "Person 0" in reporter_list and not pdfs & _hrefs(reporter_list)


def test_the_people_list_with_pdf_links_costs_no_more_queries_per_person(
    reporter, legal_client, django_assert_num_queries
):
    for i in range(12):
        person_create(actor=reporter, full_name=f"Person {i:02}")
    # session, user, roles with permissions (one), count, the page of people with their guardians:
    # asking whether the reader may have the PDFs reads the permissions already loaded.
    with django_assert_num_queries(5):
        page = _page(legal_client, reverse("consent:people"))
    assert page.count("/consent.pdf") == 12


def test_the_dashboard_links_each_asset_to_its_pdf_and_to_the_exports(
    asset, subject_party, legal_client
):
    page = _page(legal_client, reverse("consent:dashboard"))
    hrefs = _hrefs(page)
    assert reverse("consent:asset_pdf", args=[asset.pk]) in hrefs
    assert reverse("consent:exports") in hrefs
    assert f'PDF<span class="visually-hidden"> of the consent record of #{asset.pk}</span>' in (
        page
    )


def test_the_exports_page_says_where_single_records_are(legal_client):
    hrefs = _hrefs(_page(legal_client, reverse("consent:exports")))
    assert {reverse("consent:dashboard"), reverse("consent:people")} <= hrefs


@pytest.mark.parametrize(
    ("who", "shown"),
    [("legal", True), ("editor", False), ("reporter", False), ("standards", False)],
)
def test_the_header_links_those_who_may_export_to_the_exports_page(request, who, shown):
    client = request.getfixturevalue(f"{who}_client")
    page = _page(client, reverse("review:queue"))
    header = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    assert (f'href="{reverse("consent:exports")}">Exports</a>' in header) is shown
    exports = client.get(reverse("consent:exports"))
    assert exports.status_code == (200 if shown else 403)
