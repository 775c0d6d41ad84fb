"""The remote signing page's video preview in chromium, on a phone and at a desk (issue 14,
item 2): the marked copy plays (chromium decodes it: its frames are 640 px wide at most),
its still is the poster, the page fits the width and axe-core finds nothing serious. The
preview itself is checked frame by frame in tests/consent/test_remote_media_preview.py."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, ViewportSize, expect

from consent.models import PartyRole
from consent.remote.services import consent_link_create
from consent.services import party_add, person_create, statement_publish
from review.models import MediaKind
from tests.browser.helpers import screenshot, serious_axe_violations
from tests.consent.helpers import scope
from tests.consent.test_remote_media_preview import green_video, tools

__all__ = ["green_video", "tools"]

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_the_person_plays_the_marked_video_before_signing(
    page: Page, make_asset, reporter, legal, green_video: bytes, width: int
):
    statement = statement_publish(
        actor=legal,
        key="synthetic-media",
        title="Consent to the use of synthetic or altered media",
        body="I agree that the newsroom may publish the media described below.",
    )
    asset = make_asset(
        media_kind=MediaKind.VIDEO,
        media_type="video/mp4",
        original_filename="interview.mp4",
        file=ContentFile(green_video, name="interview.mp4"),
    )
    person = person_create(actor=reporter, full_name="Ada Subject", email="ada@example.org")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    # Made when the link is (after its commit: this test's database commits).
    _, token = consent_link_create(
        party_id=party.pk,
        actor=reporter,
        statement=statement,
        scope=scope(
            channels=["web"], territories=[], valid_from=asset.created_at.date(), valid_until=None
        ),
        media_description="The interview at the harbour, 12 May",
    )
    page.set_viewport_size(ViewportSize(width=width, height=844))

    page.goto(f"/c/{token}/")

    video = page.locator("figure.consent-preview-av video")
    expect(video).to_have_attribute("poster", f"/c/{token}/preview.jpg")
    expect(page.get_by_text("Consent preview – not for publication")).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('figure.consent-preview-av video').readyState >= 2",
        timeout=15_000,
    )
    size = video.evaluate("v => [v.videoWidth, v.videoHeight, v.error]")
    assert size == [640, 360, None]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    screenshot(page, f"remote-consent-video-{width}.png")
