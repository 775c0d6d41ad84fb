"""The default label vocabulary (loaded by migration labeling.0002; standards editors edit it in
the app afterwards). Each term fits IPTC digital source types and PAI techniques, with the short
label and two context notes per language: a firm one for when the credentials confirm or the
creator declares how it was made, and a hedged one that says what is not known. {medium} is
"image", "video" or "audio" in the language."""

from __future__ import annotations

from typing import Any

# IPTC algorithmicMedia: "created purely by an algorithm not based on any sampled training
# data". Migration labeling.0004 adds it to vocabularies loaded before it existed.
COMPUTER_GENERATED: dict[str, Any] = {
    "key": "computer-generated",
    "source_types": ["algorithmicMedia"],
    "techniques": ["wholly_synthetic", "events_not_occurred"],
    "texts": {
        "en": (
            "Computer-generated",
            "This {medium} was created by a computer program, not recorded from a real "
            "scene. It was not made with generative AI.",
            "This {medium} appears to have been created by a computer program. We could not "
            "confirm how it was made.",
        ),
        "es": (
            "Generado por ordenador",
            "Este contenido ({medium}) fue creado por un programa informático y no registra "
            "una escena real. No se hizo con IA generativa.",
            "Este contenido ({medium}) parece haber sido creado por un programa informático. "
            "No pudimos confirmar cómo se hizo.",
        ),
    },
}

DEFAULT_TERMS: list[dict[str, Any]] = [
    {
        "key": "ai-generated",
        # Not algorithmicMedia: made by an algorithm without training on examples (procedural
        # graphics, simulations), which "artificial intelligence" would misdescribe.
        "source_types": ["trainedAlgorithmicMedia"],
        "techniques": ["wholly_synthetic", "fake_persona", "events_not_occurred"],
        "texts": {
            "en": (
                "AI-generated",
                "This {medium} was generated with artificial intelligence. It does not show "
                "a real scene.",
                "This {medium} appears to have been generated with artificial intelligence. "
                "We could not confirm how it was made.",
            ),
            "es": (
                "Generado con IA",
                "Este contenido ({medium}) fue generado con inteligencia artificial. No "
                "muestra una escena real.",
                "Este contenido ({medium}) parece haber sido generado con inteligencia "
                "artificial. No pudimos confirmar cómo se hizo.",
            ),
        },
    },
    COMPUTER_GENERATED,
    {
        "key": "contains-ai-elements",
        "source_types": ["compositeWithTrainedAlgorithmicMedia", "compositeSynthetic"],
        "techniques": ["artifacts_changed", "person_represented", "events_not_occurred"],
        "texts": {
            "en": (
                "Contains AI-generated elements",
                "Parts of this {medium} were generated with artificial intelligence and "
                "combined with real material.",
                "Parts of this {medium} appear to have been generated with artificial "
                "intelligence. We could not confirm which parts.",
            ),
            "es": (
                "Contiene elementos generados con IA",
                "Partes de este contenido ({medium}) fueron generadas con inteligencia "
                "artificial y combinadas con material real.",
                "Partes de este contenido ({medium}) parecen haber sido generadas con "
                "inteligencia artificial. No pudimos confirmar cuáles.",
            ),
        },
    },
    {
        "key": "ai-altered",
        "source_types": ["algorithmicallyEnhanced", "compositeWithTrainedAlgorithmicMedia"],
        "techniques": ["artifacts_changed", "person_represented", "statements_not_made"],
        "texts": {
            "en": (
                "AI-altered",
                "This {medium} was altered with artificial intelligence.",
                "This {medium} appears to have been altered with artificial intelligence. "
                "We could not confirm what was changed.",
            ),
            "es": (
                "Alterado con IA",
                "Este contenido ({medium}) fue alterado con inteligencia artificial.",
                "Este contenido ({medium}) parece haber sido alterado con inteligencia "
                "artificial. No pudimos confirmar qué se cambió.",
            ),
        },
    },
    {
        "key": "synthetic-voice",
        "source_types": ["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"],
        "techniques": ["statements_not_made", "person_represented", "fake_persona"],
        "texts": {
            "en": (
                "Synthetic voice",
                "The voice in this {medium} was generated with artificial intelligence. "
                "The person did not say these words.",
                "The voice in this {medium} appears to have been generated with artificial "
                "intelligence. We could not confirm how it was made.",
            ),
            "es": (
                "Voz sintética",
                "La voz de este contenido ({medium}) fue generada con inteligencia "
                "artificial. La persona no dijo estas palabras.",
                "La voz de este contenido ({medium}) parece haber sido generada con "
                "inteligencia artificial. No pudimos confirmar cómo se hizo.",
            ),
        },
    },
    {
        "key": "ai-illustration",
        "source_types": ["trainedAlgorithmicMedia", "digitalArt", "digitalCreation"],
        "techniques": ["wholly_synthetic"],
        "texts": {
            "en": (
                "Illustration made with AI",
                "This illustration was made with artificial intelligence.",
                "This illustration appears to have been made with artificial intelligence.",
            ),
            "es": (
                "Ilustración hecha con IA",
                "Esta ilustración fue hecha con inteligencia artificial.",
                "Esta ilustración parece haber sido hecha con inteligencia artificial.",
            ),
        },
    },
    {
        "key": "digitally-altered",
        "source_types": [
            "humanEdits",
            "compositeCapture",
            "composite",
            "algorithmicallyEnhanced",
            "digitalArt",
        ],
        "techniques": ["artifacts_changed"],
        "texts": {
            "en": (
                "Digitally altered",
                "This {medium} was digitally altered.",
                "This {medium} appears to have been digitally altered. We could not confirm "
                "what was changed.",
            ),
            "es": (
                "Alterado digitalmente",
                "Este contenido ({medium}) fue alterado digitalmente.",
                "Este contenido ({medium}) parece haber sido alterado digitalmente. No "
                "pudimos confirmar qué se cambió.",
            ),
        },
    },
]

MEDIUM_WORDS: dict[str, dict[str, str]] = {
    "en": {"image": "image", "video": "video", "audio": "audio recording"},
    "es": {"image": "imagen", "video": "vídeo", "audio": "grabación de audio"},
}

LANGUAGES = [("en", "English"), ("es", "Español")]
