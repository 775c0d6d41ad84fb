"""Reads for the provenance panel and the trust page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provenance.explanations import (
    Explanation,
    action_label,
    explain_code,
    explain_state,
    source_type_label,
)
from provenance.models import DetectorRun, ProvenanceReport, TrustList, TrustRecheck
from provenance.reader import library_version
from provenance.states import GENERATIVE_SOURCE_TYPES, SYNTHETIC_SOURCE_TYPES
from provenance.trust import effective_trust
from review.models import Asset


@dataclass(frozen=True)
class ProvenancePanel:
    report: ProvenanceReport | None
    explanation: Explanation | None
    codes: list[dict[str, str]]
    actions: list[dict[str, Any]]
    source_types: list[dict[str, str]]
    ai_verdict: str
    thumbnails: dict[str, int]
    detector_runs: list[DetectorRun]
    stale_trust: bool
    history_count: int


def _ai_verdict(report: ProvenanceReport) -> str:
    c2pa_terms = set(report.digital_source_types)
    if c2pa_terms & GENERATIVE_SOURCE_TYPES:
        return "The credentials say generative AI made or changed this file."
    if c2pa_terms & SYNTHETIC_SOURCE_TYPES:
        return "The credentials say it was made or changed by software, not only captured."
    if report.xmp_digital_source_type in GENERATIVE_SOURCE_TYPES:
        return "The file's IPTC metadata (unsigned) says generative AI made it."
    if c2pa_terms:
        return "The credentials do not say AI was involved."
    return "Nothing in the file says whether AI was involved."


def _annotate_ingredients(
    nodes: list[dict[str, Any]], thumbs: dict[str, int]
) -> list[dict[str, Any]]:
    annotated = []
    for node in nodes:
        annotated.append(
            {
                **node,
                "explanation": explain_state(node.get("state", "")),
                "thumbnail_id": thumbs.get(node.get("thumbnail", "")),
                "children": _annotate_ingredients(node.get("children", []), thumbs),
            }
        )
    return annotated


def provenance_panel(asset: Asset) -> ProvenancePanel:
    """Everything the asset page shows about the latest check, in a fixed number of queries
    however deep the ingredient tree or long the history."""
    report = asset.provenance_reports.order_by("-created_at", "-pk").first()
    if report is None:
        return ProvenancePanel(None, None, [], [], [], "", {}, [], False, 0)
    history_count = asset.provenance_reports.count()
    thumbs = dict(report.thumbnails.values_list("identifier", "pk"))
    explanations = {s.get("code"): s.get("explanation", "") for s in report.status}
    report.ingredients = _annotate_ingredients(report.ingredients, thumbs)
    return ProvenancePanel(
        report=report,
        explanation=explain_state(report.state),
        codes=[
            {"code": code, "text": explain_code(code, explanations.get(code, ""))}
            for code in report.codes
        ],
        actions=[
            {
                **a,
                "label": action_label(a.get("action", "")),
                "source_type_label": source_type_label(a["digital_source_type"].rsplit("/", 1)[-1])
                if a.get("digital_source_type")
                else "",
            }
            for a in report.actions
        ],
        source_types=[
            {"term": t, "label": source_type_label(t)} for t in report.digital_source_types
        ],
        ai_verdict=_ai_verdict(report),
        thumbnails=thumbs,
        detector_runs=list(report.detector_runs.order_by("detector")),
        stale_trust=report.trust_fingerprint != effective_trust().fingerprint,
        history_count=history_count,
    )


def trust_overview() -> dict[str, Any]:
    trust = effective_trust()
    return {
        "bundles": list(TrustList.objects.select_related("uploaded_by").order_by("-created_at")),
        "fingerprint": trust.fingerprint,
        "library_version": library_version(),
        "rechecks": list(TrustRecheck.objects.order_by("-created_at")[:5]),
    }
