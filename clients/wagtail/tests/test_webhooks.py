"""The webhook endpoint over real HTTP (the test site's live server), with requests signed as
Proofdesk signs them: only signed events are handled, each once, never an older one over a
newer one, and each kind as the newsroom configured. No Proofdesk runs here: its address
refuses connections, so reports stay pending (as during an outage) and nothing else changes.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook
from testsite.models import NewsPage
from wagtail.images.models import Image
from wagtail.models import Page, WorkflowState
from wagtail_proofdesk.models import AssetState, ProofdeskAssetLink, Publication, ReceivedWebhook

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
ASSET = 4242


@pytest.fixture(autouse=True)
def offline_proofdesk(settings: Any) -> None:
    settings.PROOFDESK = {
        "BASE_URL": "http://127.0.0.1:9",  # refused at once
        "TOKEN": "pd_offline",
        "WEBHOOK_SECRETS": [SECRET],
        "MAX_ATTEMPTS": 1,
    }


def post(
    live_server: Any, event_type: str, sequence: int, msg_id: str, **data: Any
) -> requests.Response:
    body = json.dumps(
        {
            "type": event_type,
            "timestamp": "2026-11-28T12:40:11.020Z",
            "data": {
                "asset_id": ASSET,
                "asset_uid": "5b0c3e7d0f6a4f0e9f3e2f7d6a1c9b21",
                "sequence": sequence,
                "story_ref": "flood",
                **data,
            },
        }
    )
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, now, body),
    }
    return requests.post(
        f"{live_server.url}/proofdesk/webhooks/", data=body.encode(), headers=headers, timeout=10
    )


def label(version: int, name: str) -> dict[str, Any]:
    return {"version": version, "language": "en", "term": "ai-generated", "name": name,
            "text": f"{name} text."}  # fmt: skip


def live_page(home: Page, picture: Image, slug: str) -> NewsPage:
    page = NewsPage(title=slug.title(), slug=slug)
    page.proofdesk_assets.add(ProofdeskAssetLink(asset_id=ASSET, image=picture))
    home.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.live
    return page


def test_an_unsigned_or_forged_request_is_refused_and_changes_nothing(live_server: Any) -> None:
    forged = requests.post(
        f"{live_server.url}/proofdesk/webhooks/",
        data=b'{"type":"asset.takedown_requested"}',
        headers={"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        timeout=10,
    )
    assert forged.status_code == 400
    assert requests.get(f"{live_server.url}/proofdesk/webhooks/", timeout=10).status_code == 405
    assert not ReceivedWebhook.objects.exists()


def test_each_event_is_handled_once_and_never_an_older_one_over_a_newer(live_server: Any) -> None:
    first = post(live_server, "asset.label_changed", 3, "msg_3", label=label(3, "AI-generated"))
    assert (first.status_code, first.text) == (200, "applied")

    again = post(live_server, "asset.label_changed", 3, "msg_3", label=label(3, "AI-generated"))
    assert (again.status_code, again.text) == (200, "duplicate")

    late = post(live_server, "asset.label_changed", 2, "msg_2", label=label(2, "Old label"))
    assert (late.status_code, late.text) == (200, "stale")

    state = AssetState.objects.get(asset_id=ASSET)
    assert (state.label_name, state.label_version, state.last_sequence) == ("AI-generated", 3, 3)
    assert ReceivedWebhook.objects.count() == 2


def test_a_correction_updates_the_label_readers_see(
    live_server: Any, home: Page, picture: Image
) -> None:
    page = live_page(home, picture, "storm")
    answer = post(
        live_server,
        "asset.correction_issued",
        5,
        "msg_5",
        incident_id=8,
        decision="relabel",
        harm_category="disinformation",
        severity="medium",
        public_note="We have corrected the label of this image.",
        decided_at="2026-11-28T12:40:11.003Z",
        label=label(4, "AI-edited"),
    )
    assert (answer.status_code, answer.text) == (200, "applied")

    html = requests.get(f"{live_server.url}{page.url}", timeout=10).text
    assert "We have corrected the label of this image." in html
    assert "<strong>AI-edited</strong> AI-edited text." in html
    assert NewsPage.objects.get(pk=page.pk).live  # the newsroom chose to keep it, relabeled


def test_a_revoked_clearance_puts_the_page_to_moderation_by_default(
    live_server: Any, home: Page, picture: Image
) -> None:
    page = live_page(home, picture, "river")

    answer = post(
        live_server, "asset.clearance_revoked", 2, "msg_r", signoff_id=1,
        revoked_at="2026-11-28T12:40:11.003Z", reason="The label changed (version 2).",
    )  # fmt: skip

    assert answer.text == "applied"
    page.refresh_from_db()
    assert page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def test_a_revoked_clearance_unpublishes_when_the_newsroom_says_so(
    live_server: Any, home: Page, picture: Image, settings: Any
) -> None:
    settings.PROOFDESK = {**settings.PROOFDESK, "ON_CLEARANCE_REVOKED": "unpublish"}
    page = live_page(home, picture, "lake")
    publication = Publication.objects.get(page=page)
    assert publication.reported_at is None  # Proofdesk was down when it went live

    answer = post(
        live_server, "asset.clearance_revoked", 2, "msg_u", signoff_id=1,
        revoked_at="2026-11-28T12:40:11.003Z", reason="Consent was revoked.",
    )  # fmt: skip

    assert answer.text == "applied"
    assert not NewsPage.objects.get(pk=page.pk).live
    publication.refresh_from_db()
    assert publication.unpublish_reason == "Proofdesk revoked the clearance: Consent was revoked."
    # Never told of the publication, Proofdesk needs no withdrawal either.
    assert publication.unpublish_reported_at is not None
