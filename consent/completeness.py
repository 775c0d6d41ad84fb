"""The one answer to "is consent complete for this asset?", with what is missing. The asset
page shows it and the sign-off gate refuses approval on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from consent.models import ConsentRecord, ConsentWaiver, Party, PartyRole
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
    parties: list[PartyConsent] = field(default_factory=list)


def current_record(records: list[ConsentRecord], today: date) -> tuple[ConsentRecord | None, str]:
    """The newest version, if it still counts; otherwise why not."""
    if not records:
        return None, "no consent recorded"
    latest = max(records, key=lambda r: r.version)
    lapse = getattr(latest, "lapse", None)
    if lapse is not None:
        return None, f"consent {lapse.get_kind_display().lower()} on {lapse.effective_at:%Y-%m-%d}"
    if latest.valid_from > today:
        return None, f"consent starts only on {latest.valid_from:%Y-%m-%d}"
    if latest.valid_until is not None and latest.valid_until < today:
        return None, f"consent expired on {latest.valid_until:%Y-%m-%d}"
    return latest, ""


def _party_problem(party: Party, record: ConsentRecord | None, why: str) -> str:
    if record is None:
        return why
    person = party.person
    if person is not None and person.is_minor and record.role != "guardian":
        return "a minor: their guardian must consent"
    return ""


# What the rules read of a record (`current_record`, `_party_problem`).
VERDICT_RECORD_FIELDS = ("id", "party_id", "role", "version", "valid_from", "valid_until")
# ... and of a party: its role and person (a minor? the name in what is missing), and whether
# it is waived.
VERDICT_PARTY_FIELDS = ("id", "asset_id", "person_id", "role")
# Where `consent_parties(verdict_only=True)` leaves each party's records.
VERDICT_RECORDS = "verdict_records"


def consent_parties(*, verdict_only: bool = False) -> QuerySet[Party]:
    """The current parties with what `party_consent` reads, fetched in a fixed number of
    queries however many parties and assets: filter it by asset or assets. `verdict_only`
    reads of each record only what the rules read, for verdicts on many assets at once (the
    queue, legal's dashboard): the statement's text and the JSON lists are most of a record's
    bytes and of the time spent loading it."""
    records = ConsentRecord.objects.select_related("lapse")
    parties = Party.objects.filter(removed_at__isnull=True)
    if verdict_only:
        records = records.only(*VERDICT_RECORD_FIELDS, "lapse__kind", "lapse__effective_at")
        parties = parties.select_related("person", "waiver").only(
            *VERDICT_PARTY_FIELDS, "person__full_name", "person__is_minor", "waiver__party_id"
        )
    else:
        records = records.select_related("collected_by")
        parties = parties.select_related(
            "person", "person__guardian", "waiver", "waiver__granted_by"
        )
    # In a list of its own (`to_attr`) for verdicts: filling each party's related manager
    # instead copies the records' query once per party, most of a queue page's consent time.
    prefetch = Prefetch(
        "consent_records", queryset=records, to_attr=VERDICT_RECORDS if verdict_only else None
    )
    return parties.prefetch_related(prefetch).order_by("role", "pk")


def party_consent(party: Party, today: date) -> PartyConsent:
    """One party's state, from its prefetched records and waiver (see `consent_parties`)."""
    waiver = getattr(party, "waiver", None)
    records = getattr(party, VERDICT_RECORDS, None)
    if records is None:
        records = list(party.consent_records.all())
    record, why = current_record(records, today)
    problem = "" if waiver is not None else _party_problem(party, record, why)
    return PartyConsent(party, record, waiver, problem)


def party_consents(asset: Asset, today: date | None = None) -> list[PartyConsent]:
    today = today or timezone.localdate()
    return [party_consent(party, today) for party in consent_parties().filter(asset=asset)]


def completeness_of(parties: list[PartyConsent]) -> Completeness:
    """The verdict for one asset from its parties' states: the rule the gate applies."""
    missing = []
    if not any(p.party.role == PartyRole.CREATOR for p in parties):
        missing.append("No creator recorded: add who made this media.")
    for item in parties:
        if item.problem:
            missing.append(f"{item.party}: {item.problem}.")
    return Completeness(complete=not missing, missing=missing, parties=parties)


def consent_completeness(asset: Asset, today: date | None = None) -> Completeness:
    return completeness_of(party_consents(asset, today))
