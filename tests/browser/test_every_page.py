"""Issue 14's bar for layout and accessibility, as a sweep: every desk page each role can open
and every public page, at 360, 390 and 1280 px, with realistic data behind them (the demo desk:
an asset in every status with its provenance report, a classified and labeled one, parties
and a signed consent, an approved one, a published one with an open incident and a
correction, an integration with a token, a webhook endpoint and a delivery, a trust bundle, a
remote consent link). Each page must fit the width (no sideways scrolling) and axe-core must
find no serious or critical violation.

The data is built once per test (a transactional browser test cannot share a module's rows),
so each role's pages are one test, and the failures are collected and reported together, each
naming its page, role and width, instead of stopping at the first."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from consent.models import ConsentStatement, Party, PartyRole
from consent.remote.services import consent_link_create
from consent.services import Scope, party_add, person_create, statement_publish
from incidents.models import Decision, Incident
from integrations.models import Delivery, Integration, Publication, WebhookEndpoint
from integrations.signing import generate_secret
from integrations.tokens import token_create
from labeling.models import LabelTerm
from provenance.services import trust_list_upload
from public.models import PolicyDocument
from review.models import Asset, AssetStatus
from signoff.models import SignOff
from tests.browser.helpers import log_in, serious_axe_violations
from tests.incidents.helpers import decide, report_mislabeled
from tests.labeling.conftest import signing_keys
from workflow.management.commands.seed_demo import DEMO_USERS

__all__ = ["signing_keys"]

default_policy = importlib.import_module("public.migrations.0002_default_policy")

WIDTHS = (360, 390, 1280)
PASSWORDS = {username: password for username, password, _ in DEMO_USERS}

REPORTER, EDITOR, LEGAL, STANDARDS, ADMIN = "reporter", "editor", "legal", "standards", "admin"
EVERYONE = frozenset({REPORTER, EDITOR, LEGAL, STANDARDS, ADMIN})
ALL_ASSETS = frozenset({EDITOR, LEGAL, STANDARDS, ADMIN})  # review.view_all_assets and legal


@dataclass(frozen=True)
class Desk:
    """The primary keys and tokens the pages are addressed by."""

    assets: dict[str, int]  # demo file name -> pk
    published_uid: str
    person: int
    term: int
    policy: int
    policy_slug: str
    integration: int
    endpoint: int
    delivery: int
    correction: int
    open_incident: int
    link_token: str


def _statement() -> ConsentStatement:
    statement: ConsentStatement | None = (
        ConsentStatement.objects.filter(language="en").order_by("key", "-version").first()
    )
    assert statement is not None, "the demo left no consent statement"
    return statement


@pytest.fixture
def desk(signing_keys, live_server) -> Desk:
    # Browser tests run on a flushed database: the default policy its migration installs is
    # gone, put it back as the public pages' tests do.
    default_policy.install(django_apps, None)
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()
    assets = {a.original_filename: a.pk for a in Asset.objects.all()}
    published = Asset.objects.get(original_filename="ai-portrait-explainer.jpg")
    assert published.status == AssetStatus.PUBLISHED
    user_model = get_user_model()
    standards = user_model.objects.get(username=STANDARDS)
    reporter = user_model.objects.get(username=REPORTER)
    admin = user_model.objects.get(username=ADMIN)

    # The CMS: an integration with a token and an endpoint (on a closed loopback port, so
    # the delivery that follows fails and its page has an error to show).
    integration = Integration.objects.create(name="Main CMS")
    token_create(integration=integration, scopes=["assets:read", "assets:publish"])
    endpoint = WebhookEndpoint.objects.create(
        integration=integration,
        url="http://127.0.0.1:9/hooks/proofdesk/a-rather-long-path-the-cms-chose",
        secret=generate_secret(),
    )
    Publication.objects.create(
        asset=published,
        integration=integration,
        cms_reference="portrait-explainer",
        public_url="https://news.example.org/2026/12/ai-portrait-explainer-with-a-long-slug",
        signoff=SignOff.objects.get(asset=published, voided_at__isnull=True),
    )

    # After publication: a correction the audience reads, and a report still open.
    corrected = decide(
        report_mislabeled(published, standards),
        standards,
        Decision.CORRECTION,
        public_note="The caption named the wrong city; it was Valparaíso, not Valencia.",
    )
    still_open = report_mislabeled(published, user_model.objects.get(username=EDITOR))
    assert Incident.objects.filter(asset=published, status="open").exists()
    delivery = Delivery.objects.filter(endpoint=endpoint).first()
    assert delivery is not None, "the correction sent no webhook to the endpoint"

    # A trust bundle (the dev signing credentials' root).
    trust_list_upload(
        kind="anchors",
        name="Test Newsroom root",
        raw=(signing_keys / "root.pem").read_bytes(),
        uploaded_by=admin,
    )

    # A remote consent link for someone shown in the flood picture.
    flood = Asset.objects.get(original_filename="flood-street-generated.jpg")
    person = person_create(actor=reporter, full_name="Ana Passer-by", email="ana@example.org")
    party = party_add(asset_id=flood.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    _, link_token = consent_link_create(
        party_id=party.pk,
        actor=reporter,
        statement=_statement(),
        scope=Scope(
            uses=["Illustration of the story"],
            channels=["web"],
            territories=[],
            valid_from=date.today(),
            valid_until=None,
        ),
        media_description="Picture of a flooded street, sent by a reader",
    )
    # The signer may ask for the Spanish statement; the flushed database lost it.
    if not ConsentStatement.objects.filter(language="es").exists():
        statement_publish(
            actor=user_model.objects.get(username=LEGAL),
            key="synthetic-media-es",
            title="Consentimiento para el uso de contenido sintético o alterado",
            body="Acepto que la redacción publique el contenido descrito a continuación.",
            language="es",
        )
    policy = PolicyDocument.objects.order_by("pk").first()
    assert policy is not None
    signed_person = (
        Party.objects.filter(asset=published, person__isnull=False).values("person").first()
    )
    assert signed_person is not None
    term = LabelTerm.objects.order_by("pk").first()
    assert term is not None
    cache.clear()
    return Desk(
        assets=assets,
        published_uid=published.uid.hex,
        person=signed_person["person"],
        term=term.pk,
        policy=policy.pk,
        policy_slug=policy.slug,
        integration=integration.pk,
        endpoint=endpoint.pk,
        delivery=delivery.pk,
        correction=corrected.pk,
        open_incident=still_open.pk,
        link_token=link_token,
    )


@dataclass(frozen=True)
class DeskPage:
    name: str
    url: Callable[[Desk], str]
    roles: frozenset[str]


def asset_url(view: str, filename: str) -> Callable[[Desk], str]:
    return lambda d: reverse(view, args=[d.assets[filename]])


FLOOD = "flood-street-generated.jpg"  # reporter's, in review, labeled, consent missing
READY = "heatwave-ai-illustration.jpg"  # reporter's, in review, whole checklist done
APPROVED = "harbour-fire-photo.jpg"  # reporter's
PUBLISHED = "ai-portrait-explainer.jpg"  # reporter2's, with incidents and a correction
CHANGES = "protest-crowd-composite.jpg"  # reporter's, changes requested
REJECTED = "fake-celebrity-endorsement.jpg"  # reporter2's
WITHDRAWN = "duplicate-draft.jpg"  # reporter's
AUDIO = "voice-clone-sample.wav"  # reporter's
AGENCY = "senator-speech-still.jpg"  # reporter2's

STANDARDS_DESK = frozenset({STANDARDS, ADMIN})
CONSENT = frozenset({REPORTER, EDITOR, LEGAL})  # consent.collect_consent
PEOPLE = frozenset({EDITOR, LEGAL})
LEGAL_DESK = frozenset({LEGAL})

DESK_PAGES: list[DeskPage] = [
    DeskPage("queue", lambda d: reverse("review:queue"), EVERYONE),
    DeskPage(
        "queue filtered and sorted",
        lambda d: reverse("review:queue") + "?status=in_review&source=user_generated&sort=-size",
        EVERYONE,
    ),
    DeskPage("queue needs me", lambda d: reverse("review:queue") + "?needs=on", EVERYONE),
    DeskPage("queue search", lambda d: reverse("review:queue") + "?q=flood", EVERYONE),
    DeskPage("upload", lambda d: reverse("review:upload"), EVERYONE - {LEGAL, STANDARDS}),
    DeskPage("asset in review", asset_url("review:asset_detail", FLOOD), EVERYONE),
    DeskPage("asset ready", asset_url("review:asset_detail", READY), EVERYONE),
    DeskPage("asset approved", asset_url("review:asset_detail", APPROVED), EVERYONE),
    DeskPage("asset published", asset_url("review:asset_detail", PUBLISHED), ALL_ASSETS),
    DeskPage("asset changes requested", asset_url("review:asset_detail", CHANGES), EVERYONE),
    DeskPage("asset rejected", asset_url("review:asset_detail", REJECTED), ALL_ASSETS),
    DeskPage("asset withdrawn", asset_url("review:asset_detail", WITHDRAWN), EVERYONE),
    DeskPage("asset audio", asset_url("review:asset_detail", AUDIO), EVERYONE),
    DeskPage("consent page", asset_url("consent:asset", FLOOD), CONSENT),
    DeskPage("consent page complete", asset_url("consent:asset", PUBLISHED), PEOPLE),
    DeskPage("consent dashboard", lambda d: reverse("consent:dashboard"), LEGAL_DESK),
    DeskPage("people", lambda d: reverse("consent:people"), PEOPLE),
    DeskPage("person", lambda d: reverse("consent:person", args=[d.person]), PEOPLE),
    DeskPage("statements", lambda d: reverse("consent:statements"), LEGAL_DESK),
    DeskPage("exports", lambda d: reverse("consent:exports"), LEGAL_DESK),
    DeskPage("labeling panel", asset_url("labeling:panel", FLOOD), EVERYONE),
    DeskPage("vocabulary", lambda d: reverse("labeling:vocabulary"), STANDARDS_DESK),
    DeskPage(
        "vocabulary term", lambda d: reverse("labeling:term_edit", args=[d.term]), STANDARDS_DESK
    ),
    DeskPage("trust lists", lambda d: reverse("provenance:trust"), STANDARDS_DESK),
    DeskPage("asset incidents", asset_url("incidents:asset_incidents", PUBLISHED), ALL_ASSETS),
    DeskPage(
        "take down now",
        lambda d: reverse("incidents:take_down_now", args=[d.assets[PUBLISHED], d.open_incident]),
        STANDARDS_DESK,
    ),
    DeskPage("incidents inbox", lambda d: reverse("incidents:inbox"), STANDARDS_DESK),
    DeskPage("integrations", lambda d: reverse("integrations:list"), STANDARDS_DESK),
    DeskPage("new integration", lambda d: reverse("integrations:create"), STANDARDS_DESK),
    DeskPage(
        "new token",
        lambda d: reverse("integrations:token_create", args=[d.integration]),
        STANDARDS_DESK,
    ),
    DeskPage(
        "new endpoint",
        lambda d: reverse("integrations:endpoint_create", args=[d.integration]),
        STANDARDS_DESK,
    ),
    DeskPage(
        "endpoint", lambda d: reverse("integrations:endpoint", args=[d.endpoint]), STANDARDS_DESK
    ),
    DeskPage(
        "delivery", lambda d: reverse("integrations:delivery", args=[d.delivery]), STANDARDS_DESK
    ),
    DeskPage("desk policies", lambda d: reverse("public:desk_policies"), STANDARDS_DESK),
    DeskPage(
        "desk policy edit",
        lambda d: reverse("public:desk_policy_edit", args=[d.policy]),
        STANDARDS_DESK,
    ),
    DeskPage("password change", lambda d: reverse("password_change"), EVERYONE),
    DeskPage("two-factor setup", lambda d: reverse("two_factor_setup"), EVERYONE),
    DeskPage("account", lambda d: reverse("account"), EVERYONE),
]

PUBLIC_PAGES: list[DeskPage] = [
    DeskPage("login", lambda d: reverse("login"), frozenset()),
    DeskPage("password reset", lambda d: reverse("password_reset"), frozenset()),
    DeskPage("policy index", lambda d: reverse("public:policy_index"), frozenset()),
    DeskPage("policy", lambda d: reverse("public:policy", args=[d.policy_slug]), frozenset()),
    DeskPage(
        "policy history",
        lambda d: reverse("public:policy_history", args=[d.policy_slug]),
        frozenset(),
    ),
    DeskPage("labels", lambda d: reverse("public:labels"), frozenset()),
    DeskPage("labels in Spanish", lambda d: reverse("public:labels") + "?lang=es", frozenset()),
    DeskPage(
        "disclosure", lambda d: reverse("public:disclosure", args=[d.published_uid]), frozenset()
    ),
    DeskPage("corrections", lambda d: reverse("public:corrections"), frozenset()),
    DeskPage(
        "correction", lambda d: reverse("public:correction", args=[d.correction]), frozenset()
    ),
    DeskPage("report", lambda d: reverse("public:report"), frozenset()),
    DeskPage("transparency", lambda d: reverse("public:transparency"), frozenset()),
    DeskPage(
        "remote consent",
        lambda d: reverse("consent:remote_sign", args=[d.link_token]),
        frozenset(),
    ),
]


def problems_on(page: Page, url: str, label: str) -> list[str]:
    """Load `url` once, then at each width: the sideways overflow and axe-core's serious and
    critical findings, each line naming the page and width."""
    found: list[str] = []
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        return [f"{label} ({url}): {error.message.splitlines()[0]}"]
    if response is None or response.status != 200:
        return [f"{label} ({url}): HTTP {response.status if response else 'no response'}"]
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate(
                """(width) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1
                             || e.scrollWidth > e.clientWidth + 1
                                && getComputedStyle(e).overflowX === 'visible')
                .filter(e => !e.closest('.table-scroll'))
                .slice(-4)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                     + (e.id ? '#' + e.id : '') + ' sw' + e.scrollWidth
                     + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')""",
                width,
            )
            found.append(f"{label} @ {width}px: scrollWidth {scroll_width} ({'; '.join(wide)})")
        violations = serious_axe_violations(page)
        if violations:
            found.append(f"{label} @ {width}px: axe {violations}")
    return found


@pytest.mark.parametrize("role", [REPORTER, EDITOR, LEGAL, STANDARDS, ADMIN])
def test_every_desk_page_fits_every_width_with_no_serious_axe_violation(
    browser: Browser, live_server, desk: Desk, role: str
):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    log_in(page, role, PASSWORDS[role])
    pages = [p for p in DESK_PAGES if role in p.roles]
    failures: list[str] = []
    for desk_page in pages:
        failures += problems_on(page, desk_page.url(desk), f"{desk_page.name} as {role}")
    context.close()
    assert len(pages) >= 10
    assert failures == [], "\n".join(failures)


def test_every_public_page_fits_every_width_with_no_serious_axe_violation(
    browser: Browser, live_server, desk: Desk
):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    failures: list[str] = []
    for public_page in PUBLIC_PAGES:
        failures += problems_on(page, public_page.url(desk), f"{public_page.name} (public)")
    context.close()
    assert failures == [], "\n".join(failures)
