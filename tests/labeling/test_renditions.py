"""Labels and signed renditions, checked by reading the files back: an independent c2pa Reader
with only the newsroom's root as anchor, Pillow for the pixels, the XMP packet for IPTC."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any

import c2pa
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from PIL import Image

from audit.models import AuditEvent
from labeling.badge import MIN_SIDE, burn_badge
from labeling.models import BadgeOutcome, Certainty, Label, ManifestPlacement, Rendition
from labeling.services import LabelingError, classification_set, label_set, rendition_create
from labeling.signing import load_signing_credentials
from provenance.certificates import make_dev_certificates
from provenance.states import IPTC_DST_PREFIX
from provenance.xmp import read_xmp
from tests.factories import jpeg_bytes
from tests.provenance.media import make_signer, signed_jpeg
from tests.readiness import label_as_ai_generated

pytestmark = pytest.mark.django_db


def read_back(data: bytes, media_type: str, anchor: Path, sidecar: bytes | None = None):
    """What an independent reader says, trusting only the newsroom's root."""
    context = c2pa.Context.from_dict(
        {"verify": {"remote_manifest_fetch": False}, "trust": {"trust_anchors": anchor.read_text()}}
    )
    if sidecar:
        reader = c2pa.Reader(media_type, io.BytesIO(data), sidecar, context)
    else:
        reader = c2pa.Reader(media_type, io.BytesIO(data), context=context)
    with reader:
        return json.loads(reader.json())


def label_ai(asset_id: int, actor, *, term: str = "ai-generated") -> Label:
    return label_set(asset_id=asset_id, actor=actor, term_key=term, language="en")


def file_bytes(field) -> bytes:
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


# --- labels -------------------------------------------------------------------------------------


def test_firm_certainty_states_what_was_done(classified, editor):
    label = label_set(
        asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en"
    )
    assert label.name == "AI-generated"
    assert label.text.startswith("This image was generated with artificial intelligence.")
    assert not label.edited


def test_uncertain_wording_says_what_is_not_known(photo_asset, editor):
    classification_set(
        asset_id=photo_asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DETECTOR,
    )
    label = label_set(asset_id=photo_asset.pk, actor=editor, term_key="ai-generated", language="es")
    assert label.name == "Generado con IA"
    assert "parece" in label.text and "No pudimos confirmar" in label.text


def test_every_wording_is_kept_as_a_version(classified, editor):
    first = label_set(
        asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en"
    )
    second = label_set(
        asset_id=classified.asset_id,
        actor=editor,
        term_key="ai-generated",
        language="en",
        text="  Made entirely   with an image generator.  ",
    )
    assert (first.version, second.version) == (1, 2)
    assert second.text == "Made entirely with an image generator."
    assert second.edited and second.generated_text == first.text
    assert Label.objects.filter(asset_id=classified.asset_id).count() == 2


@pytest.mark.parametrize("text", ["", "  \n "])
def test_an_empty_label_text_is_refused_not_replaced_by_the_suggestion(classified, editor, text):
    with pytest.raises(LabelingError) as refused:
        label_set(
            asset_id=classified.asset_id,
            actor=editor,
            term_key="ai-generated",
            language="en",
            text=text,
        )
    assert str(refused.value) == (
        "The label text cannot be empty: write what the audience reads, or keep the suggested "
        "wording."
    )
    assert not Label.objects.exists()


def test_no_text_given_takes_the_suggested_wording_unedited(classified, editor):
    label = label_set(
        asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en"
    )
    assert label.text == label.generated_text != "" and not label.edited


def test_a_term_that_does_not_fit_the_classification_is_refused(classified, editor):
    with pytest.raises(LabelingError, match="does not fit"):
        label_set(
            asset_id=classified.asset_id, actor=editor, term_key="digitally-altered", language="en"
        )
    assert not Label.objects.exists()


def test_labeling_needs_a_classification_first(photo_asset, editor):
    with pytest.raises(LabelingError, match="Classify the asset"):
        label_set(asset_id=photo_asset.pk, actor=editor, term_key="ai-generated", language="en")


def test_unknown_source_type_is_refused(photo_asset, editor):
    with pytest.raises(LabelingError, match="IPTC digital source type"):
        classification_set(
            asset_id=photo_asset.pk,
            actor=editor,
            source_type="madeUp",
            techniques=[],
            purpose="",
            certainty=Certainty.JUDGMENT,
        )


# --- the signed rendition ------------------------------------------------------------------


