"""Writes for the label vocabulary: adding a term, editing its source types and words, and
taking it out of use. Terms are never deleted: every label ever set points at its term, and
keeps its own copy of the words it was published with, so editing or deactivating a term
changes no existing label."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from audit.services import audit_record
from labeling.models import LabelTerm, LabelTermText, Technique
from labeling.services import KNOWN_SOURCE_TYPES
from labeling.vocabulary import LANGUAGES

# The only placeholder the wording fills in (labeling.wording.suggested_wording); anything
# else in braces would reach the audience as written.
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
ALLOWED_PLACEHOLDERS = frozenset({"{medium}"})
NAME_MAX = LabelTermText._meta.get_field("name").max_length or 100
NOTE_MAX = LabelTermText._meta.get_field("firm_note").max_length or 400
KEY_MAX = LabelTerm._meta.get_field("key").max_length or 60


class VocabularyError(Exception):
    """A vocabulary change that cannot be made; the message is shown as is."""


@dataclass(frozen=True)
class TermWords:
    """A term's words in one language."""

    name: str
    firm_note: str
    uncertain_note: str


def _clean_words(language: str, words: TermWords) -> TermWords:
    cleaned = TermWords(
        name=" ".join(words.name.split()),
        firm_note=" ".join(words.firm_note.split()),
        uncertain_note=" ".join(words.uncertain_note.split()),
    )
    for field_name, value, limit in [
        ("label", cleaned.name, NAME_MAX),
        ("firm note", cleaned.firm_note, NOTE_MAX),
        ("uncertain note", cleaned.uncertain_note, NOTE_MAX),
    ]:
        if not value:
            raise VocabularyError(f"The {field_name} ({language}) cannot be empty.")
        if len(value) > limit:
            raise VocabularyError(f"The {field_name} ({language}) is too long (at most {limit}).")
        unknown = set(PLACEHOLDER.findall(value)) - ALLOWED_PLACEHOLDERS
        if unknown:
            raise VocabularyError(
                f"The {field_name} ({language}) contains {', '.join(sorted(unknown))}; only "
                "{medium} is filled in."
            )
    return cleaned


def _clean(
    source_types: list[str], techniques: list[str], texts: dict[str, TermWords]
) -> tuple[list[str], list[str], dict[str, TermWords]]:
    if not source_types:
        raise VocabularyError("Choose at least one digital source type the term fits.")
    unknown = set(source_types) - KNOWN_SOURCE_TYPES
    if unknown:
        raise VocabularyError(f"Unknown digital source type(s): {', '.join(sorted(unknown))}.")
    unknown = set(techniques) - set(Technique.values)
    if unknown:
        raise VocabularyError(f"Unknown technique(s): {', '.join(sorted(unknown))}.")
    languages = [code for code, _ in LANGUAGES]
    # Every language the desk labels in: a term missing one would fail when labeling in it.
    missing = [code for code in languages if code not in texts]
    if missing:
        raise VocabularyError(f"Give the term's words in every language ({', '.join(missing)}).")
    extra = set(texts) - set(languages)
    if extra:
        raise VocabularyError(f"Unknown language(s): {', '.join(sorted(extra))}.")
    cleaned = {code: _clean_words(code, texts[code]) for code in languages}
    # Keep the order they were chosen in; a term's first source type is the one shown first.
    return list(dict.fromkeys(source_types)), sorted(set(techniques)), cleaned


def _write_texts(term: LabelTerm, texts: dict[str, TermWords]) -> None:
    for language, words in texts.items():
        LabelTermText.objects.update_or_create(
            term=term,
            language=language,
            defaults={
                "name": words.name,
                "firm_note": words.firm_note,
                "uncertain_note": words.uncertain_note,
            },
        )


def _snapshot(term: LabelTerm, texts: dict[str, TermWords]) -> dict[str, object]:
    return {
        "key": term.key,
        "source_types": list(term.source_types),
        "techniques": list(term.techniques),
        "position": term.position,
        "active": term.active,
        "texts": {language: asdict(words) for language, words in texts.items()},
    }


def term_create(
    *,
    actor: User,
    key: str,
    source_types: list[str],
    techniques: list[str],
    texts: dict[str, TermWords],
    position: int | None = None,
) -> LabelTerm:
    key = key.strip()
    if not key or slugify(key) != key or len(key) > KEY_MAX:
        raise VocabularyError(
            f"The key must be a short slug of lowercase letters, digits and hyphens "
            f"(at most {KEY_MAX}), e.g. 'ai-generated'."
        )
    source_types, techniques, texts = _clean(source_types, techniques, texts)
    try:
        with transaction.atomic():
            if position is None:
                position = int(LabelTerm.objects.aggregate(p=Max("position"))["p"] or 0) + 1
            term = LabelTerm.objects.create(
                key=key, source_types=source_types, techniques=techniques, position=position
            )
            _write_texts(term, texts)
            audit_record(
                actor=actor,
                action="label_term.created",
                obj=term,
                details=_snapshot(term, texts),
            )
    except IntegrityError:
        # The unique key decides between two standards editors adding the same term at once.
        raise VocabularyError(f"A term with the key {key!r} already exists.") from None
    return term


def term_update(
    *,
    term_id: int,
    actor: User,
    source_types: list[str],
    techniques: list[str],
    texts: dict[str, TermWords],
    position: int | None = None,
) -> LabelTerm:
    """New source types and words for a term. Labels already set keep the words they were set
    with; the new words apply to labels set from now on."""
    source_types, techniques, texts = _clean(source_types, techniques, texts)
    with transaction.atomic():
        term = LabelTerm.objects.select_for_update().get(pk=term_id)
        before = _snapshot(
            term,
            {
                t.language: TermWords(t.name, t.firm_note, t.uncertain_note)
                for t in term.texts.all()
            },
        )
        term.source_types = source_types
        term.techniques = techniques
        if position is not None:
            term.position = position
        term.save(update_fields=["source_types", "techniques", "position", "updated_at"])
        _write_texts(term, texts)
        audit_record(
            actor=actor,
            action="label_term.updated",
            obj=term,
            details={"before": before, "after": _snapshot(term, texts)},
        )
    return term


def _term_set_active(*, term_id: int, actor: User, active: bool) -> LabelTerm:
    with transaction.atomic():
        term = LabelTerm.objects.select_for_update().get(pk=term_id)
        if term.active == active:
            state = "in use" if active else "out of use"
            raise VocabularyError(f"The term {term.key!r} is already {state}.")
        term.active = active
        term.save(update_fields=["active", "updated_at"])
        audit_record(
            actor=actor,
            action="label_term.reactivated" if active else "label_term.deactivated",
            obj=term,
            details={"key": term.key},
        )
    return term


def term_deactivate(*, term_id: int, actor: User) -> LabelTerm:
    """Out of use for new labels; labels already set with it keep working."""
    return _term_set_active(term_id=term_id, actor=actor, active=False)


def term_reactivate(*, term_id: int, actor: User) -> LabelTerm:
    return _term_set_active(term_id=term_id, actor=actor, active=True)
