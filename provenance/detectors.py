"""Synthetic-content detectors as plug-ins.

A detector is a class named in settings.PROVENANCE_DETECTORS with `name`, `version` and
`detect(facts) -> DetectorFinding`. Its result is stored per asset and per detector version.
A detector that raises or runs past its time limit is recorded as failed or timed out and
blocks nothing.

The one shipped here reads the signals already in the file: the digital source types in the
C2PA actions and in IPTC XMP, and generator names in the claim generator, software agents and
creator tool. No model weights, no guessing from pixels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from provenance.states import (
    CAPTURE_SOURCE_TYPES,
    GENERATIVE_SOURCE_TYPES,
    SYNTHETIC_SOURCE_TYPES,
    ProvenanceState,
)


@dataclass(frozen=True)
class DetectorFacts:
    """What a detector may look at: the file and what the verification found."""

    path: str
    media_type: str
    state: str
    c2pa_source_types: list[str]
    xmp_source_type: str
    claim_generator: str
    software_agents: list[str]
    creator_tool: str


@dataclass(frozen=True)
class DetectorFinding:
    score: float  # 0 = no sign of synthesis, 1 = certainly synthetic
    verdict: str  # a DetectorVerdict value
    explanation: str
    signals: list[str] = field(default_factory=list)


class Detector(Protocol):
    name: str
    version: str

    def detect(self, facts: DetectorFacts) -> DetectorFinding: ...


# Generators whose names in a claim generator, software agent or creator tool mean the file was
# made or changed by generative AI. Lower-case substrings.
KNOWN_GENERATORS = (
    "dall-e",
    "dall·e",
    "openai",
    "chatgpt",
    "midjourney",
    "stable diffusion",
    "stablediffusion",
    "stability ai",
    "firefly",
    "imagen",
    "gemini",
    "sora",
    "runway",
    "pika",
    "flux",
    "elevenlabs",
    "leonardo.ai",
    "ideogram",
    "bing image creator",
    "copilot",
    "synthesia",
    "heygen",
    "kling",
    "veo",
)
_GENERATOR_RE = re.compile("|".join(re.escape(name) for name in KNOWN_GENERATORS), re.IGNORECASE)


class CredentialSignalsDetector:
    name = "credential-signals"
    version = "1.0"

    def detect(self, facts: DetectorFacts) -> DetectorFinding:
        signals: list[str] = []
        score = 0.0
        verified = facts.state in {ProvenanceState.TRUSTED, ProvenanceState.VALID}

        generative = [t for t in facts.c2pa_source_types if t in GENERATIVE_SOURCE_TYPES]
        synthetic = [t for t in facts.c2pa_source_types if t in SYNTHETIC_SOURCE_TYPES]
        if generative and verified:
            score = max(score, 0.99)
            signals.append(f"intact Content Credentials declare {', '.join(generative)}")
        elif generative:
            score = max(score, 0.75)
            signals.append(f"broken Content Credentials declare {', '.join(generative)}")
        elif synthetic:
            score = max(score, 0.8 if verified else 0.6)
            signals.append(f"Content Credentials declare {', '.join(synthetic)}")

        if facts.xmp_source_type in GENERATIVE_SOURCE_TYPES:
            # XMP is unsigned: easy to strip or forge, so weaker than intact credentials.
            score = max(score, 0.85)
            signals.append(f"IPTC metadata declares {facts.xmp_source_type}")
        elif facts.xmp_source_type in SYNTHETIC_SOURCE_TYPES:
            score = max(score, 0.6)
            signals.append(f"IPTC metadata declares {facts.xmp_source_type}")

        for label, text in (
            ("claim generator", facts.claim_generator),
            ("creator tool", facts.creator_tool),
            *(("software agent", a) for a in facts.software_agents),
        ):
            match = _GENERATOR_RE.search(text or "")
            if match:
                score = max(score, 0.7)
                signals.append(f"{label} names {match.group(0)!r}")

        if signals:
            verdict = "synthetic" if score >= 0.95 else "likely_synthetic"
            return DetectorFinding(
                round(score, 2),
                verdict,
                "Signals of AI generation: " + "; ".join(signals) + ".",
                signals,
            )
        captured = [t for t in facts.c2pa_source_types if t in CAPTURE_SOURCE_TYPES]
        if captured and verified:
            return DetectorFinding(
                0.05,
                "likely_authentic",
                f"Intact Content Credentials declare {', '.join(captured)}, and no sign of AI "
                "generation was found.",
                [f"credentials declare {', '.join(captured)}"],
            )
        return DetectorFinding(
            0.0,
            "no_signal",
            "No signal either way in the credentials or metadata. This does not mean the file "
            "is genuine: most files carry no such signals.",
        )