def test_rendition_is_trusted_with_the_original_as_parent_and_the_disclosure(
    classified, editor, signing_keys
):
    label_ai(classified.asset_id, editor)
    rendition = rendition_create(asset_id=classified.asset_id, actor=editor)
    data = file_bytes(rendition.file)

    store = read_back(data, "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    manifest = store["manifests"][store["active_manifest"]]
    assert manifest["signature_info"]["issuer"] == "Test Newsroom"
    parents = [i for i in manifest["ingredients"] if i["relationship"] == "parentOf"]
    assert len(parents) == 1
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    disclosure = assertions["org.proofdesk.disclosure"]
    assert disclosure["label"] == "AI-generated"
    assert disclosure["certainty"] == "confirmed"
    assert disclosure["policy_url"]
    # The signed manifest points at the public page about this asset.
    assert disclosure["disclosure_url"].endswith(f"/disclosures/{rendition.asset.uid.hex}/")
    actions = [a["action"] for a in assertions["c2pa.actions.v2"]["actions"]]
    assert actions == ["c2pa.opened", "c2pa.edited", "c2pa.published"]
    source_types = {a.get("digitalSourceType") for a in assertions["c2pa.actions.v2"]["actions"]}
    assert IPTC_DST_PREFIX + "trainedAlgorithmicMedia" in source_types
    # IPTC XMP for platforms that read only metadata.
    assert read_xmp(io.BytesIO(data)).digital_source_type == "trainedAlgorithmicMedia"
    # Stored with its hash, and audited.
    assert rendition.verification_state == "trusted"
    assert rendition.placement == ManifestPlacement.EMBEDDED
    assert AuditEvent.objects.filter(action="label.rendition_signed").exists()


def test_the_badge_is_burned_in_and_legible_on_light_and_dark_images():
    for colour in [(250, 250, 250), (5, 5, 5)]:
        image = Image.new("RGB", (800, 600), colour)
        result = burn_badge(image, "AI-generated")
        assert result.burned_in and result.box is not None
        x0, y0, x1, y1 = result.box
        badge = result.image.crop((x0, y0, x1, y1)).convert("L")
        extrema = badge.getextrema()
        assert isinstance(extrema[0], int) and isinstance(extrema[1], int)
        darkest, lightest = extrema[0], extrema[1]
        # White text on a near-black panel, whatever is underneath.
        assert lightest >= 230 and darkest <= 40
        # It sits in the lower-left corner and scales with the picture.
        assert x0 < 800 * 0.05 and y1 > 600 * 0.9
    small = burn_badge(Image.new("RGB", (1600, 1200)), "AI-generated").box
    large_w = small[2] - small[0] if small else 0
    assert large_w > (x1 - x0)


def test_a_tiny_image_falls_back_to_caption_only_and_says_so(make_asset, editor, signing_keys):
    asset = make_asset(file=ContentFile(jpeg_bytes(size=(MIN_SIDE - 40, 120)), name="tiny.jpg"))
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    rendition = rendition_create(asset_id=asset.pk, actor=editor)
    assert rendition.badge == BadgeOutcome.CAPTION_ONLY
    assert "too small for a legible badge" in rendition.badge_note


def test_audio_gets_a_slate_and_an_embedded_manifest(make_asset, editor, signing_keys):
    wav = Path("/work/shared/c2pa-corpus/files-for-reading-tests/sample1_signed.wav")
    if not wav.exists():
        from tests.review.helpers import WAV_BYTES

        data = WAV_BYTES
    else:
        data = wav.read_bytes()
    asset = make_asset(
        file=ContentFile(data, name="voice.wav"), media_type="audio/x-wav", media_kind="audio"
    )
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=["statements_not_made"],
        purpose="reporting",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="synthetic-voice", language="en")
    rendition = rendition_create(asset_id=asset.pk, actor=editor)
    assert rendition.badge == BadgeOutcome.SLATE
    with Image.open(io.BytesIO(file_bytes(rendition.slate))) as slate:
        assert slate.size == (1280, 720)
    store = read_back(file_bytes(rendition.file), "audio/wav", signing_keys / "root.pem")
    manifest = store["manifests"][store["active_manifest"]]
    assert any(a["label"] == "org.proofdesk.disclosure" for a in manifest["assertions"])
    # No XMP is written into audio, and the rendition says so.
    assert rendition.metadata_note.startswith("No XMP in this format: the audio rendition")
    assert b"Iptc4xmpExt" not in file_bytes(rendition.file)


def test_a_format_the_library_cannot_embed_into_gets_a_marked_sidecar(
    make_asset, editor, signing_keys
):
    webm = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096
    asset = make_asset(
        file=ContentFile(webm, name="clip.webm"), media_type="video/webm", media_kind="video"
    )
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    rendition = rendition_create(asset_id=asset.pk, actor=editor)
    assert rendition.placement == ManifestPlacement.SIDECAR
    assert rendition.sidecar.name.endswith(".c2pa")
    store = read_back(
        file_bytes(rendition.file),
        "video/webm",
        signing_keys / "root.pem",
        sidecar=file_bytes(rendition.sidecar),
    )
    assert store["validation_state"] == "Trusted"


