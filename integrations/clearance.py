"""Reads for the CMS: whether an asset is cleared (and if not, why, in words fit for a machine
client outside the newsroom), the cleared assets to list, and summaries of provenance and
consent that carry no personal data.

Cleared means: the asset is approved or published, and its sign-off in force (not voided) has
`cleared_at` set, i.e. the editor's approval and any required second approval are complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django_stubs_ext import WithAnnotations

from consent.completeness import Completeness, consent_completeness
from consent.models import PartyRole
from integrations.errors import NotCleared
from integrations.models import OutboxEvent
from labeling.models import Label, Rendition
from provenance.models import ProvenanceReport
from provenance.states import IPTC_DST_PREFIX, ProvenanceState, source_type_term
from review.models import Asset, AssetStatus
from signoff.gate import signoff_gate
from signoff.models import SignOff
from signoff.services import SIGNED_OFF, active_signoff


class ClearanceStatus(StrEnum):
    CLEARED = "cleared"
    PENDING_SECOND_APPROVAL = "pending_second_approval"
    NOT_CLEARED = "not_cleared"


@dataclass(frozen=True)
class Clearance:
    status: ClearanceStatus
    reasons: list[str]
    signoff: SignOff | None  # the sign-off in force, cleared or waiting for a second approval

    @property
    def cleared(self) -> bool:
        return self.status is ClearanceStatus.CLEARED


_STATUS_REASONS = {
    AssetStatus.RECEIVED: "The asset is still being checked.",
    AssetStatus.CHECKING: "The asset is still being checked.",
    AssetStatus.IN_REVIEW: "The asset has not been approved by an editor.",
    AssetStatus.CHANGES_REQUESTED: "The desk asked for changes; it has not been approved.",
    AssetStatus.REJECTED: "The asset was rejected.",
    AssetStatus.WITHDRAWN: "The asset was withdrawn.",
    AssetStatus.TAKEN_DOWN: "The asset was taken down by the newsroom.",
}
# Statuses in which the gate's checklist tells what is still missing.
_CHECKLIST_STATUSES = (
    AssetStatus.RECEIVED,
    AssetStatus.CHECKING,
    AssetStatus.IN_REVIEW,
    AssetStatus.CHANGES_REQUESTED,
)


def clearance_of(
    asset: Asset, signoff: SignOff | None, completeness: Completeness | None = None
) -> Clearance:
    """`signoff` is the asset's sign-off in force (`signoff.services.active_signoff`), passed in
    so that a caller holding the asset's lock reads it under that lock; `completeness` saves
    reading consent twice when the caller has it already."""
    if signoff is not None and asset.status in SIGNED_OFF:
        if signoff.cleared_at is not None:
            return Clearance(ClearanceStatus.CLEARED, [], signoff)
        reason = signoff.second_reason or "A second approval by legal or standards is required."
        return Clearance(ClearanceStatus.PENDING_SECOND_APPROVAL, [reason], signoff)
    reasons = [_STATUS_REASONS.get(AssetStatus(asset.status), "No sign-off is in force.")]
    if asset.status in _CHECKLIST_STATUSES:
        reasons += _checklist_reasons(asset, completeness)
    return Clearance(ClearanceStatus.NOT_CLEARED, reasons, None)


def _checklist_reasons(asset: Asset, completeness: Completeness | None) -> list[str]:
    """The gate's failing items, minus the one about who approves (that is the desk's business)
    and with the consent item reduced to counts: the gate names the people concerned, and
    nothing personal leaves the newsroom through the API."""
    gate = signoff_gate(asset, AnonymousUser())
    reasons = []
    for item in gate.items:
        if item.ok or item.key == "reviewer":
            continue
        if item.key == "consent":
            gap = _consent_gap(completeness or consent_completeness(asset))
            reasons.append(f"{item.title}: {gap}.")
        else:
            reasons.append(f"{item.title}: {item.detail}")
    return reasons


def _consent_gap(completeness: Completeness) -> str:
    gaps = []
    if not any(p.party.role == PartyRole.CREATOR for p in completeness.parties):
        gaps.append("no creator is recorded")
    uncovered = sum(1 for p in completeness.parties if not p.covered)
    if uncovered:
        total = len(completeness.parties)
        gaps.append(f"consent or a waiver is missing for {uncovered} of {total} parties")
    return "; ".join(gaps) or "incomplete"


# --- summaries without personal data -----------------------------------------------------


@dataclass(frozen=True)
class ConsentSummary:
    complete: bool
    parties: int
    waived: int


def consent_summary(completeness: Completeness) -> ConsentSummary:
    return ConsentSummary(
        complete=completeness.complete,
        parties=len(completeness.parties),
        waived=sum(1 for p in completeness.parties if p.waiver is not None),
    )


@dataclass(frozen=True)
class ProvenanceSummary:
    state: str
    state_label: str
    signer_organisation: str
    digital_source_types: list[str]  # IPTC URIs
    checked_at: datetime


def provenance_summary(report: ProvenanceReport) -> ProvenanceSummary:
    # Only the signing organisation: a certificate's common name can be a person's name.
    organisation = report.signer.get("organisation", "") if isinstance(report.signer, dict) else ""
    return ProvenanceSummary(
        state=report.state,
        state_label=ProvenanceState(report.state).label,
        signer_organisation=str(organisation or ""),
        digital_source_types=[
            IPTC_DST_PREFIX + source_type_term(str(t)) for t in report.digital_source_types
        ],
        checked_at=report.created_at,
    )


def provenance_report_for(asset: Asset, signoff: SignOff | None) -> ProvenanceReport | None:
    """The report the sign-off approved, or the newest one when nothing is approved."""
    approved_id = signoff.snapshot.get("provenance_report") if signoff is not None else None
    reports = ProvenanceReport.objects.filter(asset=asset)
    if approved_id is not None:
        return reports.filter(pk=approved_id).first()
    return reports.order_by("-created_at", "-pk").first()


def approved_label(signoff: SignOff) -> Label | None:
    """The label version the sign-off covers (not simply the newest: a newer one voids the
    sign-off, and until that happens the CMS must get what was approved)."""
    label = signoff.snapshot.get("label")
    if not isinstance(label, dict):
        return None
    return (
        Label.objects.select_related("classification")
        .filter(pk=int(label.get("id", 0)), asset_id=signoff.asset_id)
        .first()
    )


def approved_rendition(signoff: SignOff) -> Rendition | None:
    rendition = signoff.snapshot.get("rendition")
    if not isinstance(rendition, dict):
        return None
    return Rendition.objects.filter(
        pk=int(rendition.get("id", 0)), asset_id=signoff.asset_id
    ).first()


def approved_rendition_sha256(signoff: SignOff) -> str:
    rendition = signoff.snapshot.get("rendition")
    return str(rendition.get("sha256", "")) if isinstance(rendition, dict) else ""


# --- the list ----------------------------------------------------------------------------

# The columns the list shows (integrations.api.list_cleared_assets).
LISTED_ASSET_FIELDS = (
    "id",
    "uid",
    "story_ref",
    "media_kind",
    "media_type",
    "status",
    "status_changed_at",
)
LISTED_SIGNOFF_FIELDS = ("asset_id", "cleared_at", "content_hash")


def cleared_signoffs(
    *, story: str | None = None, changed_since: datetime | None = None
) -> QuerySet[SignOff]:
    """The sign-offs in force that clear their asset, with the asset, in one query whatever
    the number: ordered by asset id for keyset pagination."""
    signoffs = (
        SignOff.objects.filter(
            voided_at__isnull=True, cleared_at__isnull=False, asset__status__in=SIGNED_OFF
        )
        .select_related("asset")
        # Only what the list shows: a page holds up to 200 rows, and every other column is
        # work per row (the snapshot, JSON, the most).
        .only(*LISTED_SIGNOFF_FIELDS, *(f"asset__{name}" for name in LISTED_ASSET_FIELDS))
        .order_by("asset_id")
    )
    if story is not None:
        signoffs = signoffs.filter(asset__story_ref=story)
    if changed_since is not None:
        # The assets that changed, found each way by time through its own index, then the
        # list among them: as three conditions OR-ed on the sign-off, the database would test
        # every cleared asset in turn.
        changed = (
            SignOff.objects.filter(voided_at__isnull=True, cleared_at__gte=changed_since)
            .order_by()
            .values("asset_id")
            .union(
                Asset.objects.filter(status_changed_at__gte=changed_since).order_by().values("pk"),
                OutboxEvent.objects.filter(created_at__gte=changed_since)
                .order_by()
                .values("asset_id"),
            )
        )
        signoffs = signoffs.filter(asset_id__in=changed)
    return signoffs


class _Revoked(TypedDict):
    revoked_at: datetime


def revoked_assets(
    *, since: datetime, story: str | None = None
) -> QuerySet[WithAnnotations[Asset, _Revoked]]:
    """Assets whose clearance was revoked since `since` and that are not cleared again: a CMS
    polling with `changed_since` must learn of these as surely as of new clearances. Only
    sign-offs that had cleared their asset count (the CMS never heard of the others, and no
    `asset.clearance_revoked` went out for them). Annotated with `revoked_at`, the latest such
    void; ordered by id for keyset pagination, like `cleared_signoffs`."""
    voided = SignOff.objects.filter(
        asset=OuterRef("pk"), voided_at__gte=since, cleared_at__isnull=False
    )
    in_force = SignOff.objects.filter(
        asset=OuterRef("pk"), voided_at__isnull=True, cleared_at__isnull=False
    )
    assets = (
        Asset.objects.filter(Exists(voided))
        # Cleared again since: `cleared_signoffs` lists it, as cleared.
        .exclude(Q(status__in=SIGNED_OFF) & Exists(in_force))
        .annotate(revoked_at=Subquery(voided.order_by("-voided_at").values("voided_at")[:1]))
        .only(*LISTED_ASSET_FIELDS)
        .order_by("pk")
    )
    if story is not None:
        assets = assets.filter(story_ref=story)
    return assets


@dataclass(frozen=True)
class ListedAsset:
    """One entry of the list: cleared (with the sign-off in force), or, when listing changes,
    an asset whose clearance was revoked."""

    asset: Asset
    cleared_at: datetime | None  # None: not cleared
    revoked_at: datetime | None  # None: cleared
    content_hash: str | None  # of the sign-off in force; None when not cleared

    @property
    def cleared(self) -> bool:
        return self.cleared_at is not None


def listed_assets(
    *,
    story: str | None = None,
    changed_since: datetime | None = None,
    after: int | None = None,
    limit: int,
) -> tuple[list[ListedAsset], bool]:
    """One page of the list, by asset id after `after`, and whether there is more. With
    `changed_since`, the assets whose clearance was revoked since then are merged in: two
    queries of at most `limit + 1` rows each, both in id order, so the first `limit + 1` of
    the merge are the first of the whole (the two never list the same asset)."""
    signoffs = cleared_signoffs(story=story, changed_since=changed_since)
    if after is not None:
        # The bound twice: on the sign-off, and on the asset it joins. PostgreSQL does not carry
        # `asset_id > after` across the join, and would otherwise read every asset before it.
        signoffs = signoffs.filter(
            asset_id__gt=after, asset__in=Asset.objects.filter(pk__gt=after).values("pk")
        )
    rows = [ListedAsset(s.asset, s.cleared_at, None, s.content_hash) for s in signoffs[: limit + 1]]
    if changed_since is not None:
        revoked = revoked_assets(since=changed_since, story=story)
        if after is not None:
            revoked = revoked.filter(pk__gt=after)
        rows += [ListedAsset(a, None, a.revoked_at, None) for a in revoked[: limit + 1]]
        rows.sort(key=lambda row: row.asset.pk)
    return rows[:limit], len(rows) > limit


def last_event_times(asset_ids: list[int]) -> dict[int, datetime]:
    """Each asset's newest outbox event, for one page of the list. A query of its own rather
    than a subquery of the list's: the database would compute that for every cleared asset
    before sorting, not only for the page."""
    rows = (
        OutboxEvent.objects.filter(asset_id__in=asset_ids)
        .values("asset_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    return {row["asset_id"]: row["last"] for row in rows}


# --- one asset ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClearanceDetail:
    asset: Asset
    clearance: Clearance
    label: Label | None  # the approved label, only when cleared
    rendition: Rendition | None  # the approved rendition, only when cleared
    provenance: ProvenanceSummary | None
    consent: ConsentSummary


def assets_for_token(*, read_uncleared: bool) -> QuerySet[Asset]:
    """The assets a CMS token may know of: those the desk has cleared at some point (it keeps
    seeing one whose clearance was revoked since, so that it learns of the revocation), or
    every asset when the token has `assets:read-uncleared`. A filter, so that the check costs
    no query of its own."""
    if read_uncleared:
        return Asset.objects.all()
    ever = SignOff.objects.filter(asset_id=OuterRef("pk"), cleared_at__isnull=False)
    return Asset.objects.filter(Exists(ever))


def clearance_detail(asset: Asset) -> ClearanceDetail:
    """Everything the clearance endpoint shows, in a fixed number of queries. Label and
    rendition only for a cleared asset: the CMS has no use for wording that is not approved."""
    signoff = active_signoff(asset)
    completeness = consent_completeness(asset)
    clearance = clearance_of(asset, signoff, completeness)
    label = rendition = None
    if clearance.cleared and signoff is not None:
        label = approved_label(signoff)
        rendition = approved_rendition(signoff)
    report = provenance_report_for(asset, signoff)
    return ClearanceDetail(
        asset=asset,
        clearance=clearance,
        label=label,
        rendition=rendition,
        provenance=provenance_summary(report) if report is not None else None,
        consent=consent_summary(completeness),
    )


def check_rendition_cleared(rendition: Rendition) -> None:
    """A download link outlives nothing: once the asset's clearance is gone (voided, a new
    label) or the rendition is not the approved one, its links stop working."""
    asset = rendition.asset
    signoff = active_signoff(asset)
    clearance = clearance_of(asset, signoff)
    if not clearance.cleared:
        raise NotCleared(f"Asset {asset.pk} is no longer cleared.", reasons=clearance.reasons)
    approved = signoff.snapshot.get("rendition") if signoff is not None else None
    if not isinstance(approved, dict) or approved.get("id") != rendition.pk:
        raise NotCleared(
            f"Rendition {rendition.pk} is not the one the sign-off approved.",
            reasons=["Fetch the asset's clearance again for the approved rendition."],
        )
