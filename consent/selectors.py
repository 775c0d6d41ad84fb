"""Reads for the consent pages. List pages read in a fixed number of queries however many
assets, parties or people there are (pinned by tests); completeness always comes from
`consent.completeness`, never from a second copy of its rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F, Func, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import Http404
from django.utils import timezone

from accounts.roles import AnyUser
from consent.completeness import (
    NO_CONSENT,
    Completeness,
    PartyConsent,
    completeness_of,
    consent_parties,
    missing_for,
    party_consent,
    party_problem,
    record_standing,
)
from consent.models import (
    ConsentAlert,
    ConsentRecord,
    ConsentStatement,
    ConsentWaiver,
    Party,
    PartyRole,
    Person,
    party_description,
)
from review.access import (
    can_collect_consent_anywhere,
    can_review,
    can_view_all,
    can_view_consent,
    can_view_consent_evidence,
    get_asset_for_user,
    require,
    visible_assets,
)
from review.models import Asset, AssetStatus

CONSENT_DENIED = (
    "Consent records are personal data: only legal, the asset's reporter and the desk's editors "
    "may see them."
)
PEOPLE_PAGE_SIZE = 25
EXPIRY_WINDOW = timedelta(days=30)
RECENT_LAPSES = timedelta(days=30)
DASHBOARD_LIMIT = 50
# Name prefixes are a wide net: compare at most this many people in Python.
MAX_CANDIDATES = 500
# The assets whose missing consent blocks a sign-off that is due.
PENDING_STATUSES = (AssetStatus.IN_REVIEW, AssetStatus.CHANGES_REQUESTED)


# --- who sees what ---------------------------------------------------------------------------


def consent_assets_for(user: AnyUser) -> QuerySet[Asset]:
    """The assets whose consent `user` may see: `access.can_view_consent` as a queryset."""
    assets = visible_assets(user)
    if can_view_consent_evidence(user) or can_review(user):
        return assets
    return assets.filter(uploaded_by_id=user.pk)


def current_parties_for(user: AnyUser) -> QuerySet[Party]:
    """The current parties on the assets whose consent `user` may see. For those who may see
    every asset's (editors, legal) no condition at all: joining a million assets only to keep
    them all cost a name search more than the rest of it."""
    parties = Party.objects.filter(removed_at__isnull=True)
    if can_view_all(user) and (can_view_consent_evidence(user) or can_review(user)):
        return parties
    return parties.filter(asset__in=consent_assets_for(user).order_by().values("pk"))


def may_use_people(user: AnyUser) -> bool:
    """The people pages are for those who collect or review consent, not for standards."""
    return can_collect_consent_anywhere(user) or can_view_consent_evidence(user)


def people_visible_to(user: AnyUser) -> QuerySet[Person]:
    """Legal sees everyone on file; the others see the people on assets whose consent they may
    see, those people's guardians, and the people they entered themselves."""
    if not may_use_people(user):
        return Person.objects.none()
    if can_view_consent_evidence(user):
        return Person.objects.all()
    on_assets = Party.objects.filter(
        asset__in=consent_assets_for(user), person__isnull=False
    ).values("person_id")
    guardians = Person.objects.filter(pk__in=on_assets, guardian__isnull=False).values(
        "guardian_id"
    )
    return Person.objects.filter(
        Q(pk__in=on_assets) | Q(pk__in=guardians) | Q(created_by_id=user.pk)
    )


# --- fetch and check: 404 when missing or not the user's to see, 403 for the wrong role -------


def asset_for_consent(user: AnyUser, pk: int) -> Asset:
    asset = get_asset_for_user(user, pk)
    require(can_view_consent(user, asset), CONSENT_DENIED)
    return asset


def party_for_user(user: AnyUser, pk: int) -> Party:
    party = Party.objects.select_related("person", "person__guardian").filter(pk=pk).first()
    if party is None:
        raise Http404("No such party.")
    party.asset = asset_for_consent(user, party.asset_id)
    return party


def record_for_user(user: AnyUser, pk: int) -> ConsentRecord:
    record: ConsentRecord | None = ConsentRecord.objects.filter(pk=pk).first()
    if record is None:
        raise Http404("No such consent record.")
    record.asset = asset_for_consent(user, record.asset_id)
    return record


def alert_for_user(user: AnyUser, pk: int) -> ConsentAlert:
    alert = ConsentAlert.objects.filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    alert.asset = asset_for_consent(user, alert.asset_id)
    return alert


def person_for_user(user: AnyUser, pk: int) -> Person:
    require(may_use_people(user), "Your role does not work with consent.")
    # 404 alike for someone not on file and someone on file the user may not see.
    person = people_visible_to(user).select_related("guardian").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


# --- one asset's consent ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartyFile:
    """A party's state now (`consent`) and every version recorded for it, newest first."""

    consent: PartyConsent
    history: list[ConsentRecord]

    @property
    def party(self) -> Party:
        return self.consent.party

    @property
    def latest(self) -> ConsentRecord | None:
        return self.history[0] if self.history else None

    @property
    def revocable(self) -> ConsentRecord | None:
        """The record a revocation applies to: the latest, unless it already lapsed."""
        latest = self.latest
        if latest is None or getattr(latest, "lapse", None) is not None:
            return None
        return latest


