"""The one answer to "is consent complete for this asset?", with what is missing. The asset
page shows it and the sign-off gate refuses approval on it.

The rules are written on plain facts (`record_standing`, `party_problem`, `missing_for`), so
that one asset's records (model instances, below) and many assets' rows read as values
(`consent.selectors.completeness_for_assets`) are judged by the same code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from consent.models import ConsentRecord, ConsentWaiver, LapseKind, Party, PartyRole
from review.models import Asset


@dataclass(frozen=True)
class PartyConsent:
    party: Party
    record: ConsentRecord | None  # the record that counts now, if any
    waiver: ConsentWaiver | None
    problem: str  # empty when covered

    @property
    def covered(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Completeness:
    complete: bool
    missing: list[str] = field(default_factory=list)
    # Each party's state, for the asset page and the sign-off's snapshot. Empty in the
    # verdicts for many assets at once (`consent.selectors.completeness_for_assets`), which
    # read no record whole: those carry the verdict, what is missing and the waived count.
    parties: list[PartyConsent] = field(default_factory=list)
    waived: int = 0  # parties covered by a waiver


NO_CONSENT = "no consent recorded"
NO_CREATOR = "No creator recorded: add who made this media."
MINOR_WITHOUT_GUARDIAN = "a minor: their guardian must consent"
_LAPSE_KINDS = dict(LapseKind.choices)


def record_standing(
    *,
    valid_from: date,
    valid_until: date | None,
    lapse_kind: str | None,
    lapsed_at: datetime | None,
    today: date,
) -> str:
    """Why a party's newest consent record does not count today, or "" when it does."""
    if lapse_kind is not None and lapsed_at is not None:
        kind = _LAPSE_KINDS.get(lapse_kind, lapse_kind).lower()
        return f"consent {kind} on {lapsed_at:%Y-%m-%d}"
    if valid_from > today:
        return f"consent starts only on {valid_from:%Y-%m-%d}"
    if valid_until is not None and valid_until < today:
        return f"consent expired on {valid_until:%Y-%m-%d}"
    return ""


def party_problem(*, waived: bool, is_minor: bool, record_role: str | None, why: str) -> str:
    """What keeps a party from being covered, or "". A waiver covers it whatever its records
    say; otherwise its newest record must count (`record_role` is None when none does, and
    `why` says why) and, for a minor, be their guardian's."""
    if waived:
        return ""
    if record_role is None:
        return why
    if is_minor and record_role != "guardian":
        return MINOR_WITHOUT_GUARDIAN
    return ""


def missing_for(*, has_creator: bool, problems: list[tuple[str, str]]) -> list[str]:
    """What an asset lacks, from whether a creator is on record and each uncovered party's
    (name, problem), in the parties' order: the rule the gate applies."""
    missing = [] if has_creator else [NO_CREATOR]
    missing += [f"{name}: {problem}." for name, problem in problems]
    return missing


def current_record(records: list[ConsentRecord], today: date) -> tuple[ConsentRecord | None, str]:
    """The newest version, if it still counts; otherwise why not."""
    if not records:
        return None, NO_CONSENT
    latest = max(records, key=lambda r: r.version)
    lapse = getattr(latest, "lapse", None)
    why = record_standing(
        valid_from=latest.valid_from,
        valid_until=latest.valid_until,
        lapse_kind=lapse.kind if lapse is not None else None,
        lapsed_at=lapse.effective_at if lapse is not None else None,
        today=today,
    )
    return (None, why) if why else (latest, "")


def consent_parties() -> QuerySet[Party]:
    """The current parties with what `party_consent` reads and the asset page shows, fetched
    in a fixed number of queries however many parties: filter it by asset (or person)."""
    records = ConsentRecord.objects.select_related("lapse", "collected_by")
    return (
        Party.objects.filter(removed_at__isnull=True)
        .select_related("person", "person__guardian", "waiver", "waiver__granted_by")
        .prefetch_related(Prefetch("consent_records", queryset=records))
        .order_by("role", "pk")
    )


def party_consent(party: Party, today: date) -> PartyConsent:
    """One party's state, from its prefetched records and waiver (see `consent_parties`)."""
    waiver = getattr(party, "waiver", None)
    record, why = current_record(list(party.consent_records.all()), today)
    person = party.person
    problem = party_problem(
        waived=waiver is not None,
        is_minor=person is not None and person.is_minor,
        record_role=record.role if record is not None else None,
        why=why,
    )
    return PartyConsent(party, record, waiver, problem)


def party_consents(asset: Asset, today: date | None = None) -> list[PartyConsent]:
    today = today or timezone.localdate()
    return [party_consent(party, today) for party in consent_parties().filter(asset=asset)]


def completeness_of(parties: list[PartyConsent]) -> Completeness:
    """The verdict for one asset from its parties' states."""
    missing = missing_for(
        has_creator=any(p.party.role == PartyRole.CREATOR for p in parties),
        problems=[(str(p.party), p.problem) for p in parties if p.problem],
    )
    return Completeness(
        complete=not missing,
        missing=missing,
        parties=parties,
        waived=sum(1 for p in parties if p.waiver is not None),
    )


def consent_completeness(asset: Asset, today: date | None = None) -> Completeness:
    return completeness_of(party_consents(asset, today))
