"""Reads for the public pages. Nothing here may return a person's data: the public pages show
policies and the label vocabulary only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max
from django.http import Http404

from labeling.models import LabelTerm, LabelTermText
from public.models import POLICY_LANGUAGES, PolicyDocument, PolicyVersion

DEFAULT_LANGUAGE = "en"
# A term's notes name the medium ({medium}); the glossary speaks of all of them.
ANY_MEDIUM = {"en": "image, video or audio", "es": "imagen, vídeo o audio"}


def public_language(requested: str | None) -> str:
    codes = {code for code, _ in POLICY_LANGUAGES}
    return requested if requested in codes else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class PolicyPage:
    document: PolicyDocument
    version: PolicyVersion
    latest: int  # the newest version's number: an old version says it was replaced
    languages: list[tuple[str, str]]  # the other languages this policy is published in


def policy_list(language: str) -> list[PolicyVersion]:
    """The current version of every policy published in `language`."""
    latest = (
        PolicyDocument.objects.filter(language=language)
        .annotate(latest=Max("versions__version"))
        .filter(latest__isnull=False)
    )
    wanted = {(document.pk, document.latest) for document in latest}
    versions = PolicyVersion.objects.filter(document__in=[pk for pk, _ in wanted]).select_related(
        "document"
    )
    return sorted(
        (v for v in versions if (v.document_id, v.version) in wanted),
        key=lambda v: (v.document.position, v.document.slug),
    )


def policy_page(slug: str, language: str, version: int | None = None) -> PolicyPage:
    """A policy's current version (or an old one by number); 404 when there is none."""
    document = PolicyDocument.objects.filter(slug=slug, language=language).first()
    if document is None:
        raise Http404("No such policy in this language.")
    versions = document.versions.order_by("-version")
    chosen = versions.filter(version=version).first() if version else versions.first()
    newest = versions.values_list("version", flat=True).first()
    if chosen is None or newest is None:
        raise Http404("No such version of this policy.")
    others = set(
        PolicyDocument.objects.filter(slug=slug, versions__isnull=False)
        .exclude(pk=document.pk)
        .values_list("language", flat=True)
    )
    return PolicyPage(
        document=document,
        version=chosen,
        latest=newest,
        languages=[(code, name) for code, name in POLICY_LANGUAGES if code in others],
    )


def policy_history(slug: str, language: str) -> tuple[PolicyDocument, list[PolicyVersion]]:
    document = PolicyDocument.objects.filter(slug=slug, language=language).first()
    if document is None:
        raise Http404("No such policy in this language.")
    return document, list(document.versions.order_by("-version"))


@dataclass(frozen=True)
class GlossaryEntry:
    key: str
    name: str
    firm_note: str
    uncertain_note: str


def label_glossary(language: str) -> list[GlossaryEntry]:
    """Every active label term the audience may meet, in `language` (English where a term has
    no text in it yet)."""
    terms = list(LabelTerm.objects.filter(active=True).order_by("position", "key"))
    texts = LabelTermText.objects.filter(term__in=terms, language__in={language, "en"})
    by_term: dict[int, dict[str, LabelTermText]] = {}
    for text in texts:
        by_term.setdefault(text.term_id, {})[text.language] = text
    entries = []
    for term in terms:
        found = by_term.get(term.pk, {})
        chosen = found.get(language) or found.get("en")
        if chosen is None:
            continue
        text = chosen
        medium = ANY_MEDIUM.get(text.language, ANY_MEDIUM["en"])
        entries.append(
            GlossaryEntry(
                key=term.key,
                name=text.name,
                firm_note=text.firm_note.replace("{medium}", medium),
                uncertain_note=text.uncertain_note.replace("{medium}", medium),
            )
        )
    return entries


def desk_policy_list() -> list[tuple[PolicyDocument, PolicyVersion | None]]:
    documents = list(PolicyDocument.objects.order_by("position", "slug", "language"))
    latest: dict[int, PolicyVersion] = {}
    for version in PolicyVersion.objects.filter(document__in=documents).order_by("version"):
        latest[version.document_id] = version
    return [(document, latest.get(document.pk)) for document in documents]
