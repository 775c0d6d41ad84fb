"""The whole path of a harmful published asset, in a browser, against the demo desk: a member of
the public reports it by the address of the page where they saw it; the standards desk finds the
report in its inbox and takes the asset down; the CMS (the example receiver, on loopback) gets
the signed `asset.takedown_requested` and confirms through the API; the asset reads taken down;
the corrections log, its feed and the disclosure page show the notice; the transparency page
counts the takedown and the time it took. Screenshots of each public page go to var/."""

from __future__ import annotations

import io
import json
import threading
import uuid
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Page, expect

from examples.webhook_receiver import Receiver, make_handler
from incidents.models import Incident
from integrations.models import Integration, Publication, WebhookEndpoint
from integrations.signing import generate_secret
from integrations.tokens import token_create
from review.models import Asset, AssetStatus
from signoff.models import SignOff
from tests.browser.helpers import log_in, screenshot, serious_axe_violations
from tests.labeling.conftest import signing_keys

__all__ = ["signing_keys"]

PAGE = "https://news.example.org/2026/12/ai-portrait-explainer"
DEMO_ASSET = "ai-portrait-explainer.jpg"


class Cms:
    """The newsroom's CMS: receives Proofdesk's webhooks through the example receiver and, told
    to take an asset down, removes its page and reports the removal through the API."""

    def __init__(self, api: str, token: str, secret: str) -> None:
        self.api, self.token = api, token
        self.events: list[dict[str, Any]] = []
        self.confirmations: list[int] = []
        self.receiver = Receiver([secret], handler=self.handle)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.receiver))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/proofdesk"

    def handle(self, msg_id: str, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["type"] != "asset.takedown_requested":
            return
        asset_id = event["data"]["asset_id"]
        response = requests.post(
            f"{self.api}/api/v1/assets/{asset_id}/unpublications",
            data=json.dumps({"cms_reference": "portrait-explainer", "reason": "Taken down."}),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
            timeout=10,
        )
        self.confirmations.append(response.status_code)


@pytest.fixture
def demo_desk(signing_keys, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()
    asset = Asset.objects.get(original_filename=DEMO_ASSET, status=AssetStatus.PUBLISHED)
    integration = Integration.objects.create(name="Main CMS")
    _, token = token_create(integration=integration, scopes=["assets:read", "assets:publish"])
    secret = generate_secret()
    cms = Cms(live_server.url, token, secret)
    cms.thread.start()
    WebhookEndpoint.objects.create(integration=integration, url=cms.url, secret=secret)
    Publication.objects.create(
        asset=asset,
        integration=integration,
        cms_reference="portrait-explainer",
        public_url=PAGE,
        signoff=SignOff.objects.get(asset=asset, voided_at__isnull=True),
    )
    yield asset, cms
    cms.server.shutdown()


def test_a_reported_asset_is_taken_down_confirmed_and_published_as_a_correction(
    page: Page, demo_desk
):
    asset, cms = demo_desk

    # A member of the public, on a phone, reports what they saw on the newsroom's page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/report/")
    page.get_by_label("Address of the page where you saw it").fill(PAGE + "?utm_source=share")
    page.get_by_label("What is wrong with it").select_option("mislabeled")
    page.get_by_label("Tell us more").fill("The portrait is labeled as a photo of a real person.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="Thank you: we received your report")).to_be_visible()
    screenshot(page, "public-report-received.png")
    incident = Incident.objects.get(asset=asset)
    assert incident.source == "public"

    # The standards desk sees the marker in the queue, finds the report in the inbox and takes
    # the asset down before triage, in one click and a confirmation.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "standards", "standards-demo")
    page.goto("/")
    expect(page.get_by_role("link", name="1 open incident")).to_be_visible()
    page.get_by_role("link", name="Incidents", exact=True).click()
    expect(page.get_by_role("heading", name="Open reports (1)")).to_be_visible()
    expect(page.get_by_text("(not triaged)")).to_be_visible()
    page.get_by_role("link", name=f"Take down #{asset.pk} now").click()
    expect(
        page.get_by_role("heading", name=f"Take down #{asset.pk} {DEMO_ASSET} now?")
    ).to_be_visible()
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Yes, take it down now").click()
    expect(page.get_by_text(f"Taken down (incident {incident.pk}).")).to_be_visible()

    # The CMS got the signed webhook and confirmed the removal through the API.
    types = [event["type"] for event in cms.events]
    assert "asset.takedown_requested" in types
    assert cms.confirmations == [200]
    asset.refresh_from_db()
    incident.refresh_from_db()
    assert asset.status == AssetStatus.TAKEN_DOWN
    assert incident.takedown_confirmed_at is not None
    page.reload()
    expect(page.get_by_text("CMS removal")).to_be_visible()
    expect(page.locator("dd", has_text="confirmed")).to_be_visible()
    # Each step with its time: reported, triaged and decided at once, the CMS told, and its
    # confirmation.
    steps = page.get_by_role("list", name=f"Steps of incident {incident.pk}")
    for step in ["Reported", "Triaged", "Decided", "CMS notified", "CMS confirmed removal"]:
        expect(steps.locator("li.done", has_text=step)).to_be_visible()
    expect(steps.locator("li", has_text="Decided")).to_contain_text(" s after the report)")
    assert serious_axe_violations(page) == []
    screenshot(page, "desk-incident-steps.png")

    # The public side tells the audience.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/corrections/")
    notice = "We took this image down: mislabeled: the label is wrong or missing."
    expect(page.get_by_text(notice)).to_be_visible()
    screenshot(page, "public-corrections.png")
    feed = page.request.get("/corrections/feed/")
    assert feed.ok and notice in feed.text()
    page.goto(f"/disclosures/{asset.uid.hex}/")
    expect(page.get_by_text("We took this image down on")).to_be_visible()
    expect(page.get_by_text(notice)).to_be_visible()
    assert serious_axe_violations(page) == []
    screenshot(page, "public-disclosure.png")
    page.goto("/transparency/")
    expect(page.get_by_role("img", name="Takedowns per month")).to_be_visible()
    assert incident.decided_at is not None
    minutes = (incident.decided_at - incident.reported_at).total_seconds() / 60
    row = page.locator("tr", has=page.locator("th", has_text=f"{incident.decided_at:%B %Y}"))
    expect(row).to_contain_text(f"{minutes:.1f}")
    screenshot(page, "public-transparency.png")
    for path, name in [
        ("/policy/synthetic-media/", "public-policy.png"),
        ("/labels/", "public-labels.png"),
    ]:
        page.goto(path)
        screenshot(page, name)