@dataclass(frozen=True)
class AssetConsent:
    completeness: Completeness
    parties: list[PartyFile]
    alerts: list[ConsentAlert] = field(default_factory=list)

    @property
    def waivers(self) -> list[ConsentWaiver]:
        return [p.consent.waiver for p in self.parties if p.consent.waiver is not None]

    @property
    def covered_count(self) -> int:
        return sum(1 for p in self.parties if p.consent.covered)

    @property
    def open_alerts(self) -> list[ConsentAlert]:
        return [a for a in self.alerts if a.resolved_at is None]


def _parties_with_history() -> QuerySet[Party]:
    # What `party_consent` reads (as `completeness.consent_parties`), plus what the page shows
    # of each version: its statement, its signer and who recorded a lapse.
    return (
        Party.objects.filter(removed_at__isnull=True)
        .select_related("person", "person__guardian", "waiver", "waiver__granted_by", "added_by")
        .prefetch_related(
            Prefetch(
                "consent_records",
                queryset=ConsentRecord.objects.select_related(
                    "lapse", "lapse__recorded_by", "collected_by", "statement", "signer"
                ).order_by("-version"),
            )
        )
        .order_by("role", "pk")
    )


def asset_consent(asset: Asset, today: date | None = None) -> AssetConsent:
    today = today or timezone.localdate()
    parties = list(_parties_with_history().filter(asset=asset))
    for party in parties:
        party.asset = asset  # already loaded: the panels below read it without a query each
    files = [
        PartyFile(party_consent(party, today), list(party.consent_records.all()))
        for party in parties
    ]
    alerts = list(
        ConsentAlert.objects.filter(asset=asset)
        .select_related("lapse__record", "resolved_by")
        .order_by("-created_at")
    )
    completeness = completeness_of([f.consent for f in files])
    return AssetConsent(completeness=completeness, parties=files, alerts=alerts)


# --- many assets at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class _NewestRecord:
    """What the rules read of a party's newest consent record."""

    version: int
    role: str
    valid_from: date
    valid_until: date | None
    lapse_kind: str | None
    lapsed_at: datetime | None


@dataclass
class _VerdictParty:
    """What the rules read of a party, gathered from its rows (one per consent record)."""

    asset_id: int
    role: str
    full_name: str | None  # None for someone not yet identified
    is_minor: bool
    waived: bool
    newest: _NewestRecord | None = None


def completeness_for_assets(
    asset_ids: Collection[int], today: date | None = None
) -> dict[int, Completeness]:
    """`consent_completeness` for many assets (a queue page, legal's dashboard) in one query,
    by the same rules (`consent.completeness`): each current party with each of its records,
    as values. Model instances for the parties, people, waivers, records and lapses were most
    of the time these verdicts took. The verdicts carry no `parties` (see `Completeness`)."""
    today = today or timezone.localdate()
    if not asset_ids:
        return {}
    # Each current party once, in the order the rules list them, with its newest record.
    parties: dict[int, _VerdictParty] = {}
    for (
        party_id,
        asset_id,
        role,
        person_id,
        full_name,
        is_minor,
        waiver_id,
        version,
        record_role,
        valid_from,
        valid_until,
        lapse_kind,
        lapsed_at,
    ) in (
        Party.objects.filter(asset_id__in=asset_ids, removed_at__isnull=True)
        .order_by("role", "pk")
        .values_list(
            "pk",
            "asset_id",
            "role",
            "person_id",
            "person__full_name",
            "person__is_minor",
            "waiver__id",
            "consent_records__version",
            "consent_records__role",
            "consent_records__valid_from",
            "consent_records__valid_until",
            "consent_records__lapse__kind",
            "consent_records__lapse__effective_at",
        )
    ):
        party = parties.setdefault(
            party_id,
            _VerdictParty(
                asset_id=asset_id,
                role=role,
                full_name=full_name if person_id else None,
                is_minor=bool(is_minor),
                waived=waiver_id is not None,
            ),
        )
        if version is not None and (party.newest is None or version > party.newest.version):
            party.newest = _NewestRecord(
                version, record_role, valid_from, valid_until, lapse_kind, lapsed_at
            )
    roles = dict(PartyRole.choices)
    has_creator: set[int] = set()
    problems: dict[int, list[tuple[str, str]]] = {pk: [] for pk in asset_ids}
    waived: dict[int, int] = dict.fromkeys(asset_ids, 0)
    for party in parties.values():
        if party.role == PartyRole.CREATOR:
            has_creator.add(party.asset_id)
        why, counting_role = NO_CONSENT, None
        if party.newest is not None:
            why = record_standing(
                valid_from=party.newest.valid_from,
                valid_until=party.newest.valid_until,
                lapse_kind=party.newest.lapse_kind,
                lapsed_at=party.newest.lapsed_at,
                today=today,
            )
            counting_role = None if why else party.newest.role
        problem = party_problem(
            waived=party.waived, is_minor=party.is_minor, record_role=counting_role, why=why
        )
        if party.waived:
            waived[party.asset_id] += 1
        if problem:
            name = party_description(party.full_name, roles.get(party.role, party.role))
            problems[party.asset_id].append((name, problem))
    verdicts = {}
    for pk in asset_ids:
        missing = missing_for(has_creator=pk in has_creator, problems=problems[pk])
        verdicts[pk] = Completeness(complete=not missing, missing=missing, waived=waived[pk])
    return verdicts


