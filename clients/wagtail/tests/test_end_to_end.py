"""The Wagtail integration against a live Proofdesk: real HTTP both ways, real signed webhooks
on loopback.

* approved in Proofdesk -> publishing in Wagtail works, readers get the signed rendition with
  the label and JSON-LD, and Proofdesk knows where it is published;
* an asset Proofdesk has not checked -> publishing is refused with Proofdesk's own reasons;
* a takedown in Proofdesk -> the Wagtail page is unpublished and Proofdesk counts the takedown
  confirmed (the time it took is printed).
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from live_proofdesk import LiveProofdesk
from proofdesk_client import ProofdeskClient
from testsite.models import NewsPage
from wagtail.images.models import Image
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text
from wagtail_proofdesk.models import AssetState, Publication, ReceivedWebhook

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT_SECONDS = 30.0


def publish_new_page(
    admin: Client, parent: Page, *, title: str, asset_id: int, image: Image
) -> Response:
    """What the editor does: a new news page with a Proofdesk asset, then Publish."""
    data = nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "body": rich_text("<p>Water reached the first floors overnight.</p>"),
            "proofdesk_assets": inline_formset(
                [{"asset_id": asset_id, "image": image.pk, "document": ""}]
            ),
            "comments": inline_formset([]),
            "action-publish": "action-publish",
        }
    )
    url = reverse("wagtailadmin_pages:add", args=["testsite", "newspage", parent.pk])
    return admin.post(url, data)


def messages_of(response: Response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def api(proofdesk: LiveProofdesk) -> ProofdeskClient:
    return ProofdeskClient(proofdesk.url, proofdesk.token)


def wait_for(predicate: Any, what: str, proofdesk: LiveProofdesk) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"gave up after {WAIT_SECONDS:.0f} s waiting for {what}; Proofdesk's log:\n"
                f"{proofdesk.log_tail()}"
            )
        time.sleep(0.1)


def test_an_asset_approved_in_proofdesk_is_published_with_its_signed_rendition(
    connected: LiveProofdesk, admin_client: Client, home: Page, picture: Image, live_server: Any
) -> None:
    asset_id = connected.desk("ready-asset", "--story", "flood", "--seed", "1")["asset_id"]

    response = publish_new_page(
        admin_client, home, title="Flood night", asset_id=asset_id, image=picture
    )

    assert response.status_code == 302, messages_of(response)
    assert not [m for m in messages_of(response) if "Proofdesk" in m], messages_of(response)
    page = NewsPage.objects.get(slug="flood-night")
    assert page.live

    # The signed, labeled rendition, downloaded and checked, is what the page shows.
    clearance = api(connected).get_clearance(asset_id)
    assert clearance.rendition is not None and clearance.label is not None
    state = AssetState.objects.get(asset_id=asset_id)
    assert state.signed_image is not None
    assert state.rendition_sha256 == clearance.rendition.sha256
    html = requests.get(f"{live_server.url}{page.url}", timeout=10).text
    assert clearance.label.html in html
    assert '<script type="application/ld+json">' in html
    assert state.signed_image.file.url in html
    served = requests.get(f"{live_server.url}{state.signed_image.file.url}", timeout=10)
    assert hashlib.sha256(served.content).hexdigest() == clearance.rendition.sha256

    # Proofdesk was told where: the asset is published there now.
    publication = Publication.objects.get(page=page, asset_id=asset_id)
    assert publication.reported_at is not None
    assert publication.public_url == page.get_full_url()
    assert clearance.status == "published"


def test_an_asset_proofdesk_has_not_checked_is_refused_with_proofdesks_reasons(
    connected: LiveProofdesk, admin_client: Client, home: Page, picture: Image
) -> None:
    asset_id = connected.desk("unchecked-asset", "--story", "flood", "--seed", "2")["asset_id"]
    reasons = api(connected).get_clearance(asset_id).clearance.reasons
    assert reasons  # Proofdesk says why, in its own words

    response = publish_new_page(
        admin_client, home, title="Flood morning", asset_id=asset_id, image=picture
    )

    page = NewsPage.objects.get(slug="flood-morning")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    shown = messages_of(response)
    assert f"Proofdesk has not cleared asset {asset_id}: " + " ".join(reasons) in shown
    assert "The page was saved as a draft and not published." in shown
    assert not page.live
    assert page.get_latest_revision() is not None  # the editor's work is kept
    assert not Publication.objects.filter(page=page).exists()
    assert api(connected).get_clearance(asset_id).status == "in_review"
    # The edit page the editor lands on shows the reasons too.
    followed = admin_client.get(response["Location"])
    assert reasons[0] in followed.content.decode()


def test_a_takedown_in_proofdesk_unpublishes_the_page_and_is_confirmed(
    connected: LiveProofdesk, admin_client: Client, home: Page, picture: Image
) -> None:
    asset_id = connected.desk("ready-asset", "--story", "flood", "--seed", "3")["asset_id"]
    publish_new_page(admin_client, home, title="Flood day", asset_id=asset_id, image=picture)
    page = NewsPage.objects.get(slug="flood-day")
    assert page.live

    started = time.monotonic()
    decided = connected.desk("takedown", str(asset_id))
    wait_for(
        lambda: not NewsPage.objects.get(pk=page.pk).live,
        "the page to be unpublished",
        connected,
    )
    incident: dict[str, Any] = {}

    def confirmed() -> bool:
        incident.update(connected.desk("incident", str(decided["incident_id"])))
        return incident["takedown_confirmed_at"] is not None

    wait_for(confirmed, "Proofdesk to count the takedown confirmed", connected)
    elapsed = time.monotonic() - started
    took = datetime.fromisoformat(incident["takedown_confirmed_at"]) - datetime.fromisoformat(
        incident["decided_at"]
    )
    print(
        f"\ntakedown: decided in Proofdesk -> page unpublished in Wagtail -> confirmed in "
        f"Proofdesk in {took.total_seconds() * 1000:.0f} ms (Proofdesk's clocks); "
        f"{elapsed:.2f} s including the desk's process start"
    )
    assert incident["asset_status"] == "taken_down"
    assert incident["cms_notified_at"] is not None

    publication = Publication.objects.get(page=page, asset_id=asset_id)
    assert publication.unpublished_at is not None
    assert publication.unpublish_reported_at is not None
    assert publication.unpublish_reason == (
        f"Takedown requested by Proofdesk (incident {decided['incident_id']})."
    )
    handled = list(
        ReceivedWebhook.objects.filter(asset_id=asset_id)
        .order_by("sequence")
        .values_list("type", "outcome")
    )
    assert handled == [
        ("asset.cleared", "applied"),
        ("asset.clearance_revoked", "applied"),
        ("asset.takedown_requested", "applied"),
    ]
    assert all(w.processed_at is not None for w in ReceivedWebhook.objects.all())


def test_a_page_is_not_published_unchecked_when_proofdesk_cannot_be_reached(
    admin_client: Client, home: Page, picture: Image, settings: Any
) -> None:
    settings.PROOFDESK = {"BASE_URL": "http://127.0.0.1:9", "TOKEN": "pd_x", "MAX_ATTEMPTS": 1}

    response = publish_new_page(admin_client, home, title="Flood noon", asset_id=7, image=picture)

    page = NewsPage.objects.get(slug="flood-noon")
    assert not page.live
    assert not NewsPage.objects.live().filter(pk=page.pk).exists()
    (refusal,) = [m for m in messages_of(response) if m.startswith("Proofdesk has not cleared")]
    assert "Proofdesk could not be asked" in refusal


def test_the_bulk_publish_action_refuses_a_page_with_an_uncleared_asset(
    admin_client: Client, home: Page, picture: Image, settings: Any
) -> None:
    """The explorer's bulk "Publish" goes through the same check as the editor's button: a
    draft with an asset Proofdesk has not cleared stays a draft, and the editor is told why."""
    settings.PROOFDESK = {"BASE_URL": "http://127.0.0.1:9", "TOKEN": "pd_x", "MAX_ATTEMPTS": 1}
    first = publish_new_page(admin_client, home, title="Flood dusk", asset_id=7, image=picture)
    page = NewsPage.objects.get(slug="flood-dusk")
    assert not page.live  # refused once already, kept as a draft
    admin_client.get(first["Location"])  # the edit page the editor lands on shows that refusal

    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    response = admin_client.post(
        f"{url}?id={page.pk}&next=/admin/pages/{home.pk}/", {"include_descendants": ""}
    )

    page.refresh_from_db()
    assert not page.live
    assert not NewsPage.objects.live().filter(pk=page.pk).exists()
    assert not Publication.objects.filter(page=page).exists()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{home.pk}/"
    shown = messages_of(response)
    (refusal,) = [m for m in shown if m.startswith("Proofdesk has not cleared")]
    assert "Proofdesk could not be asked" in refusal
    assert "No page was published." in shown
