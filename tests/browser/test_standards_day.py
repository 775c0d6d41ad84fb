"""A standards editor's day, on a phone and at a desk (issue 14, Done when), in one walk: connect
the CMS from the browser (its token and webhook secret shown once), give the second approval an
editor's approval waits for (in place, the status and checklist current, focus on what
happened), then, once the CMS has published the asset and a reader has reported it through the
public form, find the report (by e-mail and in the inbox), triage it, decide a takedown after
the confirmation, watch the CMS's confirmation arrive, read the delivery log and the public
corrections log, publish a new version of the policy, and check the e-mail settings.

At every step the page fits the width and axe-core finds nothing serious. The incident pages
are plain forms (post, then redirect to the incident): there, the changed incident is the
page's target and in view, and its message is on the page.

The two older walks this one draws on stay: tests/browser/test_incident_decision.py covers a
cancelled confirmation, tests/browser/test_integrations.py a refused webhook address and
secrets that a reload or the back button must not show again."""

from __future__ import annotations

import importlib
import json
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.apps import apps as django_apps
from django.core import mail
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accounts.roles import Role
from examples.webhook_receiver import Receiver, make_handler
from incidents.models import Decision, Incident, IncidentSource, IncidentStatus
from integrations.models import Integration
from public.models import PolicyDocument, PolicyVersion
from review.models import Asset, AssetStatus
from signoff.models import SignOff
from tests.browser.helpers import (
    fits,
    give_second_approval_in_place,
    log_in,
)
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.readiness import make_ready_for_signoff
from workflow import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

default_policy = importlib.import_module("public.migrations.0002_default_policy")

PUBLIC_PAGE = "https://news.example.org/2026/05/harbour-fire"
PUBLIC_NOTE = "We removed this photo: it was made with AI, and the label said it was not."
POLICY_ADDITION = "We answer every report within one working day."


def in_view(page: Page, selector: str) -> None:
    """The region a plain post changed is the page's target, and on screen."""
    region = page.locator(selector)
    expect(region).to_be_in_viewport()
    expect(region).to_be_focused()
    assert page.evaluate(f"document.querySelector({json.dumps(selector)}).matches(':target')")


class Cms:
    """The newsroom's CMS as the standards editor connects it: its webhook address exists
    before the desk knows it (the form asks for it), it verifies the events with the secret
    the desk shows once, and it calls the API with the token the desk shows once."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.token = ""
        self.events: list[dict[str, Any]] = []
        # Bound now (so the address is known), answering only once connected.
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/proofdesk"

    def connect(self, token: str, secret: str) -> None:
        self.token = token
        receiver = Receiver([secret], handler=lambda _id, event: self.events.append(event))
        self.server.RequestHandlerClass = make_handler(receiver)
        self.thread.start()

    def types(self) -> list[str]:
        return [str(event["type"]) for event in self.events]

    def call(self, path: str, body: dict[str, str]) -> requests.Response:
        return requests.post(
            f"{self.api}/api/v1{path}",
            data=json.dumps(body),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
            timeout=10,
        )


@pytest.fixture
def cms(live_server) -> Iterator[Cms]:
    cms = Cms(live_server.url)
    yield cms
    if cms.thread.is_alive():
        cms.server.shutdown()
    cms.server.server_close()


@pytest.fixture
def approved(settings, make_asset, editor) -> Asset:
    """An editor approved it this morning; it waits for the standards desk's second approval."""
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    asset = make_ready_for_signoff(make_asset(story_ref="harbour", original_filename="fire.jpg"))
    services.asset_approve(asset_id=asset.pk, actor=editor, note="")
    # The flushed database of a browser test lost the policy the data migration installed.
    default_policy.install(django_apps, None)
    return asset


