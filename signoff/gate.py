"""The sign-off gate: the one function that says whether an asset may be approved, item by item,
with what is wrong and where to fix it. The asset page shows it; the approve service refuses
on it with the same reasons."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse_lazy
from django.utils.functional import Promise
from django.utils.text import format_lazy

from consent.completeness import Completeness, consent_completeness
from labeling.models import Classification, Label, Rendition, Technique
from labeling.wording import label_required
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from review.access import can_review
from review.models import Asset, AssetStatus
from signoff.models import ProvenanceAcknowledgement

# Reports whose credentials fail: the editor must acknowledge them with a note.
NEEDS_ACKNOWLEDGEMENT = (ProvenanceState.INVALID,)


@dataclass(frozen=True)
class GateItem:
    key: str
    title: str
    ok: bool
    detail: str
    # Lazy: the queue builds these items for every row of a page and never shows the links.
    fix_url: str | Promise = ""


@dataclass(frozen=True)
class Gate:
    items: list[GateItem]
    snapshot: dict[str, Any] = field(default_factory=dict)
    second_approval: str = ""  # why a second approval is needed, or ""

    @property
    def passed(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def reasons(self) -> list[str]:
        return [f"{item.title}: {item.detail}" for item in self.items if not item.ok]


@dataclass(frozen=True)
class AssetState:
    """What the gate looks at, loaded once."""

    report: ProvenanceReport | None
    acknowledged: bool
    completeness: Completeness
    classification: Classification | None
    label: Label | None
    rendition: Rendition | None


def load_state(asset: Asset) -> AssetState:
    report = asset.provenance_reports.order_by("-created_at", "-pk").first()
    acknowledged = (
        report is not None
        and ProvenanceAcknowledgement.objects.filter(report=report, asset=asset).exists()
    )
    classification = Classification.objects.filter(asset=asset).order_by("-version").first()
    label = Label.objects.filter(asset=asset).select_related("term").order_by("-version").first()
    rendition = (
        Rendition.objects.filter(asset=asset, label=label).order_by("-created_at", "-pk").first()
        if label is not None
        else None
    )
    return AssetState(
        report=report,
        acknowledged=acknowledged,
        completeness=consent_completeness(asset),
        classification=classification,
        label=label,
        rendition=rendition,
    )


def snapshot(asset: Asset, state: AssetState) -> dict[str, Any]:
    """Exactly what an approval covers. Any difference later voids the sign-off."""
    records = []
    waivers = []
    for item in state.completeness.parties:
        if item.record is not None:
            records.append(
                {
                    "id": item.record.pk,
                    "version": item.record.version,
                    "sha256": item.record.record_sha256,
                }
            )
        if item.waiver is not None:
            waivers.append({"id": item.waiver.pk, "party": item.party.pk})
    return {
        "asset": {"id": asset.pk, "sha256": asset.sha256},
        "provenance_report": state.report.pk if state.report else None,
        "classification": state.classification.pk if state.classification else None,
        "label": (
            {"id": state.label.pk, "version": state.label.version, "text": state.label.text}
            if state.label
            else None
        ),
        "rendition": (
            {"id": state.rendition.pk, "sha256": state.rendition.sha256}
            if state.rendition
            else None
        ),
        "parties": sorted(p.party.pk for p in state.completeness.parties),
        "consent_records": sorted(records, key=lambda r: r["id"]),
        "waivers": sorted(waivers, key=lambda w: w["id"]),
    }


def snapshot_hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def provenance_item(asset: Asset, state: AssetState) -> GateItem:
    title = "Provenance checked"
    url = format_lazy("{}#provenance", reverse_lazy("review:asset_detail", args=[asset.pk]))
    if asset.status in (AssetStatus.RECEIVED, AssetStatus.CHECKING) or state.report is None:
        return GateItem("provenance", title, False, "the provenance check has not finished.", url)
    if state.report.state in NEEDS_ACKNOWLEDGEMENT and not state.acknowledged:
        return GateItem(
            "provenance",
            title,
            False,
            "the Content Credentials fail verification; acknowledge this with a note first.",
            url,
        )
    detail = ProvenanceState(state.report.state).label
    if state.acknowledged:
        detail += " (acknowledged by an editor)"
    return GateItem("provenance", title, True, detail + ".", url)


def consent_item(asset: Asset, state: AssetState) -> GateItem:
    url = reverse_lazy("consent:asset", args=[asset.pk])
    if state.completeness.complete:
        waived = state.completeness.waived
        extra = f" ({waived} waived by legal)" if waived else ""
        return GateItem("consent", "Consent complete or waived", True, f"complete{extra}.", url)
    return GateItem(
        "consent",
        "Consent complete or waived",
        False,
        " ".join(state.completeness.missing),
        url,
    )


def label_items_of(asset: Asset, state: AssetState) -> list[GateItem]:
    url = reverse_lazy("labeling:panel", args=[asset.pk])
    classification = state.classification
    if classification is None:
        return [GateItem("label", "Label set where required", False, "classify the asset.", url)]
    if not label_required(classification.source_type, list(classification.techniques)):
        return [
            GateItem(
                "label",
                "Label set where required",
                True,
                "no label needed: classified as plainly captured.",
                url,
            )
        ]
    label = state.label
    if label is None or label.classification_id != classification.pk:
        return [
            GateItem(
                "label",
                "Label set where required",
                False,
                "a label is required for this classification.",
                url,
            ),
            GateItem("rendition", "Labeled rendition signed", False, "set the label first.", url),
        ]
    items = [GateItem("label", "Label set where required", True, f"“{label.name}”.", url)]
    rendition = state.rendition
    if rendition is None or rendition.verification_state != "trusted":
        items.append(
            GateItem(
                "rendition",
                "Labeled rendition signed",
                False,
                "make the signed rendition of the current label.",
                url,
            )
        )
    else:
        items.append(
            GateItem("rendition", "Labeled rendition signed", True, "signed and verified.", url)
        )
    return items


def _reviewer_item(asset: Asset, user: User | AnonymousUser) -> GateItem:
    title = "Reviewer is an editor, not the uploader"
    if not can_review(user):
        return GateItem("reviewer", title, False, "only an editor can approve.")
    if asset.uploaded_by_id == user.pk:
        return GateItem("reviewer", title, False, "you uploaded this asset (four-eyes rule).")
    return GateItem("reviewer", title, True, f"{user.get_username()}.")


def second_approval_reason(asset: Asset, state: AssetState) -> str:
    """The configurable rule (SIGNOFF_SECOND_APPROVAL) for a second approval by legal or
    standards before clearance."""
    rule = settings.SIGNOFF_SECOND_APPROVAL
    if rule == "never":
        return ""
    if rule == "always":
        return "The newsroom requires a second approval for every asset."
    # "real_person": a real, identified person is depicted or represented.
    classification = state.classification
    if classification is not None and (
        Technique.PERSON_REPRESENTED in classification.techniques
        or Technique.STATEMENTS_NOT_MADE in classification.techniques
    ):
        return "A real person is represented: legal or standards must also approve."
    if any(
        p.party.role == "subject" and p.party.person_id is not None
        for p in state.completeness.parties
    ):
        return "A real person is depicted: legal or standards must also approve."
    return ""


def signoff_gate(asset: Asset, user: User | AnonymousUser) -> Gate:
    state = load_state(asset)
    items = [
        provenance_item(asset, state),
        consent_item(asset, state),
        *label_items_of(asset, state),
        _reviewer_item(asset, user),
    ]
    return Gate(
        items=items,
        snapshot=snapshot(asset, state),
        second_approval=second_approval_reason(asset, state),
    )