# --- signing credentials -------------------------------------------------------------------------


def test_without_signing_keys_nothing_is_passed_off_as_signed(classified, editor, settings):
    settings.SIGNING_CERT_CHAIN = ""
    label_ai(classified.asset_id, editor)
    with pytest.raises(LabelingError, match="SIGNING_CERT_CHAIN is not set"):
        rendition_create(asset_id=classified.asset_id, actor=editor)
    assert not Rendition.objects.exists()


def test_make_dev_signing_cert_and_render_rendition_commands(
    classified, editor, settings, tmp_path
):
    out = io.StringIO()
    call_command("make_dev_signing_cert", "--out", str(tmp_path / "dev"), stdout=out)
    names = sorted(p.name for p in (tmp_path / "dev").iterdir())
    assert names == ["root.pem", "signing-chain.pem", "signing-key.pem"]
    settings.SIGNING_CERT_CHAIN = str(tmp_path / "dev" / "signing-chain.pem")
    settings.SIGNING_KEY = str(tmp_path / "dev" / "signing-key.pem")
    label_ai(classified.asset_id, editor)
    target = tmp_path / "rendition.jpg"
    call_command("render_rendition", str(classified.asset_id), "--out", str(target), stdout=out)
    store = read_back(target.read_bytes(), "image/jpeg", tmp_path / "dev" / "root.pem")
    assert store["validation_state"] == "Trusted"
    with pytest.raises(CommandError, match="No asset #999999"):
        call_command("render_rendition", "999999", "--out", str(target))


# --- the original's own credentials inside the ingredient ---------------------------------------

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))


def own_store(data: bytes, media_type: str = "image/jpeg") -> dict[str, Any]:
    """The original's manifest store, read on its own (no trust anchors needed for its label)."""
    context = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    with c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader:
        store: dict[str, Any] = json.loads(reader.json())
    return store


def parent_of(store: dict[str, Any]) -> dict[str, Any]:
    manifest = store["manifests"][store["active_manifest"]]
    parents = [i for i in manifest["ingredients"] if i["relationship"] == "parentOf"]
    assert len(parents) == 1
    parent: dict[str, Any] = parents[0]
    return parent


def signed_original_asset(make_asset, editor, original: bytes):
    asset = make_asset(
        file=ContentFile(original, name="agency.jpg"), original_filename="agency.jpg"
    )
    return label_as_ai_generated(asset, editor)


