"""Reads for the review queue: the filters that compose (status, source, uploader, search,
"needs me"), the sort, the counts, one page of rows, and what each row says about readiness
(provenance, consent, label, ready for sign-off). Every read here is a fixed number of queries
for a page, however many rows it shows and however many assets the desk holds (pinned by
tests/workflow/test_queue*.py; bench/million.py times them with a million assets).

What keeps them fast on a big desk (PostgreSQL; workflow/migrations/0001 adds the indexes):
- Counts stop at a cap ("1,000+"): an exact COUNT(*) reads every matching row, and a desk of a
  million assets has hundreds of thousands in some statuses. Each capped count reads at most
  cap + 1 entries of an index.
- A page reads the ids of its rows first (an index-only scan, also past many pages), then the
  rows themselves: OFFSET over whole rows would fetch every row it skips.
- Search uses trigram indexes on the upper-cased columns, which is what `icontains` compares on
  PostgreSQL; SQLite scans (a laptop's desk is small). The people matched by name are looked up
  first, so that the search is one OR of conditions each index can answer.

The readiness columns apply the sign-off gate's own rules (signoff.gate) to state loaded for the
whole page at once: the gate loads one asset's state per call, which would be a query per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connections
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from accounts.roles import AnyUser, Role
from consent.models import ConsentAlert, Person
from consent.selectors import completeness_for_assets, current_parties_for, may_use_people
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
from review.lookups import AnyId
from review.models import Asset, AssetStatus
from review.selectors import QUEUE_PAGE_SIZE
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
# Counts stop here ("1,000+"). Counting reads every row it counts; with the right index that
# is an index entry each, and a thousand of those per status, ten counts a page, cost a few
# milliseconds where ten thousand cost ten times that (bench/million.py).
COUNT_CAP = 1_000
# A search's or "needs me"'s matches have no index of their own: their count reads matching
# rows one by one from the table, so it stops sooner ("100+"); a broad search read a thousand
# matches in 60-90 ms, a hundred in 3-7 ms.
MATCH_COUNT_CAP = 100
# A search shorter than this matches only an asset number or a whole story reference: no index
# finds a substring of one or two characters, and such a search matches half the desk anyway.
MIN_SEARCH_LENGTH = 3
# Small sets (assets with a person of that name, open consent alerts, approvals waiting for a
# second one) are read first and passed on as a list of ids, which the database can look up
# by primary key and count; past this many the condition stays a subquery.
ID_LIST_CAP = 2_000
# The page numbers the form accepts: deeper than this nobody pages, and the offset stays sane.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class QueueQuery:
    status: str = ""
    source: str = ""
    uploader: int | None = None
    mine: bool = False
    needs_me: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT

    @property
    def short_search(self) -> bool:
        return bool(self.q) and len(self.q) < MIN_SEARCH_LENGTH


def _status_order() -> Case:
    """Statuses in the order an asset moves through them, not alphabetically. PostgreSQL sorts
    by it through an index on this very expression (workflow/migrations/0001): a change here
    needs a migration that rebuilds that index (tests/workflow/test_queue_postgres.py fails
    until then)."""
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


def _ids_or_subquery(rows: QuerySet[Any], field: str) -> list[int] | QuerySet[Any]:
    """The `field` of `rows` (asset ids) as a list when there are few, else as a subquery."""
    ids = rows.order_by().values_list(field, flat=True).distinct()
    found = list(ids[: ID_LIST_CAP + 1])
    return found if len(found) <= ID_LIST_CAP else rows.values(field)


def _pk_among(ids: list[int] | QuerySet[Any]) -> Q:
    """The assets whose id is in `ids`: a list of them as one array (review.lookups.AnyId),
    a subquery as such."""
    return Q(AnyId(F("pk"), ids)) if isinstance(ids, list) else Q(pk__in=ids)


def needs_me(user: AnyUser) -> Q | None:
    """What waits for this user, by role (a person with two roles gets both): an editor the
    assets in review they did not upload and nobody else took on; legal and standards the
    approvals waiting for their second approval (not their own first one) and, for those who
    see consent evidence, the assets with an open consent alert; anyone their own uploads sent
    back for changes. None: nothing can be waiting for them. The last two are small sets, read
    first (a query each): see ID_LIST_CAP."""
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
        conditions.append(
            Q(status=AssetStatus.APPROVED) & _pk_among(_ids_or_subquery(waiting, "asset_id"))
        )
    if can_view_consent_evidence(user):
        alerts = ConsentAlert.objects.filter(resolved_at__isnull=True)
        conditions.append(_pk_among(_ids_or_subquery(alerts, "asset_id")))
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _named(user: AnyUser, q: str) -> list[int] | QuerySet[Any]:
    """The assets with a current party whose person's name contains `q`, among the assets whose
    consent this user may see: a name on any other asset matches nothing, so the search cannot
    tell them who is on an asset. (Whoever may see an asset's consent may see the people on it:
    `consent.selectors.people_visible_to`.)

    Two queries, the people by name first (their trigram index), then their parties: in one
    query the planner, misjudging how many people a name fragment matches, would walk every
    party looking for them. See ID_LIST_CAP; past it in people, one query and a subquery."""
    if not may_use_people(user):
        return []
    people = Person.objects.filter(full_name__icontains=q).order_by().values_list("pk", flat=True)
    # Unordered: the party's default order would sort every match only to make a set of them.
    parties = current_parties_for(user).order_by()
    person_ids = list(people[: ID_LIST_CAP + 1])
    if len(person_ids) > ID_LIST_CAP:
        return parties.filter(person__in=people).values("asset_id")
    # No LIMIT here (nor DISTINCT): with one the planner may again prefer walking every party.
    named = parties.filter(AnyId(F("person_id"), person_ids))
    asset_ids = set(named.values_list("asset_id", flat=True))
    if len(asset_ids) > ID_LIST_CAP:
        return named.values("asset_id")
    return sorted(asset_ids)


def _search(user: AnyUser, q: str) -> Q:
    """File name, story, description, asset number, and the names of the people on the asset
    (only those this user may see: `_named`). "#123" is the asset number only; a search shorter
    than MIN_SEARCH_LENGTH matches only an asset number or a whole story reference."""
    number = q.removeprefix("#")
    if q.startswith("#") and number.isdigit():
        return Q(pk=int(number)) if 0 < int(number) <= MAX_DB_INT else Q(pk__in=[])
    if len(q) < MIN_SEARCH_LENGTH:
        condition = Q(story_ref=q)
    else:
        condition = (
            Q(original_filename__icontains=q)
            | Q(story_ref__icontains=q)
            | Q(description__icontains=q)
            | _pk_among(_named(user, q))
        )
    if number.isdigit() and 0 < int(number) <= MAX_DB_INT:
        condition |= Q(pk=int(number))
    return condition


def queue_filtered(user: AnyUser, query: QueueQuery) -> QuerySet[Asset]:
    """The assets under every filter but the status. The small sets the filters need ("needs
    me", a search's people) are read here, once: pass the result on to `queue_counts` and
    `queue_page` rather than calling this again."""
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


def queue_assets(filtered: QuerySet[Asset], query: QueueQuery) -> QuerySet[Asset]:
    """Every asset the queue lists (`queue_filtered` and the status), in its order."""
    assets = filtered
    if query.status:
        assets = assets.filter(status=query.status)
    return assets.order_by(*_sort_expressions(query.sort))


# --- counts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """A count that may stop at a cap. `capped`: there are at least `value`. Not `known`: the
    count was not taken (a status under a search that matched more than the cap)."""

    value: int
    capped: bool = False
    known: bool = True

    def __str__(self) -> str:
        if not self.known:
            return ""
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"

    @property
    def exact(self) -> bool:
        return self.known and not self.capped


@dataclass(frozen=True)
class QueueCounts:
    """The tabs' counts: in all, and per status under every filter but the status itself."""

    total: Tally
    per_status: dict[str, Tally]

    def of(self, status: str) -> Tally:
        """The count of what the list shows: one status, or all of them."""
        return self.per_status[status] if status else self.total


def _capped_counts(querysets: dict[str, QuerySet[Asset]], cap: int) -> dict[str, int]:
    """How many rows each queryset has, up to cap + 1, in one query: a SELECT of one capped
    count per queryset, each reading at most cap + 1 rows (of an index, with the right one)."""
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        sql, sql_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params.extend(sql_params)
    with connections[Asset.objects.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def _tally(value: int, cap: int) -> Tally:
    return Tally(min(value, cap), capped=value > cap)


def queue_counts(filtered: QuerySet[Asset], query: QueueQuery) -> QueueCounts:
    """Counts for the tabs in one query. With the filters an index holds (source, uploader,
    mine, the reporter's own assets) each status's count reads at most COUNT_CAP + 1 index
    entries; under a search or "needs me" the first MATCH_COUNT_CAP + 1 matches are read and
    counted by status (exact below the cap; above it only the total is known)."""
    filtered = filtered.order_by()
    if query.q or query.needs_me:
        statuses = list(filtered.values_list("status", flat=True)[: MATCH_COUNT_CAP + 1])
        if len(statuses) > MATCH_COUNT_CAP:
            unknown = Tally(0, known=False)
            return QueueCounts(
                Tally(MATCH_COUNT_CAP, capped=True), dict.fromkeys(AssetStatus.values, unknown)
            )
        per_status = Counter(statuses)
        return QueueCounts(
            Tally(len(statuses)), {s: Tally(per_status[s]) for s in AssetStatus.values}
        )
    found = _capped_counts(
        {"": filtered, **{s: filtered.filter(status=s) for s in AssetStatus.values}}, COUNT_CAP
    )
    return QueueCounts(
        _tally(found[""], COUNT_CAP),
        {s: _tally(found[s], COUNT_CAP) for s in AssetStatus.values},
    )


# --- one page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    assets: list[Asset]
    number: int
    has_next: bool
    count: Tally  # of everything the list holds, across its pages

    @property
    def object_list(self) -> list[Asset]:
        """The rows, under the name Django's Page gives them."""
        return self.assets

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def pages(self) -> Tally:
        """How many pages, as far as the count knows: past a capped count, at least this page
        and the next one if there is one."""
        pages = max(1, -(-self.count.value // QUEUE_PAGE_SIZE))
        if self.count.capped:
            pages = max(pages, self.number + self.has_next)
        return Tally(pages, capped=self.count.capped, known=self.count.known)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


# What a row shows (templates/review/queue.html, workflow.queue._queue_row) and what the
# readiness rules read of an asset (signoff.gate: its id and status). The rest of an asset and
# of its two users (file, hashes, description, password hash, ...) was half of what a page read
# and converted; a field read that is not here costs a query per row, which the queue's pinned
# query counts would show.
QUEUE_ROW_FIELDS = (
    "original_filename",
    "story_ref",
    "status",
    "media_kind",
    "source",
    "created_at",
    "updated_at",
    "uploaded_by__username",
    "assigned_to__username",
)


def queue_page(
    filtered: QuerySet[Asset], query: QueueQuery, number: int, count: Tally
) -> QueuePage:
    """Page `number` of the list, in one query. With an exact count a page past the end is the
    last page; with a capped one there is no knowing where the end is, so such a page is empty.
    The ids come first (the index alone answers, however deep the page), then their rows."""
    if count.exact:
        number = min(number, max(1, -(-count.value // QUEUE_PAGE_SIZE)))
    number = max(1, min(number, MAX_PAGE))
    offset = (number - 1) * QUEUE_PAGE_SIZE
    sort = _sort_expressions(query.sort)
    ids = queue_assets(filtered, query).values("pk")[offset : offset + QUEUE_PAGE_SIZE + 1]
    rows = list(
        Asset.objects.filter(pk__in=ids)
        .select_related("uploaded_by", "assigned_to")
        .only(*QUEUE_ROW_FIELDS)
        .order_by(*sort)
    )
    return QueuePage(
        assets=rows[:QUEUE_PAGE_SIZE],
        number=number,
        has_next=len(rows) > QUEUE_PAGE_SIZE,
        count=count,
    )


def queue_uploaders(user: AnyUser) -> QuerySet[User]:
    """The people with assets this user may see, for the uploader filter: one index lookup per
    person on staff, rather than reading every asset for its uploader."""
    uploads = visible_assets(user).filter(uploaded_by_id=OuterRef("pk"))
    # Names only: the filter shows nothing else of them.
    return get_user_model().objects.filter(Exists(uploads)).only("username").order_by("username")


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
    """Readiness of each asset on a page, in six queries whatever the number of rows: the
    latest provenance report (with whether it was acknowledged), classification, label and
    renditions, consent (one: `consent.selectors.completeness_for_assets`) and the sign-off
    in force."""
    ids = [asset.pk for asset in assets]
    if not ids:
        return {}
    acknowledgements = ProvenanceAcknowledgement.objects.filter(
        asset_id=OuterRef("asset_id"), report_id=OuterRef("pk")
    )
    reports = _newest_per_asset(
        ProvenanceReport.objects.filter(asset_id__in=ids)
        .only("pk", "asset_id", "state", "created_at")
        .annotate(acknowledged=Exists(acknowledgements))
        .order_by("asset_id", "-created_at", "-pk")
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
    completeness = completeness_for_assets(ids)
    # Whether each sign-off in force is cleared, which is all a row says of it.
    cleared = dict(
        SignOff.objects.filter(asset_id__in=ids, voided_at__isnull=True).values_list(
            "asset_id", "cleared_at"
        )
    )

    result = {}
    for asset in assets:
        report = reports.get(asset.pk)
        label = labels.get(asset.pk)
        state = AssetState(
            report=report,
            # Annotated above (the model has no such field).
            acknowledged=report is not None and bool(getattr(report, "acknowledged", False)),
            completeness=completeness[asset.pk],
            classification=classifications.get(asset.pk),
            label=label,
            rendition=renditions.get((asset.pk, label.pk)) if label is not None else None,
        )
        provenance = provenance_item(asset, state)
        consent = consent_item(asset, state)
        label_items = label_items_of(asset, state)
        items = [provenance, consent, *label_items]
        if asset.pk not in cleared:
            signoff_words = ""
        elif cleared[asset.pk] is None:
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
