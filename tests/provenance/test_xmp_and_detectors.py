from __future__ import annotations

import io

import pytest

from provenance.detectors import CredentialSignalsDetector, DetectorFacts
from provenance.services import metadata_conflict
from provenance.xmp import read_xmp, xmp_packet
from tests.provenance.media import plain_jpeg, xmp_only_jpeg


def test_xmp_only_file_yields_source_type_tool_creator_and_credit():
    meta = read_xmp(io.BytesIO(xmp_only_jpeg()))
    assert meta.found
    assert meta.digital_source_type == "trainedAlgorithmicMedia"
    assert meta.creator_tool == "Midjourney v7"
    assert meta.creators == ["Synthetic Studio"]
    assert meta.credit == "Example Wire"


def test_file_without_xmp():
    assert not read_xmp(io.BytesIO(plain_jpeg())).found


def test_xmp_with_a_dtd_is_refused_not_expanded():
    hostile = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><!DOCTYPE x [<!ENTITY a "aaaa">]>&a;</x:xmpmeta>'
    )
    meta = read_xmp(io.BytesIO(b"\xff\xd8" + hostile))
    assert meta.found and "DTD" in meta.error
    assert meta.digital_source_type == ""


def test_malformed_xmp_is_reported():
    meta = read_xmp(io.BytesIO(b'junk<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></x:xmpmeta>'))
    assert meta.found and "well-formed" in meta.error


def test_xmp_packet_round_trips_special_characters():
    packet = xmp_packet(digital_source_type="compositeSynthetic", creator='A "quoted" <name>')
    meta = read_xmp(io.BytesIO(packet))
    assert meta.digital_source_type == "compositeSynthetic"
    assert meta.creators == ['A "quoted" <name>']


@pytest.mark.parametrize(
    ("c2pa_types", "xmp_type", "conflict"),
    [
        (["digitalCapture"], "trainedAlgorithmicMedia", True),
        (["trainedAlgorithmicMedia"], "digitalCapture", True),
        (["trainedAlgorithmicMedia"], "trainedAlgorithmicMedia", False),
        (["digitalCapture"], "", False),
        ([], "trainedAlgorithmicMedia", False),
    ],
)
def test_metadata_conflict(c2pa_types, xmp_type, conflict):
    assert bool(metadata_conflict(c2pa_types, xmp_type)) is conflict


def facts(**overrides):
    base = {
        "path": "x",
        "media_type": "image/jpeg",
        "state": "no_manifest",
        "c2pa_source_types": [],
        "xmp_source_type": "",
        "claim_generator": "",
        "software_agents": [],
        "creator_tool": "",
    }
    return DetectorFacts(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "verdict", "min_score", "max_score"),
    [
        (
            {"state": "trusted", "c2pa_source_types": ["trainedAlgorithmicMedia"]},
            "synthetic",
            0.95,
            1,
        ),
        (
            {"state": "invalid", "c2pa_source_types": ["trainedAlgorithmicMedia"]},
            "likely_synthetic",
            0.7,
            0.8,
        ),
        ({"xmp_source_type": "trainedAlgorithmicMedia"}, "likely_synthetic", 0.8, 0.9),
        ({"creator_tool": "Adobe Firefly 3"}, "likely_synthetic", 0.6, 0.75),
        ({"software_agents": ["Midjourney"]}, "likely_synthetic", 0.6, 0.75),
        ({"state": "valid", "c2pa_source_types": ["digitalCapture"]}, "likely_authentic", 0, 0.1),
        ({}, "no_signal", 0, 0),
        ({"creator_tool": "Adobe Lightroom 5.3"}, "no_signal", 0, 0),
    ],
)
def test_credential_signals_detector(overrides, verdict, min_score, max_score):
    finding = CredentialSignalsDetector().detect(facts(**overrides))
    assert finding.verdict == verdict
    assert min_score <= finding.score <= max_score
    assert finding.explanation