def test_the_originals_own_manifest_is_carried_inside_the_ingredient(
    make_asset, editor, signing_keys
):
    agency = make_signer("Example Agency")
    original = signed_jpeg(
        agency,
        source_type="trainedAlgorithmicMedia",
        software_agent="Image Generator 3",
        base=jpeg_bytes((90, 140, 60), size=(640, 480)),
    )
    original_label = own_store(original)["active_manifest"]
    asset = signed_original_asset(make_asset, editor, original)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    # An independent reader that trusts only the newsroom's root.
    store = read_back(file_bytes(rendition.file), "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    parent = parent_of(store)
    assert parent["active_manifest"] == original_label
    carried = store["manifests"][original_label]
    assert carried["signature_info"]["issuer"] == "Example Agency"
    assert carried["claim_generator_info"][0]["name"] == "Proofdesk Tests"
    created = carried["assertions"][0]["data"]["actions"][0]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == IPTC_DST_PREFIX + "trainedAlgorithmicMedia"
    assert created["softwareAgent"]["name"] == "Image Generator 3"
    # The original's verdict, as written into the ingredient when signing: intact, and its
    # signer (not one of the newsroom's anchors) not passed off as trusted.
    verdict = parent["validation_results"]["activeManifest"]
    assert "assertion.dataHash.match" in {s["code"] for s in verdict["success"]}
    assert [f["code"] for f in verdict["failure"]] == ["signingCredential.untrusted"]


def test_the_corpus_c_jpg_keeps_its_credentials_inside_the_ingredient(
    make_asset, editor, signing_keys
):
    path = CORPUS / "C.jpg"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"The C2PA corpus is missing at {CORPUS} (set C2PA_CORPUS).")
        pytest.skip(f"no C2PA corpus at {CORPUS} (set C2PA_CORPUS); CI fails instead")
    original = path.read_bytes()
    theirs = own_store(original)
    asset = signed_original_asset(make_asset, editor, original)

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    store = read_back(file_bytes(rendition.file), "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"
    parent = parent_of(store)
    assert parent["active_manifest"] == theirs["active_manifest"]
    carried = store["manifests"][theirs["active_manifest"]]
    original_manifest = theirs["manifests"][theirs["active_manifest"]]
    assert carried["signature_info"] == original_manifest["signature_info"]
    # C.jpg is a version 1 claim: its generator is a plain string.
    assert carried.get("claim_generator") == original_manifest.get("claim_generator")
    assert carried.get("claim_generator_info") == original_manifest.get("claim_generator_info")
    assert {a["label"] for a in carried["assertions"]} == {
        a["label"] for a in original_manifest["assertions"]
    }


def test_the_disclosure_assertion_carries_term_text_certainty_and_policy(
    classified, editor, signing_keys, settings
):
    settings.DISCLOSURE_POLICY_URL = "https://news.example/standards/synthetic-media"
    label = label_set(
        asset_id=classified.asset_id,
        actor=editor,
        term_key="ai-generated",
        language="es",
    )
    rendition = rendition_create(asset_id=classified.asset_id, actor=editor)

    store = read_back(file_bytes(rendition.file), "image/jpeg", signing_keys / "root.pem")
    manifest = store["manifests"][store["active_manifest"]]
    disclosure = {a["label"]: a["data"] for a in manifest["assertions"]}["org.proofdesk.disclosure"]
    assert disclosure["term"] == "ai-generated"
    assert disclosure["label"] == "Generado con IA"
    assert disclosure["text"] == label.text and label.text.startswith("Este contenido (imagen)")
    assert disclosure["language"] == "es"
    assert disclosure["certainty"] == "confirmed"
    assert disclosure["policy_url"] == "https://news.example/standards/synthetic-media"
    assert disclosure["digital_source_type"] == IPTC_DST_PREFIX + "trainedAlgorithmicMedia"
    assert disclosure["techniques"] == ["wholly_synthetic"]
    assert disclosure["newsroom"] == "Test Newsroom"
    assert disclosure["label_version"] == label.version


# --- never passed off as signed: a trust anchor that is not the signer's root -------------------


def test_a_trust_anchor_that_is_not_the_signers_root_is_refused_before_signing(
    classified, editor, signing_keys, settings, tmp_path, media_files
):
    before = media_files()
    (tmp_path / "another-root.pem").write_text(make_dev_certificates(organisation="Other").root_pem)
    settings.SIGNING_TRUST_ANCHOR = str(tmp_path / "another-root.pem")
    label_ai(classified.asset_id, editor)

    with pytest.raises(LabelingError) as refused:
        rendition_create(asset_id=classified.asset_id, actor=editor)

    assert str(refused.value).startswith("The newsroom cannot sign renditions:")
    assert "does not chain to the newsroom's trust anchor (“Other Root CA”)" in str(refused.value)
    assert not Rendition.objects.exists()
    assert media_files() == before
    assert not AuditEvent.objects.filter(action="label.rendition_signed").exists()


def test_a_rendition_that_does_not_verify_against_the_anchor_is_not_stored(
    classified, editor, signing_keys, monkeypatch, media_files
):
    """The read-back is the last line: credentials that pass every check before signing (here
    forced, as a library that rejects the chain would) still leave nothing behind."""
    before = media_files()
    other_root = make_dev_certificates(organisation="Other").root_pem
    loaded = load_signing_credentials()
    monkeypatch.setattr(
        "labeling.services.load_signing_credentials",
        lambda: dataclasses.replace(loaded, anchor_pem=other_root),
    )
    label_ai(classified.asset_id, editor)

    with pytest.raises(LabelingError) as refused:
        rendition_create(asset_id=classified.asset_id, actor=editor)

    assert str(refused.value) == (
        "The signed rendition does not verify against the newsroom's root (the signing "
        "certificate does not chain to that root); it was not stored."
    )
    assert not Rendition.objects.exists()
    assert media_files() == before
    assert not AuditEvent.objects.filter(action="label.rendition_signed").exists()


SVG_DRAWING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<rect width="64" height="64" fill="#336699"/></svg>\n'
)


def test_an_svg_is_never_decoded_and_gets_a_slate_with_a_signed_manifest(
    make_asset, editor, signing_keys
):
    asset = make_asset(
        file=ContentFile(SVG_DRAWING, name="chart.svg"),
        media_type="image/svg+xml",
        media_kind="image",
    )
    label_as_ai_generated(asset, editor, certainty=Certainty.DECLARED, techniques=())
    rendition = rendition_create(asset_id=asset.pk, actor=editor)
    assert rendition.badge == BadgeOutcome.SLATE
    sidecar = file_bytes(rendition.sidecar) if rendition.sidecar else b""
    store = read_back(
        file_bytes(rendition.file), "image/svg+xml", signing_keys / "root.pem", sidecar=sidecar
    )
    assert store["validation_state"] == "Trusted"
