"""Issue 13, items 1 and 2: images that announce more pixels than their use allows are refused
from their header, before any pixel is decoded and before any lock is taken; on the public
consent link, for the signature; on an evidence upload; and when rendering a labeled image."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from consent.errors import ConsentError
from consent.evidence.files import MAX_SIGNATURE_PIXELS, signature_from_data_url
from consent.models import ConsentLink, ConsentRecord
from review.images import ImageTooLarge, untrusted_image
from tests.hardening.images import as_data_url, png_bomb

pytestmark = pytest.mark.django_db


def no_decoding():
    """Any pixel decoded inside fails the test: the refusal must come from the header."""
    return mock.patch.object(Image.Image, "load", side_effect=AssertionError("decoded"))


@pytest.fixture(scope="module")
def transparent_bomb() -> bytes:
    """The attack as reported: 13000×13000 transparent pixels in a PNG of well under 1 MB."""
    return png_bomb(13000, 13000, color_type=6, channels=4)


@pytest.fixture(scope="module")
def black_9400() -> bytes:
    """The 9400² black PNG that was accepted and stored as a signature."""
    return png_bomb(9400, 9400)


def test_the_bomb_is_small_and_valid(transparent_bomb):
    assert len(transparent_bomb) < 1_000_000
    with Image.open(io.BytesIO(transparent_bomb)) as image:
        assert image.size == (13000, 13000) and image.format == "PNG"


def test_nothing_is_decoded_past_the_limit(transparent_bomb):
    source = io.BytesIO(transparent_bomb)
    with (
        no_decoding(),
        pytest.raises(ImageTooLarge, match="13000×13000"),
        untrusted_image(source, max_pixels=MAX_SIGNATURE_PIXELS),
    ):
        pass


@pytest.mark.parametrize("bomb", ["transparent_bomb", "black_9400"])
def test_a_signature_that_is_a_bomb_is_refused_without_decoding(request, bomb):
    data_url = as_data_url(request.getfixturevalue(bomb))
    with no_decoding(), pytest.raises(ConsentError, match="too large to be a signature"):
        signature_from_data_url(data_url)


def test_pillows_warning_zone_is_refused_not_warned():
    # Between Pillow's limit and twice it, Pillow only warns and decodes: an evidence scan
    # (whose limit is Pillow's) in that zone is refused, with its size.
    limit = Image.MAX_IMAGE_PIXELS or 0
    side = int(limit**0.5) + 100
    with (
        pytest.raises(ImageTooLarge, match=f"{side}×{side}"),
        untrusted_image(io.BytesIO(png_bomb(side, side)), max_pixels=limit),
    ):
        pass


def test_the_public_link_refuses_the_bomb_before_its_lock_and_stays_usable(
    reporter, subject_party, transparent_bomb
):
    from tests.consent.test_remote_links import make_link, sign_form, sign_url

    link, token = make_link(subject_party, reporter)
    locks: list[str] = []
    original = ConsentLink.objects.select_for_update

    def spy(*args, **kwargs):
        locks.append("link")
        return original(*args, **kwargs)

    browser = Client()
    form = sign_form(signature=as_data_url(transparent_bomb))
    with (
        mock.patch.object(ConsentLink.objects, "select_for_update", side_effect=spy),
        no_decoding(),
    ):
        response = browser.post(sign_url(token), form)
    assert response.status_code == 400
    assert "too large to be a signature" in response.content.decode()
    assert locks == []  # refused before the link's row was locked
    assert not ConsentRecord.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None
    # The person can still sign with a real signature.
    assert browser.post(sign_url(token), sign_form()).status_code == 200
    assert ConsentRecord.objects.count() == 1


def test_the_public_link_is_rate_limited_per_link(reporter, subject_party, settings):
    from tests.consent.test_remote_links import make_link, sign_form, sign_url

    settings.REMOTE_CONSENT_SIGN_RATE_LIMIT = "3/m"
    _, token = make_link(subject_party, reporter)
    answers = [
        Client(REMOTE_ADDR=f"203.0.113.{n}")
        .post(sign_url(token), sign_form(signature="x"))
        .status_code
        for n in range(5)
    ]
    # Five addresses, one link: the link's own limit stops the fourth post.
    assert answers == [400, 400, 400, 429, 429]


def test_the_public_link_is_rate_limited_per_address(reporter, subject_party, settings):
    from tests.consent.test_remote_links import make_link, sign_url

    settings.REMOTE_CONSENT_RATE_LIMIT = "4/m"
    _, token = make_link(subject_party, reporter)
    browser = Client(REMOTE_ADDR="203.0.113.50")
    answers = [browser.get(sign_url(token)).status_code for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]


def test_an_evidence_scan_past_its_limit_is_refused_without_decoding(
    asset, creator_party, reporter
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consent.evidence.files import evidence_from_upload

    upload = SimpleUploadedFile("release.png", png_bomb(10000, 10000), "image/png")
    with no_decoding(), pytest.raises(ConsentError, match="too large to check"):
        evidence_from_upload(upload, verbal=False)


def test_a_rendition_of_a_huge_image_is_refused_with_what_to_do(make_asset, editor, signing_keys):
    from django.core.files.base import ContentFile

    from labeling.models import Rendition
    from labeling.services import LabelingError, label_set, rendition_create
    from tests.readiness import make_ready_for_signoff

    asset = make_asset(file=ContentFile(png_bomb(13300, 13300), name="huge.png"))
    make_ready_for_signoff(asset, source_type="trainedAlgorithmicMedia")
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    with no_decoding(), pytest.raises(LabelingError, match="Export a smaller version"):
        rendition_create(asset_id=asset.pk, actor=editor)
    assert not Rendition.objects.exists()
    assert settings.RENDER_MAX_PIXELS < 13300 * 13300