@pytest.mark.parametrize("width", [390, 1280])
def test_a_standards_editors_day(
    page: Page, browser: Browser, live_server, cms: Cms, approved: Asset, confirmations, width
):
    UserFactory(username="sam", roles=[Role.STANDARDS], password=PASSWORD)
    viewport = ViewportSize(width=width, height=844)
    page.set_viewport_size(viewport)
    log_in(page, "sam")
    fits(page, width)

    # --- The CMS is connected from the browser; its secrets are shown once. -----------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Create an integration").click()
    page.get_by_label("Name").fill("Main CMS")
    page.get_by_label("Webhook URL (optional)").fill(cms.url)
    fits(page, width)
    page.get_by_role("button", name="Create the integration").click()
    expect(page.get_by_role("heading", name="Integration “Main CMS” created")).to_be_visible()
    expect(page.get_by_text("you will not see them again")).to_be_visible()
    cms.connect(
        page.get_by_label("API token").input_value(),
        page.get_by_label("Webhook signing secret").input_value(),
    )
    fits(page, width)
    page.get_by_role("link", name="Done: back to integrations").click()
    expect(page.get_by_role("link", name=cms.url)).to_be_visible()
    assert cms.token not in page.content()
    fits(page, width)

    # --- The second approval, in place: status and checklist follow, focus on the news. -----
    give_second_approval_in_place(page, approved.pk, width)
    assert SignOff.objects.get(asset=approved).cleared_at is not None

    # --- The CMS publishes it with the token from the browser, and hears of it by webhook. ---
    published = cms.call(
        f"/assets/{approved.pk}/publications",
        {"cms_reference": "harbour-fire", "public_url": PUBLIC_PAGE},
    )
    assert published.status_code == 201, published.text
    approved.refresh_from_db()
    assert approved.status == AssetStatus.PUBLISHED
    assert "asset.cleared" in cms.types()

    # --- A reader reports it from the newsroom's page, on their own device. -----------------
    reader = browser.new_context(base_url=live_server.url, viewport=viewport)
    form = reader.new_page()
    form.goto("/report/")
    fits(form, width)
    form.get_by_label("Address of the page where you saw it").fill(
        PUBLIC_PAGE + "?utm_source=share"
    )
    form.get_by_label("What is wrong with it").select_option("mislabeled")
    form.get_by_label("Tell us more").fill("The photo is labeled as real; it looks generated.")
    form.get_by_role("button", name="Send the report").click()
    expect(form.get_by_role("heading", name="Thank you: we received your report")).to_be_visible()
    fits(form, width)
    reader.close()
    incident = Incident.objects.get(asset=approved)
    assert incident.source == IncidentSource.PUBLIC

    # --- The standards editor hears of it by e-mail and finds it in the inbox. --------------
    (notice,) = [m for m in mail.outbox if "Incident reported" in m.subject]
    assert notice.to == ["sam@example.test"]
    assert f"Incident reported on asset #{approved.pk}" in notice.subject
    assert f"/assets/{approved.pk}/incidents/" in str(notice.body)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    expect(page.get_by_role("heading", name="Open reports (1)")).to_be_visible()
    fits(page, width)
    page.get_by_role("link", name=f"#{approved.pk} fire.jpg").first.click()
    article = f"#incident-{incident.pk}"
    in_view(page, article)
    expect(page.locator(article)).to_contain_text("it looks generated")
    fits(page, width)

    # Triage, then the decision, asked first.
    page.locator(article).get_by_label("Severity").select_option("high")
    page.locator(article).get_by_role("button", name="Triage").click()
    expect(page.get_by_role("status")).to_contain_text(f"Incident {incident.pk} triaged: high.")
    in_view(page, article)
    fits(page, width)
    decide = page.locator("form.decide-form")
    decide.get_by_label("Takedown").check()
    decide.get_by_label("Public note").fill(PUBLIC_NOTE)
    decide.get_by_label("Internal note").fill("Generated image; the reader is right.")
    decide.get_by_role("button", name="Decide").click()
    expect(page.get_by_role("status")).to_contain_text(f"Incident {incident.pk} decided: takedown.")
    assert confirmations and confirmations[0].startswith("Record this decision?")
    in_view(page, article)
    removal = page.locator(article).locator("dt:has-text('CMS removal') + dd")
    expect(removal).to_contain_text("waiting for the CMS")
    steps = page.get_by_role("list", name=f"Steps of incident {incident.pk}")
    expect(steps.locator("li.done", has_text="CMS notified")).to_be_visible()
    expect(steps.locator("li.pending", has_text="CMS confirmed removal")).to_be_visible()
    fits(page, width)
    assert "asset.takedown_requested" in cms.types()

    # --- The CMS removes the page and says so; the desk shows the confirmation. -------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    expect(
        page.get_by_role("heading", name="Takedowns awaiting CMS confirmation (1)")
    ).to_be_visible()
    fits(page, width)
    removed = cms.call(
        f"/assets/{approved.pk}/unpublications",
        {"cms_reference": "harbour-fire", "reason": "Taken down at the desk's request."},
    )
    assert removed.status_code == 200, removed.text
    # The inbox is a plain page: the CMS's answer shows on the next visit (no live update).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    expect(
        page.get_by_role("heading", name="Takedowns awaiting CMS confirmation (0)")
    ).to_be_visible()
    expect(page.get_by_text("Every takedown is confirmed.")).to_be_visible()
    page.goto(f"/assets/{approved.pk}/incidents/#incident-{incident.pk}")
    expect(removal).to_contain_text("confirmed")
    expect(steps.locator("li.done", has_text="CMS confirmed removal")).to_be_visible()
    fits(page, width)
    incident.refresh_from_db()
    approved.refresh_from_db()
    assert incident.status == IncidentStatus.DECIDED and incident.decision == Decision.TAKEDOWN
    assert incident.takedown_confirmed_at is not None
    assert approved.status == AssetStatus.TAKEN_DOWN

    # The delivery log says what the CMS was sent and that it answered.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name=cms.url).click()
    log = page.locator("table.deliveries")
    expect(log.locator("tr", has_text="asset.takedown_requested")).to_contain_text("Delivered")
    fits(page, width)

    # The audience reads the notice in the corrections log.
    page.goto("/corrections/")
    expect(page.get_by_text(PUBLIC_NOTE)).to_be_visible()
    fits(page, width)

    # --- A new version of the public policy. -------------------------------------------------
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Policies").click()
    expect(page.get_by_role("heading", name="Public policies")).to_be_visible()
    fits(page, width)
    english = PolicyDocument.objects.get(slug="synthetic-media", language="en")
    title = PolicyVersion.objects.get(document=english, version=1).title
    page.get_by_role("row", name=re.compile(re.escape(title))).get_by_role(
        "link", name="Edit"
    ).click()
    text = page.get_by_label("Text")
    text.fill(text.input_value() + f"\n\n## Reports\n\n{POLICY_ADDITION}\n")
    page.get_by_label("What changed").fill("How quickly we answer reports.")
    fits(page, width)
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_role("status")).to_contain_text(f"Version 2 of “{title}” is published.")
    fits(page, width)
    page.get_by_role("link", name=title).click()
    expect(page.get_by_text(POLICY_ADDITION)).to_be_visible()
    fits(page, width)

    # --- The e-mail settings: the incident e-mail that started this was wanted. -------------
    page.goto("/")
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_label("An incident was reported on an asset")).to_be_checked()
    fits(page, width)
    assert Integration.objects.get().name == "Main CMS"
