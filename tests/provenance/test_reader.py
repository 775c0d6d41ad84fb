from __future__ import annotations

import io

import pytest

from provenance.reader import reader_context, verify_stream
from provenance.states import ProvenanceState
from tests.provenance.media import make_signer, plain_jpeg, signed_jpeg, tamper


@pytest.fixture(scope="module")
def signer():
    return make_signer()


def verify(data: bytes, mime: str = "image/jpeg", **trust):
    return verify_stream(io.BytesIO(data), mime, context=reader_context(**trust))


def test_signed_file_is_valid_before_its_root_is_an_anchor_and_trusted_after(signer):
    data = signed_jpeg(signer, source_type="digitalCapture")
    before = verify(data)
    after = verify(data, trust_anchors=signer.certs.root_pem)
    assert before.state == ProvenanceState.VALID
    assert before.codes == ["signingCredential.untrusted"]
    assert after.state == ProvenanceState.TRUSTED
    assert after.codes == []
    assert after.signer["organisation"] == "Proofdesk Test Agency"
    assert after.claim_generator == "Proofdesk Tests 1.0"
    assert after.digital_source_types == ["digitalCapture"]


def test_tampered_copy_is_invalid_with_the_hash_code(signer):
    result = verify(tamper(signed_jpeg(signer)), trust_anchors=signer.certs.root_pem)
    assert result.state == ProvenanceState.INVALID
    assert "assertion.dataHash.mismatch" in result.codes


def test_ai_generated_file_reports_source_type_and_software_agent(signer):
    data = signed_jpeg(signer, source_type="trainedAlgorithmicMedia", software_agent="DALL-E 3")
    result = verify(data)
    assert result.digital_source_types == ["trainedAlgorithmicMedia"]
    assert result.actions[0]["action"] == "c2pa.created"
    assert result.actions[0]["software_agent"] == "DALL-E 3"


def test_tampered_ingredient_shows_in_the_tree_while_the_top_level_is_trusted(signer):
    parent = tamper(signed_jpeg(signer, source_type="trainedAlgorithmicMedia"))
    child = signed_jpeg(signer, parent=parent, base=plain_jpeg((1, 2, 3)))
    result = verify(child, trust_anchors=signer.certs.root_pem)
    assert result.state == ProvenanceState.TRUSTED
    assert result.ingredient_count == 1
    node = result.ingredients[0]
    assert node["relationship"] == "parentOf"
    assert node["state"] == ProvenanceState.INVALID
    assert "assertion.dataHash.mismatch" in node["codes"]
    assert node["digital_source_types"] == ["trainedAlgorithmicMedia"]
    # The ingredient's thumbnail was extracted for the panel.
    assert node["thumbnail"] in result.thumbnails


def test_nested_ingredients_form_a_tree(signer):
    grandparent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia")
    parent = signed_jpeg(signer, parent=grandparent, base=plain_jpeg((9, 9, 9)))
    child = signed_jpeg(signer, parent=parent, base=plain_jpeg((3, 3, 3)))
    result = verify(child)
    assert result.ingredient_count == 2
    assert len(result.ingredients[0]["children"]) == 1


@pytest.mark.parametrize(
    ("data", "mime", "state"),
    [
        (plain_jpeg(), "image/jpeg", ProvenanceState.NO_MANIFEST),
        (b"not an image at all", "image/jpeg", ProvenanceState.UNSUPPORTED),
        (b"", "image/jpeg", ProvenanceState.UNSUPPORTED),
        # A type the c2pa library cannot read is not handed to it.
        (b"OggS\x00\x02" + b"\x00" * 26, "audio/ogg", ProvenanceState.UNSUPPORTED),
        # FLAC it reads (as audio/flac): a WAV header under that name is a file it cannot parse.
        (b"RIFF....WAVE", "audio/x-flac", ProvenanceState.UNREADABLE),
    ],
)
def test_files_without_readable_credentials(data, mime, state):
    result = verify(data, mime)
    assert result.state == state
    assert result.error


def test_credentials_cut_short_are_unreadable_not_a_crash(signer):
    data = signed_jpeg(signer)
    # Cut inside the JUMBF box (the manifest sits near the start of a JPEG).
    cut = data[: data.find(b"jumb") + 200]
    result = verify(cut)
    assert result.state in {ProvenanceState.UNREADABLE, ProvenanceState.INVALID}
    assert result.state != ProvenanceState.TRUSTED
