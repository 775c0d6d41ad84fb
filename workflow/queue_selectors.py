"""Reads for the review queue: the filters that compose (status, source, uploader, search,
"needs me"), the sort, and what each row says about readiness (provenance, consent, label,
ready for sign-off). Every read here is a fixed number of queries for a page, however many
rows it shows (pinned by tests/workflow/test_queue*.py).

The readiness columns apply the sign-off gate's own rules (signoff.gate) to state loaded for the
whole page at once: the gate loads one asset's state per call, which would be a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Case, Count, F, IntegerField, OrderBy, Q, QuerySet, Value, When

from accounts.roles import AnyUser, Role
from consent.models import ConsentAlert, Party
from consent.selectors import completeness_for_assets, people_visible_to
from labeling.models import Classification, Label, Rendition
from labeling.wording import label_required
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from review.access import (
    can_review,
    can_second_approve,
    can_view_consent_evidence,
    visible_assets,
)
from review.converters import MAX_DB_INT
from review.models import Asset, AssetStatus
from signoff.gate import (  # the gate's item rules, applied to state loaded per page (see above)
    AssetState,
    consent_item,
    label_items_of,
    provenance_item,
)
from signoff.models import ProvenanceAcknowledgement, SignOff
from signoff.selectors import CHECKLIST_STATUSES

# Sort keys the queue offers, as the query string spells them ("-updated" is newest first).
SORTS: dict[str, str] = {
    "uploaded": "Received",
    "updated": "Updated",
    "status": "Status",
    "story": "Story",
    "file": "Asset",
}
DEFAULT_SORT = "-uploaded"
# The statuses where someone has the asset in hand; an assignment means something only there.
OPEN_STATUSES = (
    AssetStatus.RECEIVED,
    AssetStatus.CHECKING,
    AssetStatus.IN_REVIEW,
    AssetStatus.CHANGES_REQUESTED,
)


@dataclass(frozen=True)
class QueueQuery:
    status: str = ""
    source: str = ""
    uploader: int | None = None
    mine: bool = False
    needs_me: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT


def _status_order() -> Case:
    """Statuses in the order an asset moves through them, not alphabetically."""
    return Case(
        *(When(status=value, then=Value(i)) for i, value in enumerate(AssetStatus.values)),
        output_field=IntegerField(),
    )


def _sort_expressions(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    columns: dict[str, F | Case] = {
        "uploaded": F("created_at"),
        "updated": F("updated_at"),
        "status": _status_order(),
        "story": F("story_ref"),
        "file": F("original_filename"),
    }
    column = columns.get(key, F("created_at"))
    pk = F("pk")
    if descending:
        return [column.desc(), pk.desc()]
    return [column.asc(), pk.asc()]


def needs_me(user: AnyUser) -> Q | None:
    """What waits for this user, by role (a person with two roles gets both): an editor the
    assets in review they did not upload and nobody else took on; legal and standards the
    approvals waiting for their second approval (not their own first one) and, for those who
    see consent evidence, the assets with an open consent alert; anyone their own uploads sent
    back for changes. None: nothing can be waiting for them."""
    if not user.is_authenticated:
        return None
    conditions = [Q(uploaded_by_id=user.pk, status=AssetStatus.CHANGES_REQUESTED)]
    if can_review(user):
        conditions.append(
            Q(status=AssetStatus.IN_REVIEW)
            & ~Q(uploaded_by_id=user.pk)
            & (Q(assigned_to__isnull=True) | Q(assigned_to_id=user.pk))
        )
    if can_second_approve(user):
        waiting = SignOff.objects.filter(
            voided_at__isnull=True, requires_second=True, cleared_at__isnull=True
        ).exclude(approved_by_id=user.pk)
        conditions.append(Q(status=AssetStatus.APPROVED, pk__in=waiting.values("asset_id")))
    if can_view_consent_evidence(user):
        alerts = ConsentAlert.objects.filter(resolved_at__isnull=True)
        conditions.append(Q(pk__in=alerts.values("asset_id")))
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _search(user: AnyUser, q: str) -> Q:
    """File name, story, description, asset number, and the names of the people on the asset,
    only among the people this user may see: a name they may not see matches nothing, so the
    search cannot tell them who is on an asset."""
    people = people_visible_to(user).filter(full_name__icontains=q).values("pk")
    parties = Party.objects.filter(removed_at__isnull=True, person__in=people).values("asset_id")
    condition = (
        Q(original_filename__icontains=q)
        | Q(story_ref__icontains=q)
        | Q(description__icontains=q)
        | Q(pk__in=parties)
    )
    number = q.removeprefix("#")
    if number.isdigit() and 0 < int(number) <= MAX_DB_INT:
        condition |= Q(pk=int(number))
    return condition


def _filtered(user: AnyUser, query: QueueQuery) -> QuerySet[Asset]:
    assets = visible_assets(user)
    if query.source:
        assets = assets.filter(source=query.source)
    if query.uploader:
        assets = assets.filter(uploaded_by_id=query.uploader)
    if query.mine:
        assets = assets.filter(uploaded_by_id=user.pk)
    if query.needs_me:
        waiting = needs_me(user)
        assets = assets.filter(waiting) if waiting is not None else assets.none()
    if query.q:
        assets = assets.filter(_search(user, query.q))
    return assets


def queue_assets(user: AnyUser, query: QueueQuery) -> QuerySet[Asset]:
    assets = _filtered(user, query)
    if query.status:
        assets = assets.filter(status=query.status)
    return assets.select_related("uploaded_by", "assigned_to").order_by(
        *_sort_expressions(query.sort)
    )


def queue_status_counts(user: AnyUser, query: QueueQuery) -> dict[str, int]:
    """Counts per status for the tabs, under every filter but the status itself."""
    rows = _filtered(user, query).order_by().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(AssetStatus.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def queue_assignees() -> QuerySet[User]:
    """The people an asset can be assigned to: the desk's editors (the assignment service still
    asks the access layer, per asset, whether the one chosen may review it)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.EDITOR)
        .distinct()
        .order_by("username")
    )


