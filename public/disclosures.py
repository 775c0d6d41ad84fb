"""What the public may know about a published asset: its label, how it was made, what its
Content Credentials say, how consent was obtained (in counts and kinds, never names), and its
corrections. Built from the desk's records; nothing here carries a person's data, an internal
note or a file URL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from consent.completeness import Completeness, consent_completeness
from consent.models import ConsentMethod, PartyRole
from incidents.models import Decision, Incident, IncidentStatus
from labeling.models import Classification, Label, Rendition
from provenance.explanations import source_type_label
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from review.models import Asset, AssetStatus

# Assets with a public page: published, or published once and taken down since.
PUBLIC_STATUSES = (AssetStatus.PUBLISHED, AssetStatus.TAKEN_DOWN)
# Decisions the audience is told about in the corrections log.
NOTICE_DECISIONS = (Decision.CORRECTION, Decision.RELABEL, Decision.TAKEDOWN)

CREDENTIALS_WORDS = {
    ProvenanceState.TRUSTED: "The file we received carried Content Credentials that verified "
    "and were signed by a source on our trust list.",
    ProvenanceState.VALID: "The file we received carried Content Credentials that verified, "
    "signed by a source that is not on our trust list.",
    ProvenanceState.INVALID: "The file we received carried Content Credentials that did not "
    "verify; our editors took that into account.",
    ProvenanceState.NO_MANIFEST: "The file we received carried no Content Credentials.",
    ProvenanceState.REMOTE_UNAVAILABLE: "The file we received pointed to Content Credentials "
    "stored elsewhere, which we did not fetch.",
    ProvenanceState.UNSUPPORTED: "The file we received is in a format that cannot carry "
    "Content Credentials.",
    ProvenanceState.UNREADABLE: "The Content Credentials of the file we received could not be "
    "read.",
}


@dataclass(frozen=True)
class Notice:
    pk: int
    kind: str  # correction, relabel, takedown
    kind_label: str
    published_at: datetime
    text: str
    asset_uid: str
    media_kind: str


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


def notice_text(incident: Incident, media_kind: str) -> str:
    if incident.public_note:
        return incident.public_note
    if incident.decision == Decision.TAKEDOWN:
        return f"We took this {media_kind} down: {incident.get_harm_category_display().lower()}."
    return ""


def _notice(incident: Incident) -> Notice:
    asset = incident.asset
    assert incident.decided_at is not None
    return Notice(
        pk=incident.pk,
        kind=incident.decision,
        kind_label=Decision(incident.decision).label,
        published_at=incident.decided_at,
        text=notice_text(incident, asset.media_kind),
        asset_uid=asset.uid.hex,
        media_kind=asset.media_kind,
    )


def notice_rows(*, asset_id: int | None = None) -> QuerySet[Incident]:
    """The corrections log's incidents, newest first (one asset's, or every one)."""
    rows = Incident.objects.filter(
        status=IncidentStatus.DECIDED, decision__in=NOTICE_DECISIONS
    ).select_related("asset")
    if asset_id is not None:
        rows = rows.filter(asset_id=asset_id)
    return rows.order_by("-decided_at", "-pk")


def as_notices(rows: Iterable[Incident]) -> list[Notice]:
    return [_notice(incident) for incident in rows]


def notices(*, asset_id: int | None = None, limit: int | None = None) -> list[Notice]:
    rows = notice_rows(asset_id=asset_id)
    return as_notices(rows[:limit] if limit is not None else rows)


def notice(pk: int) -> Notice:
    incident = (
        Incident.objects.filter(pk=pk, status=IncidentStatus.DECIDED, decision__in=NOTICE_DECISIONS)
        .select_related("asset")
        .first()
    )
    if incident is None:
        raise Http404("No such notice.")
    return _notice(incident)


def consent_summary(completeness: Completeness) -> list[str]:
    """How consent was obtained, in counts and kinds: "written consent from the 2 people
    shown", "consent waived for 1 person shown: satire or parody"."""
    lines = []
    for role, who in ((PartyRole.CREATOR, "creator"), (PartyRole.SUBJECT, "people shown")):
        parties = [p for p in completeness.parties if p.party.role == role]
        if not parties:
            continue
        methods: Counter[str] = Counter()
        waived: Counter[str] = Counter()
        for item in parties:
            if item.waiver is not None:
                waived[item.waiver.get_basis_display().lower()] += 1
            elif item.record is not None:
                written = item.record.method != ConsentMethod.VERBAL
                methods["written consent" if written else "recorded verbal consent"] += 1
        for kind, n in sorted(methods.items()):
            if role == PartyRole.CREATOR:
                lines.append(f"{kind.capitalize()} from the creator.")
            else:
                lines.append(f"{kind.capitalize()} from the {n} {'person' if n == 1 else who}.")
        for basis, n in sorted(waived.items()):
            target = "the creator" if role == PartyRole.CREATOR else f"{n} of the people shown"
            lines.append(f"Consent waived for {target}: {basis}.")
    return lines or ["No person is shown or represented; no consent was needed."]


def disclosure(uid: UUID) -> Disclosure:
    asset = Asset.objects.filter(uid=uid, status__in=PUBLIC_STATUSES).first()
    if asset is None:
        raise Http404("No published media has this address.")
    label = Label.objects.filter(asset=asset).order_by("-version").first()
    classification = Classification.objects.filter(asset=asset).order_by("-version").first()
    made = source_type_label(classification.source_type) if classification is not None else ""
    report = ProvenanceReport.objects.filter(asset=asset).order_by("-created_at", "-pk").first()
    credentials = CREDENTIALS_WORDS.get(ProvenanceState(report.state), "") if report else ""
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
        consent=consent_summary(consent_completeness(asset)),
        notices=notices(asset_id=asset.pk),
        taken_down_at=taken_down_at,
    )