# --- people ----------------------------------------------------------------------------------


def normalised_name(name: str) -> str:
    """Case, accents and spacing do not make a different person: 'José  Díaz' = 'jose diaz'."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _digits_only(field: str) -> Func:
    # Mirrors phone_digits in SQL for the separators people type; portable across SQLite and
    # PostgreSQL (no regexp_replace on SQLite).
    expression: Func = Replace(F(field), Value(" "), Value(""))
    for separator in ("-", "(", ")", ".", "+", "/"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


@dataclass(frozen=True)
class Duplicate:
    person: Person
    reasons: list[str]


def person_duplicates(
    full_name: str, email: str, phone: str, *, among: QuerySet[Person] | None = None
) -> list[Duplicate]:
    """People on file who may be the one being entered: same e-mail, same phone number (digits
    only) or same name (ignoring case, accents and spacing)."""
    email = email.strip().lower()
    digits = phone_digits(phone)
    name = normalised_name(full_name)
    typed = full_name.split()
    condition = Q()
    if email:
        condition |= Q(email__iexact=email)
    if len(digits) >= 6:  # a short fragment matches too many numbers to mean anything
        condition |= Q(phone_digits=digits)
    if typed:
        # Narrow in SQL by how the name starts, then compare the normalised names in Python:
        # SQL cannot drop accents portably ('jose' starts like 'José', it does not equal it).
        condition |= Q(full_name__istartswith=typed[0][:3])
    if not condition:
        return []
    people = (among if among is not None else Person.objects.all()).annotate(
        phone_digits=_digits_only("phone")
    )
    found = []
    candidates = people.filter(condition).select_related("guardian").order_by("full_name", "pk")
    for person in candidates[:MAX_CANDIDATES]:
        reasons = []
        if email and person.email.lower() == email:
            reasons.append("same e-mail")
        if len(digits) >= 6 and phone_digits(person.phone) == digits:
            reasons.append("same phone")
        if name and normalised_name(person.full_name) == name:
            reasons.append("same name")
        if reasons:
            found.append(Duplicate(person, reasons))
    return found[:10]


@dataclass(frozen=True)
class PersonHit:
    """A search result, with the other results that look like the same human."""

    person: Person
    lookalikes: list[Person]


def people_search(user: AnyUser, query: str) -> QuerySet[Person]:
    people = people_visible_to(user).select_related("guardian")
    query = query.strip()
    if query:
        condition = Q(full_name__icontains=query) | Q(email__icontains=query)
        digits = phone_digits(query)
        if len(digits) >= 3:
            condition |= Q(phone_digits__contains=digits)
        people = people.annotate(phone_digits=_digits_only("phone")).filter(condition)
    return people.order_by("full_name", "pk")


def with_lookalikes(people: Iterable[Person]) -> list[PersonHit]:
    """Flag results that share a normalised name, an e-mail or a phone number, so the person
    picking sees that two entries may be one human (and which details tell them apart)."""
    people = list(people)
    keys: dict[str, list[Person]] = {}
    for person in people:
        for key in _identity_keys(person):
            keys.setdefault(key, []).append(person)
    hits = []
    for person in people:
        same = {p.pk: p for key in _identity_keys(person) for p in keys[key] if p.pk != person.pk}
        hits.append(PersonHit(person, list(same.values())))
    return hits


def _identity_keys(person: Person) -> list[str]:
    keys = [f"name:{normalised_name(person.full_name)}"]
    if person.email:
        keys.append(f"email:{person.email.lower()}")
    if len(phone_digits(person.phone)) >= 6:
        keys.append(f"phone:{phone_digits(person.phone)}")
    return keys


@dataclass(frozen=True)
class PersonFile:
    person: Person
    parties: list[PartyConsent]
    wards: list[Person]


def person_file(user: AnyUser, person: Person, today: date | None = None) -> PersonFile:
    """The person's parts in assets whose consent `user` may see, with each one's state."""
    today = today or timezone.localdate()
    parties = (
        consent_parties()
        .filter(person=person, asset__in=consent_assets_for(user))
        .select_related("asset")
        .order_by("-asset__created_at", "pk")
    )
    wards = list(people_visible_to(user).filter(guardian=person).order_by("full_name", "pk"))
    return PersonFile(person, [party_consent(p, today) for p in parties], wards)


# --- statements ------------------------------------------------------------------------------


def statement_versions() -> list[ConsentStatement]:
    return list(ConsentStatement.objects.select_related("created_by").order_by("key", "-version"))
