"""Honest wording: the label says what is known. With credentials or the creator's word behind
it, the note states what was done; on a detector's score or an editor's judgment it says so and
what could not be confirmed, without guessing further."""

from __future__ import annotations

from dataclasses import dataclass

from labeling.models import FIRM_CERTAINTIES, LabelTerm, LabelTermText
from labeling.vocabulary import MEDIUM_WORDS
from provenance.states import CAPTURE_SOURCE_TYPES

# Digital source types that on their own need no label: captured, not synthesised.
PLAINLY_NON_SYNTHETIC = CAPTURE_SOURCE_TYPES - {"compositeCapture"} | {
    "negativeFilm",
    "positiveFilm",
    "print",
}


@dataclass(frozen=True)
class Wording:
    name: str
    text: str


def label_required(source_type: str, techniques: list[str]) -> bool:
    """A label is needed unless the asset is plainly a capture with nothing synthesised."""
    return source_type not in PLAINLY_NON_SYNTHETIC or bool(techniques)


def term_fits(term: LabelTerm, source_type: str) -> bool:
    return source_type in term.source_types


def suggested_wording(term_text: LabelTermText, *, certainty: str, media_kind: str) -> Wording:
    medium = MEDIUM_WORDS.get(term_text.language, MEDIUM_WORDS["en"]).get(media_kind, media_kind)
    template = term_text.firm_note if certainty in FIRM_CERTAINTIES else term_text.uncertain_note
    return Wording(name=term_text.name, text=template.replace("{medium}", medium))
