"""The badge preview before signing (issue 14, item 8: nobody saw the badge until the rendition
was made and signed)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from labeling.models import Rendition
from labeling.services import label_set
from tests.factories import jpeg_bytes
from tests.readiness import make_ready_for_signoff

pytestmark = pytest.mark.django_db


@pytest.fixture
def labeled(make_asset, editor):
    asset = make_asset(file=ContentFile(jpeg_bytes((30, 90, 160), size=(1600, 1000)), name="g.jpg"))
    make_ready_for_signoff(asset, source_type="trainedAlgorithmicMedia")
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    return asset


def preview_url(asset) -> str:
    return reverse("labeling:badge_preview", args=[asset.pk])


def test_the_panel_shows_the_badge_before_anything_is_signed(labeled, editor_client):
    html = editor_client.get(reverse("labeling:panel", args=[labeled.pk])).content.decode()
    assert preview_url(labeled) in html
    assert "Preview, not signed" in html
    assert not Rendition.objects.exists()


def test_the_preview_is_the_picture_with_the_badge_drawn_in(labeled, editor_client):
    response = editor_client.get(preview_url(labeled))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (960, 600)  # downscaled, same shape
    # The lower-left corner holds the badge's panel; the picture elsewhere is plain blue.
    rgb = image.convert("RGB")
    corner, middle = rgb.getpixel((40, 570)), rgb.getpixel((480, 300))
    assert isinstance(corner, tuple) and isinstance(middle, tuple)
    assert sum(abs(a - b) for a, b in zip(corner, middle, strict=True)) > 150
    assert not Rendition.objects.exists()  # nothing stored, nothing signed


def test_no_label_no_preview_and_others_get_404(
    make_asset, labeled, editor_client, other_reporter_client
):
    bare = make_asset()
    assert editor_client.get(preview_url(bare)).status_code == 404
    assert other_reporter_client.get(preview_url(labeled)).status_code == 404
