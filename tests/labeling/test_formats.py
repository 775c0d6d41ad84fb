"""Renditions of formats beyond JPEG, checked by reading the files back: HEIC/HEIF originals
(decoded with pillow-heif) get a badged JPEG; PNG and WebP carry IPTC XMP that Pillow reads;
video gets a slate and an embedded manifest; audio and video say plainly that no XMP is
written into them."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import c2pa
import pillow_heif
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from labeling.models import BadgeOutcome, Certainty, ManifestPlacement
from labeling.services import label_set, rendition_create
from provenance.states import IPTC_DST_PREFIX
from review.models import MediaKind
from tests.labeling.media import first_sample, tiny_mp4, top_level_kinds
from tests.labeling.test_renditions import file_bytes, read_back
from tests.readiness import label_as_ai_generated

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
    label_as_ai_generated(asset, editor, term=term, certainty=Certainty.DECLARED)


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
    from workflow.pipeline import asset_run_checks

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


# --- video: a slate, the file itself unchanged, an embedded trusted manifest ---------------------


def video_asset(make_asset, data: bytes, name: str = "clip.mp4"):
    return make_asset(
        file=ContentFile(data, name=name),
        original_filename=name,
        media_type="video/mp4",
        media_kind=MediaKind.VIDEO,
    )


def test_an_mp4_gets_a_slate_and_an_embedded_trusted_manifest(make_asset, editor, signing_keys):
    original = tiny_mp4()
    asset = video_asset(make_asset, original)
    label_ai_asset(asset, editor)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    assert rendition.badge == BadgeOutcome.SLATE
    assert rendition.placement == ManifestPlacement.EMBEDDED and not rendition.sidecar
    assert rendition.media_type == "video/mp4"
    assert rendition.file.name.endswith("clip-labeled.mp4")
    data = file_bytes(rendition.file)
    # The manifest went in as a box of its own; the track still points at the same frame.
    assert top_level_kinds(data) == [b"ftyp", b"uuid", b"moov", b"mdat"]
    assert first_sample(data) == first_sample(original)
    with Image.open(io.BytesIO(first_sample(data))) as frame:
        assert frame.format == "JPEG" and frame.size == (320, 240)

    store = read_back(data, "video/mp4", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    manifest = store["manifests"][store["active_manifest"]]
    assert manifest["signature_info"]["issuer"] == "Test Newsroom"
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    disclosure = assertions["org.proofdesk.disclosure"]
    assert disclosure["text"].startswith("This video was generated with artificial intelligence.")
    assert disclosure["digital_source_type"] == AI_DST
    # Nothing was burned into the video: opened and published, not edited.
    actions = assertions["c2pa.actions.v2"]["actions"]
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.published"]
    assert actions[0]["digitalSourceType"] == AI_DST
    assert parent_ingredient(store)["format"] == "video/mp4"

    # The slate shown before the video: a dark 1280×720 card with the yellow mark and white
    # lettering.
    with Image.open(io.BytesIO(file_bytes(rendition.slate))) as slate:
        assert slate.format == "PNG" and slate.size == (1280, 720)
        rgb = slate.convert("RGB")
        assert rgb.getpixel((5, 5)) == (17, 17, 17)
        assert rgb.getpixel((95, 150)) == (255, 196, 0)
        assert grey_range(rgb, (90, 100, 1200, 260))[1] >= 230


def test_a_signed_corpus_mp4_keeps_its_own_manifest_in_the_ingredient(
    make_asset, editor, signing_keys
):
    path = corpus_file("legacy.mp4")
    original = path.read_bytes()
    with c2pa.Reader("video/mp4", io.BytesIO(original)) as reader:
        theirs = json.loads(reader.json())["active_manifest"]
    asset = video_asset(make_asset, original, name="legacy.mp4")
    label_ai_asset(asset, editor)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    store = read_back(file_bytes(rendition.file), "video/mp4", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    assert store["active_manifest"] != theirs
    assert parent_ingredient(store)["active_manifest"] == theirs
    assert theirs in store["manifests"]
    assert rendition.slate


# --- IPTC XMP: written into images, said plainly to be absent from audio and video --------------

XMP_DST = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}DigitalSourceType"


def xmp_source_types(packet: bytes | str) -> list[str]:
    """Iptc4xmpExt:DigitalSourceType values in an XMP packet, as attributes or elements."""
    text = packet.decode("utf-8") if isinstance(packet, bytes) else packet
    start, end = text.index("<x:xmpmeta"), text.index("</x:xmpmeta>") + len("</x:xmpmeta>")
    root = ElementTree.fromstring(text[start:end])
    values = [d.get(XMP_DST) for d in root.iter() if d.get(XMP_DST)]
    values += [e.text.strip() for e in root.iter(XMP_DST) if e.text]
    return [v for v in values if v]


@pytest.mark.parametrize(
    ("media_type", "fmt", "name"),
    [("image/png", "PNG", "art.png"), ("image/webp", "WEBP", "art.webp")],
)
def test_png_and_webp_renditions_carry_the_digital_source_type_in_xmp(
    make_asset, editor, signing_keys, media_type, fmt, name
):
    buffer = io.BytesIO()
    Image.new("RGB", (480, 360), (230, 230, 220)).save(buffer, format=fmt)
    asset = make_asset(
        file=ContentFile(buffer.getvalue(), name=name),
        original_filename=name,
        media_type=media_type,
    )
    label_ai_asset(asset, editor)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    data = file_bytes(rendition.file)
    assert rendition.media_type == media_type and rendition.metadata_note == ""
    with Image.open(io.BytesIO(data)) as published:
        assert published.format == fmt
        # Image.getxmp() needs defusedxml, which is not installed here (it returns {} with a
        # warning); Pillow's own parser still hands over the packet it found in the file.
        packet = published.info["xmp"]
    assert xmp_source_types(packet) == [AI_DST]
    # Signing kept the XMP and the manifest verifies.
    store = read_back(data, media_type, signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"


def test_audio_and_video_renditions_say_plainly_that_they_carry_no_xmp(
    make_asset, editor, editor_client, signing_keys
):
    asset = video_asset(make_asset, tiny_mp4())
    label_ai_asset(asset, editor)
    panel = reverse("labeling:panel", args=[asset.pk])
    expected = (
        "No XMP in this format: the video rendition carries the IPTC digital source type "
        "(trainedAlgorithmicMedia) only in its signed C2PA manifest, not as XMP metadata, so "
        "platforms that read XMP alone will not see it."
    )
    # Said before the rendition is made...
    before = editor_client.get(panel, headers={"HX-Request": "true"}).content.decode()
    assert f'data-xmp="false">{expected}</p>' in before

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    # ... kept with the rendition, and true of the file: no XMP packet anywhere in it.
    assert rendition.metadata_note == expected
    data = file_bytes(rendition.file)
    assert b"<x:xmpmeta" not in data and b"Iptc4xmpExt" not in data
    after = editor_client.get(panel, headers={"HX-Request": "true"}).content.decode()
    assert f'<dd class="metadata-note" data-xmp="false">{expected}</dd>' in after


def test_an_image_rendition_says_its_xmp_was_written(
    classified, editor, editor_client, signing_keys
):
    label_set(asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en")
    rendition = rendition_create(asset_id=classified.asset_id, actor=editor)
    html = editor_client.get(
        reverse("labeling:panel", args=[classified.asset_id]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-xmp="true">XMP <code>Iptc4xmpExt:DigitalSourceType</code> written' in html
    assert "No XMP in this format" not in html
    with Image.open(io.BytesIO(file_bytes(rendition.file))) as published:
        assert xmp_source_types(published.info["xmp"]) == [AI_DST]