# --- readiness, for a page of rows -----------------------------------------------------------

SHORT_PROVENANCE = {
    ProvenanceState.TRUSTED: "Trusted",
    ProvenanceState.VALID: "Valid, signer not trusted",
    ProvenanceState.INVALID: "Fails verification",
    ProvenanceState.NO_MANIFEST: "No credentials",
    ProvenanceState.REMOTE_UNAVAILABLE: "Remote, not fetched",
    ProvenanceState.UNSUPPORTED: "Cannot carry credentials",
    ProvenanceState.UNREADABLE: "Unreadable",
}


@dataclass(frozen=True)
class RowReadiness:
    provenance: str
    provenance_ok: bool
    consent_complete: bool
    label: str
    label_ok: bool
    # For assets in review (or sent back): whether the gate passes, and what it lacks; None
    # elsewhere. `signoff` says where an approved asset stands.
    ready: bool | None
    missing: tuple[str, ...]
    signoff: str


T = TypeVar("T", ProvenanceReport, Classification, Label)


def _newest_per_asset(rows: Iterable[T]) -> dict[int, T]:
    """The first row per asset of rows ordered newest first within each asset."""
    newest: dict[int, T] = {}
    for row in rows:
        newest.setdefault(row.asset_id, row)
    return newest


def _label_words(state: AssetState) -> str:
    classification = state.classification
    if classification is None:
        return "Not classified"
    if not label_required(classification.source_type, list(classification.techniques)):
        return "Not needed"
    if state.label is not None and state.label.classification_id == classification.pk:
        return state.label.name
    return "Needed, not set"


def queue_readiness(assets: list[Asset]) -> dict[int, RowReadiness]:
    """Readiness of each asset on a page, in nine queries whatever the number of rows: the
    latest provenance report, acknowledgements, classification, label and renditions, consent
    (three: `consent.selectors.completeness_for_assets`) and the sign-off in force."""
    ids = [asset.pk for asset in assets]
    if not ids:
        return {}
    reports = _newest_per_asset(
        ProvenanceReport.objects.filter(asset_id__in=ids)
        .only("pk", "asset_id", "state", "created_at")
        .order_by("asset_id", "-created_at", "-pk")
    )
    acknowledged = set(
        ProvenanceAcknowledgement.objects.filter(asset_id__in=ids).values_list(
            "asset_id", "report_id"
        )
    )
    classifications = _newest_per_asset(
        Classification.objects.filter(asset_id__in=ids)
        .only("pk", "asset_id", "version", "source_type", "techniques")
        .order_by("asset_id", "-version")
    )
    labels = _newest_per_asset(
        Label.objects.filter(asset_id__in=ids)
        .only("pk", "asset_id", "version", "classification_id", "name", "text")
        .order_by("asset_id", "-version")
    )
    renditions: dict[tuple[int, int], Rendition] = {}
    for rendition in (
        Rendition.objects.filter(asset_id__in=ids)
        .only("pk", "asset_id", "label_id", "verification_state", "created_at")
        .order_by("-created_at", "-pk")
    ):
        renditions.setdefault((rendition.asset_id, rendition.label_id), rendition)
    completeness = completeness_for_assets(Asset.objects.filter(pk__in=ids))
    signoffs = {
        s.asset_id: s
        for s in SignOff.objects.filter(asset_id__in=ids, voided_at__isnull=True).only(
            "pk", "asset_id", "requires_second", "cleared_at"
        )
    }

    result = {}
    for asset in assets:
        report = reports.get(asset.pk)
        label = labels.get(asset.pk)
        state = AssetState(
            report=report,
            acknowledged=report is not None and (asset.pk, report.pk) in acknowledged,
            completeness=completeness[asset.pk],
            classification=classifications.get(asset.pk),
            label=label,
            rendition=renditions.get((asset.pk, label.pk)) if label is not None else None,
        )
        provenance = provenance_item(asset, state)
        consent = consent_item(asset, state)
        label_items = label_items_of(asset, state)
        items = [provenance, consent, *label_items]
        signoff = signoffs.get(asset.pk)
        if signoff is None:
            signoff_words = ""
        elif signoff.cleared_at is None:
            signoff_words = "Waiting for second approval"
        else:
            signoff_words = "Cleared"
        result[asset.pk] = RowReadiness(
            provenance=(
                SHORT_PROVENANCE.get(ProvenanceState(report.state), report.state)
                + (", acknowledged" if state.acknowledged else "")
                if report is not None
                else "Not checked yet"
            ),
            provenance_ok=provenance.ok,
            consent_complete=consent.ok,
            label=_label_words(state),
            label_ok=all(item.ok for item in label_items),
            ready=(all(item.ok for item in items) if asset.status in CHECKLIST_STATUSES else None),
            missing=tuple(item.title for item in items if not item.ok),
            signoff=signoff_words,
        )
    return result
