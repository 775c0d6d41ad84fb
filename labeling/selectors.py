"""Reads for the labeling panel: what the desk knows about how the asset was made, the label the
audience will see, the signed rendition, whether the newsroom can sign at all, and what a new
classification should start from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count

from labeling.checks import EXPIRY_WARNING
from labeling.models import Certainty, Classification, Label, LabelTerm, Rendition, Technique
from labeling.renditions import xmp_note
from labeling.services import KNOWN_SOURCE_TYPES
from labeling.signing import SigningUnavailable, load_signing_credentials
from labeling.snippets import caption, html_snippet, json_ld_script
from labeling.vocabulary import LANGUAGES
from labeling.wording import label_required, suggested_wording, term_fits
from provenance.explanations import source_type_label
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState, source_type_term
from review.access import can_label, can_manage_vocabulary
from review.models import Asset, MediaKind

# Credentials in these states are intact: what they say about the source type is the signer's
# signed statement, so the classification may call it confirmed.
INTACT_STATES = frozenset({ProvenanceState.TRUSTED, ProvenanceState.VALID})


@dataclass(frozen=True)
class SigningStatus:
    ok: bool
    message: str  # why the newsroom cannot sign, or a warning that the certificate expires soon
    subject: str = ""
    organisation: str = ""
    fingerprint: str = ""
    not_after: dt.datetime | None = None


@dataclass(frozen=True)
class Prefill:
    """Where a new classification starts: the latest provenance check's digital source type."""

    source_type: str
    certainty: str
    report_id: int | None
    origin: str  # one sentence for the editor: where the prefill came from and what it is worth


@dataclass(frozen=True)
class TermOption:
    term: LabelTerm
    fits: bool  # fits the current classification; the service refuses terms that do not
    names: dict[str, str]  # language -> the short label in that language


@dataclass(frozen=True)
class Snippets:
    caption: str
    html: str
    json_ld: str


@dataclass(frozen=True)
class LabelingPanel:
    asset: Asset
    can_label: bool
    can_manage_vocabulary: bool
    classification: Classification | None
    label_required: bool | None  # None until classified
    label: Label | None
    label_history: list[Label]
    term_options: list[TermOption]  # the terms that fit first
    # term key -> language -> the wording the service would use for the current classification
    suggestions: dict[str, dict[str, str]]
    rendition: Rendition | None
    signing: SigningStatus
    prefill: Prefill
    snippets: Snippets | None
    languages: list[tuple[str, str]] = field(default_factory=lambda: list(LANGUAGES))

    @property
    def history_count(self) -> int:
        return len(self.label_history)

    @property
    def suggested_terms(self) -> list[TermOption]:
        return [option for option in self.term_options if option.fits]

    @property
    def label_outdated(self) -> bool:
        """The label was worded for an earlier classification: it must be set again."""
        return (
            self.label is not None
            and self.classification is not None
            and self.label.classification_id != self.classification.pk
        )

    @property
    def rendition_stale(self) -> bool:
        """The rendition carries an older label version than the current one."""
        return (
            self.rendition is not None
            and self.label is not None
            and self.rendition.label_id != self.label.pk
        )

    @property
    def badge_preview_due(self) -> bool:
        """An image with a label that no signed rendition carries yet: show how the badge will
        look before anyone signs."""
        fresh = self.rendition is None or self.rendition_stale
        return self.label is not None and self.asset.media_kind == MediaKind.IMAGE and fresh

    @property
    def technique_labels(self) -> list[str]:
        if self.classification is None:
            return []
        return [Technique(t).label for t in self.classification.techniques if t in Technique.values]

    @property
    def rendition_caption(self) -> str:
        """The caption that goes with the rendition: its own label's, which may be older."""
        return caption(self.rendition.label) if self.rendition else ""

    @property
    def xmp_note(self) -> str:
        """Before a rendition is made: that an audio or video one will carry no XMP."""
        if self.classification is None:
            return ""
        return xmp_note(
            media_kind=self.asset.media_kind, source_type=self.classification.source_type
        )

    @property
    def source_type_label(self) -> str:
        return source_type_label(self.classification.source_type) if self.classification else ""

    def classification_initial(self) -> dict[str, Any]:
        """A new version starts from the current one, or from the provenance check."""
        if self.classification is not None:
            c = self.classification
            return {
                "source_type": c.source_type,
                "techniques": list(c.techniques),
                "purpose": c.purpose,
                "certainty": c.certainty,
                "note": c.note,
                "provenance_report": c.provenance_report_id or "",
            }
        return {
            "source_type": self.prefill.source_type,
            "certainty": self.prefill.certainty,
            "provenance_report": self.prefill.report_id or "",
        }

    def label_choice(self, term: str = "", language: str = "") -> tuple[str, str]:
        """The (term, language) the label form shows: the one asked for if offered, else the
        current label's if it still fits, else the first term that fits."""
        offered = {option.term.key for option in self.term_options}
        languages = {code for code, _ in self.languages}
        if term not in offered:
            current = self.label.term.key if self.label else ""
            fitting = [option.term.key for option in self.suggested_terms]
            if current in fitting:
                term = current
            else:
                # The fitting terms come first.
                term = self.term_options[0].term.key if self.term_options else ""
        if language not in languages:
            language = self.label.language if self.label else self.languages[0][0]
        return term, language

    def suggestion(self, term: str, language: str) -> str:
        return self.suggestions.get(term, {}).get(language, "")


