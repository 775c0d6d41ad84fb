"""Renditions of formats beyond JPEG, checked by reading the files back: HEIC/HEIF originals
(decoded with pillow-heif) get a badged JPEG; PNG and WebP carry IPTC XMP that Pillow reads;
video gets a slate and an embedded manifest; audio and video say plainly that no XMP is
written into them."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pillow_heif
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from labeling.models import BadgeOutcome, Certainty
from labeling.services import classification_set, label_set, rendition_create
from provenance.states import IPTC_DST_PREFIX
from tests.labeling.test_renditions import file_bytes, read_back

pytestmark = pytest.mark.django_db

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))
SIGNING_FILES = CORPUS / "files-for-signing-tests"
AI_DST = IPTC_DST_PREFIX + "trainedAlgorithmicMedia"


def corpus_file(name: str) -> Path:
    """A corpus file by path (never copied into the project); CI must have the corpus."""
    path = SIGNING_FILES / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"The C2PA corpus is missing at {CORPUS} (set C2PA_CORPUS).")
        pytest.skip(f"no C2PA corpus file {path} here (set C2PA_CORPUS); CI fails instead")
    return path


HEIC_COLOUR = (40, 120, 200)


def heic_bytes(size: tuple[int, int] = (640, 480), colour=HEIC_COLOUR) -> bytes:
    """A HEIC encoded by pillow-heif (libheif + x265), as a phone would send it."""
    image = Image.new("RGB", size, colour)
    heif = pillow_heif.from_pillow(image)
    buffer = io.BytesIO()
    heif.save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


def grey_range(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int]:
    extrema = image.convert("L").crop(box).getextrema()
    assert isinstance(extrema[0], int) and isinstance(extrema[1], int)
    return extrema[0], extrema[1]


def label_ai_asset(asset, editor, *, term: str = "ai-generated") -> None:
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=["wholly_synthetic"],
        purpose="illustration",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key=term, language="en")


def parent_ingredient(store: dict[str, Any]) -> dict[str, Any]:
    manifest = store["manifests"][store["active_manifest"]]
    parents = [i for i in manifest["ingredients"] if i["relationship"] == "parentOf"]
    assert len(parents) == 1
    return dict(parents[0])


# --- HEIC / HEIF ---------------------------------------------------------------------------------


def test_a_heic_made_by_pillow_heif_gets_a_badged_signed_jpeg(make_asset, editor, signing_keys):
    original = heic_bytes()
    assert original[4:12] == b"ftypheic"  # really HEIC, not a JPEG in disguise
    asset = make_asset(
        file=ContentFile(original, name="phone.heic"),
        original_filename="phone.heic",
        media_type="image/heic",
    )
    label_ai_asset(asset, editor)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    data = file_bytes(rendition.file)
    assert rendition.media_type == "image/jpeg"
    assert rendition.file.name.endswith("phone-labeled.jpg")
    assert rendition.badge == BadgeOutcome.BURNED_IN
    with Image.open(io.BytesIO(data)) as published:
        assert published.format == "JPEG" and published.size == (640, 480)
        # The badge: white text on a near-black panel in the lower-left corner of a blue
        # picture, whose top-right corner is still the picture.
        darkest, lightest = grey_range(published, (0, 400, 200, 480))
        assert darkest <= 40 and lightest >= 230
        picture = Image.new("RGB", (1, 1), HEIC_COLOUR).convert("L").getpixel((0, 0))
        assert grey_range(published, (560, 0, 640, 80)) == pytest.approx((picture, picture), abs=6)

    store = read_back(data, "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    parent = parent_ingredient(store)
    assert parent["format"] == "image/heic"
    assert parent["title"] == "original"


def test_the_corpus_heic_gets_a_badged_signed_jpeg(make_asset, editor, signing_keys):
    path = corpus_file("sample1.heic")
    asset = make_asset(
        file=ContentFile(path.read_bytes(), name="sample1.heic"),
        original_filename="sample1.heic",
        media_type="image/heic",
    )
    label_ai_asset(asset, editor)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    data = file_bytes(rendition.file)
    with Image.open(io.BytesIO(data)) as published, Image.open(path) as source:
        assert published.format == "JPEG"
        assert published.size == source.size
    assert rendition.badge == BadgeOutcome.BURNED_IN
    store = read_back(data, "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    assert parent_ingredient(store)["format"] == "image/heic"


def test_the_intake_check_decodes_a_heic_because_the_opener_is_registered_at_startup(
    make_asset,
):
    """The labeling app registers pillow-heif in ready(): Pillow's registry is process-wide, so
    the intake check (review) decodes HEIC too, whatever ran before it in the process."""
    from review.models import AssetStatus
    from review.services import asset_run_checks

    asset = make_asset(
        status=AssetStatus.CHECKING,
        file=ContentFile(heic_bytes(size=(320, 240)), name="phone.heic"),
        original_filename="phone.heic",
        media_type="image/heic",
    )
    checked = asset_run_checks(asset_id=asset.pk)
    assert checked is not None
    assert (checked.width, checked.height) == (320, 240)
    assert "could not be decoded" not in checked.check_error
