"""What the public may know about a published asset: its label, how it was made, what its
Content Credentials say, how consent was obtained (in counts and kinds, never names), and its
corrections. Built from the desk's records; nothing here carries a person's data, an internal
note or a file URL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from consent.completeness import Completeness, consent_completeness
from consent.models import ConsentMethod, PartyRole
from incidents.models import Decision, Incident, IncidentStatus
from labeling.models import Classification, Label, Rendition
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from public import words
from review.models import Asset, AssetStatus

# Assets with a public page: published, or published once and taken down since.
PUBLIC_STATUSES = (AssetStatus.PUBLISHED, AssetStatus.TAKEN_DOWN)
# Decisions the audience is told about in the corrections log.
NOTICE_DECISIONS = (Decision.CORRECTION, Decision.RELABEL, Decision.TAKEDOWN)


@dataclass(frozen=True)
class Notice:
    pk: int
    kind: str  # correction, relabel, takedown
    kind_label: str
    published_at: datetime
    text: str
    asset_uid: str
    media_kind: str  # in the notice's language
    language: str = "en"


@dataclass(frozen=True)
class Disclosure:
    asset: Asset
    label: Label | None
    made: str  # how it was made, in words
    credentials: str
    signed_by_us: bool
    consent: list[str]
    notices: list[Notice]
    taken_down_at: datetime | None


def notice_text(incident: Incident, media_kind: str, language: str = "en") -> str:
    """The public note as the desk wrote it; for a takedown without one, what happened."""
    if incident.public_note:
        return incident.public_note
    if incident.decision == Decision.TAKEDOWN:
        english = incident.get_harm_category_display().lower()
        harm = words.harm(language, incident.harm_category, english)
        return words.taken_down(language, media_kind, harm)
    return ""


def _notice(incident: Incident, language: str) -> Notice:
    asset = incident.asset
    assert incident.decided_at is not None
    return Notice(
        pk=incident.pk,
        kind=incident.decision,
        kind_label=words.DECISIONS.get(language, words.DECISIONS["en"])[incident.decision],
        published_at=incident.decided_at,
        text=notice_text(incident, asset.media_kind, language),
        asset_uid=asset.uid.hex,
        media_kind=words.medium(language, asset.media_kind),
        language=language,
    )


def notice_rows(*, asset_id: int | None = None) -> QuerySet[Incident]:
    """The corrections log's incidents, newest first (one asset's, or every one)."""
    rows = Incident.objects.filter(
        status=IncidentStatus.DECIDED, decision__in=NOTICE_DECISIONS
    ).select_related("asset")
    if asset_id is not None:
        rows = rows.filter(asset_id=asset_id)
    return rows.order_by("-decided_at", "-pk")


def as_notices(rows: Iterable[Incident], language: str = "en") -> list[Notice]:
    return [_notice(incident, language) for incident in rows]


def notices(
    *, asset_id: int | None = None, limit: int | None = None, language: str = "en"
) -> list[Notice]:
    rows = notice_rows(asset_id=asset_id)
    return as_notices(rows[:limit] if limit is not None else rows, language)


def notice(pk: int, language: str = "en") -> Notice:
    incident = (
        Incident.objects.filter(pk=pk, status=IncidentStatus.DECIDED, decision__in=NOTICE_DECISIONS)
        .select_related("asset")
        .first()
    )
    if incident is None:
        raise Http404("No such notice.")
    return _notice(incident, language)


def consent_summary(completeness: Completeness, language: str = "en") -> list[str]:
    """How consent was obtained, in counts and kinds: "Written consent from the 2 people
    shown", "Consent waived for the creator: satire or parody"."""
    tallies = {}
    for role in (PartyRole.CREATOR, PartyRole.SUBJECT):
        written = verbal = 0
        waived: list[str] = []
        for item in completeness.parties:
            if item.party.role != role:
                continue
            if item.waiver is not None:
                waived.append(item.waiver.get_basis_display().lower())
            elif item.record is not None:
                if item.record.method == ConsentMethod.VERBAL:
                    verbal += 1
                else:
                    written += 1
        tallies[role] = (written, verbal, waived)
    return words.consent_lines(
        language, creator=tallies[PartyRole.CREATOR], shown=tallies[PartyRole.SUBJECT]
    )


def disclosure(uid: UUID, language: str = "en") -> Disclosure:
    """The page of an asset the audience may have seen: published or taken down now, or
    shown by a CMS or corrected in public before. An asset that went back to review (a relabel
    voids its sign-off; so does a consent lapse) keeps its page: the label a CMS still shows
    links to it, and the page is where the notice is."""
    seen = (
        Q(status__in=PUBLIC_STATUSES)
        | Q(publications__isnull=False)
        | Q(incidents__status=IncidentStatus.DECIDED, incidents__decision__in=NOTICE_DECISIONS)
    )
    asset = Asset.objects.filter(seen, uid=uid).distinct().first()
    if asset is None:
        raise Http404("No published media has this address.")
    label = Label.objects.filter(asset=asset).order_by("-version").first()
    classification = Classification.objects.filter(asset=asset).order_by("-version").first()
    made = words.made(language, classification.source_type) if classification is not None else ""
    report = ProvenanceReport.objects.filter(asset=asset).order_by("-created_at", "-pk").first()
    said = words.CREDENTIALS.get(language, words.CREDENTIALS["en"])
    credentials = said.get(ProvenanceState(report.state), "") if report else ""
    signed = (
        label is not None
        and Rendition.objects.filter(asset=asset, label=label).exclude(sha256="").exists()
    )
    taken_down_at = None
    if asset.status == AssetStatus.TAKEN_DOWN:
        taken_down_at = asset.status_changed_at
    return Disclosure(
        asset=asset,
        label=label,
        made=made,
        credentials=credentials,
        signed_by_us=signed,
        consent=consent_summary(consent_completeness(asset), language),
        notices=notices(asset_id=asset.pk, language=language),
        taken_down_at=taken_down_at,
    )