def signing_status() -> SigningStatus:
    """Whether renditions can be signed now, read from the files the environment names."""
    try:
        credentials = load_signing_credentials()
    except SigningUnavailable as exc:
        return SigningStatus(ok=False, message=str(exc))
    left = credentials.not_after - dt.datetime.now(dt.UTC)
    message = (
        f"The signing certificate expires in {left.days} days: renew it and re-sign."
        if left < EXPIRY_WARNING
        else ""
    )
    return SigningStatus(
        ok=True,
        message=message,
        subject=credentials.subject,
        organisation=credentials.organisation,
        fingerprint=credentials.fingerprint,
        not_after=credentials.not_after,
    )


def classification_prefill(report: ProvenanceReport | None) -> Prefill:
    """Credentials that verify against our trust list confirm the source type; intact ones
    from a signer we do not trust, and the IPTC metadata field, are only a declaration (the
    signer's, or the creator's or their tool's); with neither it is the editor's judgment."""
    if report is None:
        return Prefill("", Certainty.JUDGMENT, None, "The file has not been checked yet.")
    signed = [
        term
        for term in (source_type_term(t) for t in report.digital_source_types)
        if term in KNOWN_SOURCE_TYPES
    ]
    if signed and report.state == ProvenanceState.TRUSTED:
        return Prefill(
            signed[0],
            Certainty.CONFIRMED,
            report.pk,
            f"Prefilled from the file's Content Credentials ({report.get_state_display()}): "
            f"{source_type_label(signed[0])}.",
        )
    if signed and report.state in INTACT_STATES:
        # Intact, but signed by someone not on our trust list: nobody we know vouches for it,
        # so it is what the signer declares, not a confirmation.
        return Prefill(
            signed[0],
            Certainty.DECLARED,
            report.pk,
            f"Prefilled from the file's Content Credentials, signed by someone not on our trust "
            f"list ({report.get_state_display()}): the signer declares "
            f"{source_type_label(signed[0])}; that confirms nothing by itself.",
        )
    declared = source_type_term(report.xmp_digital_source_type)
    declared = declared if declared in KNOWN_SOURCE_TYPES else ""
    if signed:
        # Credentials that fail verification confirm nothing; keep what they claim as a hint.
        return Prefill(
            signed[0],
            Certainty.JUDGMENT,
            report.pk,
            f"The file's Content Credentials claim {source_type_label(signed[0])}, but they "
            f"did not verify ({report.get_state_display()}): they confirm nothing.",
        )
    if declared:
        return Prefill(
            declared,
            Certainty.DECLARED,
            report.pk,
            "Prefilled from the file's IPTC metadata, which the creator or their tool wrote "
            f"(unsigned): {source_type_label(declared)}.",
        )
    return Prefill(
        "",
        Certainty.JUDGMENT,
        report.pk,
        "Neither Content Credentials nor IPTC metadata say how the file was made.",
    )


def term_options(
    asset: Asset, classification: Classification | None
) -> tuple[list[TermOption], dict[str, dict[str, str]]]:
    """The active terms, those that fit the classification first, and the wording each would
    give in each language (two queries)."""
    options: list[TermOption] = []
    suggestions: dict[str, dict[str, str]] = {}
    for term in LabelTerm.objects.filter(active=True).prefetch_related("texts"):
        texts = list(term.texts.all())
        fits = classification is not None and term_fits(term, classification.source_type)
        options.append(TermOption(term, fits, {t.language: t.name for t in texts}))
        if classification is not None:
            suggestions[term.key] = {
                t.language: suggested_wording(
                    t, certainty=classification.certainty, media_kind=asset.media_kind
                ).text
                for t in texts
            }
    # A stable sort keeps the vocabulary's own order within each group.
    options.sort(key=lambda option: not option.fits)
    return options, suggestions


def current_classification(asset: Asset) -> Classification | None:
    return (
        Classification.objects.filter(asset=asset)
        .select_related("created_by")
        .order_by("-version")
        .first()
    )


def vocabulary_overview() -> dict[str, Any]:
    """Every term, in use or not, with its words per language and how many labels use it."""
    terms = list(LabelTerm.objects.order_by("-active", "position", "key").prefetch_related("texts"))
    usage = dict(
        Label.objects.order_by().values("term").annotate(n=Count("pk")).values_list("term", "n")
    )
    rows = [
        {
            "term": term,
            "texts": list(term.texts.all()),
            "source_types": [(t, source_type_label(t)) for t in term.source_types],
            "techniques": [Technique(t).label for t in term.techniques if t in Technique.values],
            "label_count": usage.get(term.pk, 0),
        }
        for term in terms
    ]
    return {"terms": rows}


def labeling_panel(asset: Asset, user: User | AnonymousUser) -> LabelingPanel:
    """Everything the labeling panel shows, in a fixed number of queries however many label
    versions, renditions or terms there are."""
    classification = current_classification(asset)
    history = list(
        Label.objects.filter(asset=asset)
        .select_related("term", "classification", "created_by")
        .order_by("-version")
    )
    label = history[0] if history else None
    rendition = (
        Rendition.objects.filter(asset=asset)
        .select_related("label__classification", "created_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    report = asset.provenance_reports.order_by("-created_at", "-pk").first()
    options, suggestions = term_options(asset, classification)

    snippets = None
    if label is not None:
        snippets = Snippets(
            caption=caption(label),
            html=html_snippet(label, asset),
            json_ld=json_ld_script(asset, label, label.classification),
        )
    return LabelingPanel(
        asset=asset,
        can_label=can_label(user, asset),
        can_manage_vocabulary=can_manage_vocabulary(user),
        classification=classification,
        label_required=(
            label_required(classification.source_type, list(classification.techniques))
            if classification
            else None
        ),
        label=label,
        label_history=history,
        term_options=options,
        suggestions=suggestions,
        rendition=rendition,
        signing=signing_status(),
        prefill=classification_prefill(report),
        snippets=snippets,
    )
