"""Consent PDFs for legal: one asset with all its parties, or one person with all their assets.

Readable by a judge: the statement each person read (each distinct text printed once, in an
appendix, with its sha256; every record names its text by number, version and hash), their
signature, scope and term, the evidence by hash, revocations, waivers, the completeness verdict
and a certificate page with the audit trail. Checkable by a machine: the file is PDF/A-3b and
carries `consent-record.json` as an associated file (relationship Data) holding every record as
`consent.evidence.records.record_document` plus its `record_sha256` and the statement text it
hashes, the lapses, waivers, completeness and the audit events with their chain hashes.

This module gathers the data and writes the HTML and JSON; `consent.exports.pdf_writer` turns
them into the PDF with WeasyPrint. Rendering reads files and lays out pages for a noticeable time:
it never runs inside a database transaction (the house rule), and `_require_no_transaction`
enforces it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection, models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from PIL import Image, ImageOps

from audit.chain import canonical_time
from audit.models import AuditEvent
from audit.words import event_words
from consent.completeness import consent_completeness
from consent.evidence.records import document_sha256, record_document, text_sha256
from consent.exports.pdf_writer import JSON_NAME, RECYCLE_AFTER, PdfJob, RendererProcess, write_pdf
from consent.models import (
    ConsentAlert,
    ConsentLapse,
    ConsentLink,
    ConsentRecord,
    ConsentWaiver,
    InformedPoint,
    Party,
    Person,
    WaiverBasis,
)
from review.images import untrusted_image
from review.models import Asset, MediaKind

logger = logging.getLogger(__name__)

FORMAT = "proofdesk.consent-export/1"
CSS_PATH = "css/consent-pdf.css"
THUMBNAIL_EDGE = 480  # px: sharp enough at 8 cm wide, small enough to keep the PDF light

VERIFY_RECORD = (
    "Each entry of records is a record document plus its record_sha256 and statement_text, "
    "the exact text the person read. Remove the keys record_sha256 and statement_text, "
    "serialise the rest as JSON with keys sorted, separators ',' and ':', no ASCII escaping, "
    "encoded in UTF-8: its SHA-256 must equal record_sha256 and the hash printed for that "
    "record in the PDF. The SHA-256 of statement_text, encoded in UTF-8, must equal the "
    "record's statement.text_sha256 and the hash printed with that statement in the PDF."
)
VERIFY_EVENT = (
    "Each audit event's hash is the SHA-256 of the JSON object of seq, created_at, actor_id, "
    "actor_name, action, object_type, object_id, from_state, to_state, details and prev_hash, "
    "serialised the same way; prev_hash is the hash of the event before it on the newsroom's "
    "audit chain."
)


class RenderInTransaction(RuntimeError):
    """A PDF was rendered while a database transaction was open."""


# --- what the document shows ------------------------------------------------------------


@dataclass(frozen=True)
class StatementEntry:
    """One distinct statement text, printed once in the appendix: records that quote it refer
    to it by number and hash. A ten-party asset quotes three or four texts, not ten, and
    laying out the same long text again for every record was most of the rendering time."""

    number: int  # S1, S2… in the order the records are printed
    text: str
    sha256: str  # of the text as stored today; each record prints the hash recorded at signing
    record: ConsentRecord  # the first record that quotes it: title, key, version, language
    readers: list[str] = field(default_factory=list)  # who read it, for which record version


class StatementIndex:
    """Numbers the distinct statement texts of a dossier as its records are gathered."""

    def __init__(self) -> None:
        self._by_text: dict[str, StatementEntry] = {}

    def ref(self, record: ConsentRecord) -> StatementEntry:
        entry = self._by_text.get(record.statement_text)
        if entry is None:
            entry = StatementEntry(
                number=len(self._by_text) + 1,
                text=record.statement_text,
                sha256=text_sha256(record.statement_text),
                record=record,
            )
            self._by_text[record.statement_text] = entry
        entry.readers.append(_reader(record))
        return entry

    @property
    def entries(self) -> list[StatementEntry]:
        return list(self._by_text.values())


def _reader(record: ConsentRecord) -> str:
    person = record.person.full_name if record.person is not None else "an unidentified person"
    who = f"{record.signer.full_name} for {person}" if record.signer is not None else person
    return f"{who} (asset #{record.asset_id}, record version {record.version})"


@dataclass(frozen=True)
class RecordEntry:
    record: ConsentRecord
    statement: StatementEntry  # where its text is printed, in the appendix
    acknowledged: list[str]  # labels of the informed points, in the order people read them
    status: str  # "current", "superseded by version 3", "revoked", "expired"
    lapse: ConsentLapse | None
    hash_problem: str  # empty when the record still hashes to its record_sha256
    statement_problem: str  # empty when the stored text still hashes to statement_sha256
    signature_uri: str  # data: URI of the signature image, or ""
    signature_note: str


@dataclass(frozen=True)
class PartyEntry:
    party: Party
    records: list[RecordEntry]  # newest first
    waiver: ConsentWaiver | None
    problem: str  # empty when consent or a waiver covers the party


@dataclass(frozen=True)
class AssetEntry:
    asset: Asset
    thumbnail_uri: str
    thumbnail_note: str
    parties: list[PartyEntry]
    complete: bool
    missing: list[str]
    # A person's PDF shows only their own parties; the others are counted, never named.
    other_parties: int = 0
    other_missing: int = 0


@dataclass(frozen=True)
class EventEntry:
    event: AuditEvent
    ip_address: str
    title: str  # what happened, in words (audit.words)
    summary: str  # the details a reader needs, in words; ids and hashes are left to the JSON


@dataclass(frozen=True)
class Dossier:
    kind: str  # "asset" or "person"
    title: str
    generated_at: datetime
    assets: list[AssetEntry]
    events: list[EventEntry]
    person: Person | None = None
    waivers: list[tuple[AssetEntry, PartyEntry]] = field(default_factory=list)
    statements: list[StatementEntry] = field(default_factory=list)  # the appendix


# --- reading the database -------------------------------------------------------------------


def _records_by_party(parties: Iterable[Party]) -> dict[int, list[ConsentRecord]]:
    grouped: dict[int, list[ConsentRecord]] = defaultdict(list)
    records = (
        ConsentRecord.objects.filter(party__in=[p.pk for p in parties])
        .select_related(
            "asset",
            "party",
            "person",
            "signer",
            "statement",
            "collected_by",
            "lapse",
            "lapse__recorded_by",
        )
        .order_by("party_id", "-version")
    )
    for record in records:
        grouped[record.party_id].append(record)
    return grouped


def _record_entry(
    record: ConsentRecord, newer: ConsentRecord | None, statements: StatementIndex
) -> RecordEntry:
    lapse: ConsentLapse | None = getattr(record, "lapse", None)
    if lapse is not None:
        status = lapse.kind
    elif newer is not None:
        status = f"superseded by version {newer.version}"
    else:
        status = "current"
    recomputed = document_sha256(record_document(record))
    hash_problem = (
        ""
        if recomputed == record.record_sha256
        else (
            f"The record as stored today hashes to {recomputed}, not to the hash recorded at "
            "signing: a name or user on it was changed since. The embedded JSON holds the "
            "record as it reads today."
        )
    )
    statement_problem = (
        ""
        if text_sha256(record.statement_text) == record.statement_sha256
        else "The stored statement text does not match its SHA-256."
    )
    signature_uri, signature_note = _signature(record)
    points = set(record.acknowledged)
    return RecordEntry(
        record=record,
        statement=statements.ref(record),
        acknowledged=[p.label for p in InformedPoint if p.value in points],
        status=status,
        lapse=lapse,
        hash_problem=hash_problem,
        statement_problem=statement_problem,
        signature_uri=signature_uri,
        signature_note=signature_note,
    )


def _signature(record: ConsentRecord) -> tuple[str, str]:
    if not record.signature_image:
        return "", ""
    try:
        with record.signature_image.open("rb") as handle:
            data = handle.read()
    except OSError:
        logger.error("consent record %s: signature file is missing", record.pk)
        return "", "The signature image is missing from storage."
    if hashlib.sha256(data).hexdigest() != record.signature_sha256:
        return "", "The stored signature image does not match the SHA-256 recorded at signing."
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii"), ""


def _thumbnail(asset: Asset) -> tuple[str, str]:
    if asset.media_kind != MediaKind.IMAGE:
        kind = MediaKind(asset.media_kind).label.lower()
        return "", f"No thumbnail for {kind} media: identify the file by its SHA-256."
    try:
        with (
            asset.file.open("rb") as handle,
            untrusted_image(handle, max_pixels=settings.RENDER_MAX_PIXELS) as image,
        ):
            # draft() lets JPEG decode at a reduced scale: a 24-megapixel photo costs a
            # fraction of its full size in memory.
            image.draft("RGB", (THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            small = ImageOps.exif_transpose(image).convert("RGB")
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=82)
    except (OSError, ValueError, Image.DecompressionBombError):  # ImageTooLarge too
        logger.warning("asset %s: no thumbnail for the consent PDF", asset.pk, exc_info=True)
        return "", "Thumbnail unavailable: the stored file could not be read as an image."
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), ""


def _party_entries(
    parties: list[Party],
    problems: dict[int, str],
    records: dict[int, list[ConsentRecord]],
    statements: StatementIndex,
) -> list[PartyEntry]:
    entries = []
    for party in parties:
        versions = records.get(party.pk, [])
        entries.append(
            PartyEntry(
                party=party,
                records=[
                    _record_entry(record, versions[i - 1] if i else None, statements)
                    for i, record in enumerate(versions)
                ],
                waiver=getattr(party, "waiver", None),
                problem=problems.get(party.pk, ""),
            )
        )
    return entries


def _asset_entry(
    asset: Asset,
    parties: list[Party],
    records: dict[int, list[ConsentRecord]],
    statements: StatementIndex,
) -> AssetEntry:
    verdict = consent_completeness(asset)
    problems = {item.party.pk: item.problem for item in verdict.parties}
    shown = {party.pk for party in parties}
    others = [item for item in verdict.parties if item.party.pk not in shown]
    thumbnail_uri, thumbnail_note = _thumbnail(asset)
    return AssetEntry(
        asset=asset,
        thumbnail_uri=thumbnail_uri,
        thumbnail_note=thumbnail_note,
        parties=_party_entries(parties, problems, records, statements),
        complete=verdict.complete,
        missing=verdict.missing,
        other_parties=len(others),
        other_missing=sum(1 for item in others if item.problem),
    )


def _parties() -> Any:
    return (
        Party.objects.filter(removed_at__isnull=True)
        .select_related("asset", "person", "person__guardian", "waiver", "waiver__granted_by")
        .order_by("asset_id", "role", "pk")
    )


def _label(model: type[Any]) -> str:
    return str(model._meta.label_lower)


# Left out of the certificate and of the attached JSON, which lists the same events: they record
# that someone looked at or took a copy of the consent, not a change to it.
# - consent.evidence_viewed: each view of a signature or a release (the privacy log), many per
#   asset, which buried the dozen events that matter;
# - consent.exported: each consent PDF handed out, this one's own download included, so that
#   every copy listed the copies before it and no two copies of an unchanged record agreed.
# Both stay on the audit chain, which `manage.py verify_audit_log` checks whole.
NOT_CONSENT_CHANGES = frozenset({"consent.evidence_viewed", "consent.exported"})


@dataclass
class EventWords:
    """What the certificate may name when it puts an event's details in words: the people and
    parties this document prints already, never another (a person's PDF may be handed to
    them). Ids stay in the JSON."""

    names: dict[str, str]  # person id → full name
    parties: dict[int, Party]
    records: dict[int, ConsentRecord]
    # A cancelled link names only itself: its party is learnt from its creation, listed before.
    link_parties: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        parties: Iterable[Party],
        records: dict[int, list[ConsentRecord]],
        people: Iterable[Person | None],
    ) -> EventWords:
        return cls(
            names={str(p.pk): p.full_name for p in people if p is not None},
            parties={p.pk: p for p in parties},
            records={r.pk: r for rs in records.values() for r in rs},
        )

    def party(self, party_id: int | None) -> str:
        party = self.parties.get(party_id) if party_id is not None else None
        if party is None:
            return "someone no longer on the media item"
        role = party.get_role_display().lower()
        if party.person is None:
            described = f", described as “{party.description}”" if party.description else ""
            return f"unidentified {role}{described}"
        return f"{party.person.full_name}, {role}"

    def record(self, record_id: int | None) -> str:
        """Which record: its version and whose it is. Capitalised, as it opens the details."""
        record = self.records.get(record_id) if record_id is not None else None
        if record is None:
            return "A consent record"
        given = f", given by their guardian {record.signer.full_name}" if record.signer else ""
        return f"Version {record.version} for {self.party(record.party_id)}{given}"


def _int(value: object) -> int | None:
    # JSON details: ids are ints, but a bool is an int too and is never an id.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(value: object) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _choice(choices: type[models.TextChoices], value: object) -> str:
    labels = dict(choices.choices)
    return str(labels.get(str(value), "")).lower()


def _details_in_words(event: AuditEvent, details: dict[str, Any], words: EventWords) -> list[str]:
    """An event's details as a reader needs them. An action without words here shows none:
    a raw id or flag would tell legal nothing."""
    action = event.action
    if action == "person.created":
        name = words.names.get(event.object_id, "a person")
        guardian = words.names.get(str(details.get("guardian_id")), "")
        if not details.get("minor"):
            return [name]
        return [f"{name}, a minor" + (f"; guardian: {guardian}" if guardian else "")]
    party_id = _int(details.get("party_id"))
    if action in {"consent.party_added", "consent.party_removed"}:
        return [words.party(party_id)]
    if action == "consent.link_created":
        link_id = _int(details.get("link_id"))
        if link_id is not None and party_id is not None:
            words.link_parties[link_id] = party_id
        expires = _when(details.get("expires_at"))
        return [f"For {words.party(party_id)}"] + (
            [f"the link works until {expires}"] if expires else []
        )
    if action == "consent.link_reissued":
        return [f"For {words.party(party_id)}"] + (
            ["sent by e-mail"] if details.get("emailed") is True else []
        )
    if action == "consent.link_cancelled":
        link_id = _int(details.get("link_id"))
        linked = words.link_parties.get(link_id) if link_id is not None else None
        return [f"For {words.party(linked)}"] if linked is not None else []
    if action == "consent.recorded":
        # How it was given is in the event's words ("Consent recorded in person").
        parts = [words.record(_int(details.get("record_id")))]
        if details.get("signed_name"):
            parts.append(f"typed name: {details['signed_name']}")
        version = _int(details.get("version"))
        if details.get("supersedes") and version is not None:
            parts.append(f"replaces version {version - 1}")
        return parts
    if action in {"consent.revoked", "consent.expired"}:
        parts = [words.record(_int(details.get("record_id")))]
        if effective := _when(details.get("effective_at")):
            parts.append(f"effective {effective}")
        if details.get("how"):
            parts.append(f"how it reached the newsroom: {details['how']}")
        if details.get("alert_id"):
            parts.append("the media item was approved or published: legal was alerted")
        return parts
    if action == "consent.waived":
        basis = _choice(WaiverBasis, details.get("basis"))
        return [f"For {words.party(party_id)}"] + ([f"basis: {basis}"] if basis else [])
    if action == "consent.alert_resolved" and details.get("resolution"):
        return [f"What was done: {details['resolution']}"]
    return []


def _event_entry(event: AuditEvent, words: EventWords) -> EventEntry:
    details = event.details if isinstance(event.details, dict) else {}
    # Services name the address `ip_address` (signing) or `ip` (views, downloads).
    ip = details.get("ip_address") or details.get("ip") or ""
    return EventEntry(
        event=event,
        ip_address=str(ip),
        title=event_words(event.action, event.from_state, event.to_state, details=details),
        summary=_sentence("; ".join(_details_in_words(event, details, words))),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _events(query: Q, words: EventWords) -> list[EventEntry]:
    events = AuditEvent.objects.filter(query).exclude(action__in=NOT_CONSENT_CHANGES)
    # In order: a link's cancellation is put in words with what its creation said.
    return [_event_entry(e, words) for e in events.order_by("seq")]


def asset_dossier(asset: Asset) -> Dossier:
    parties = list(_parties().filter(asset=asset))
    records = _records_by_party(parties)
    statements = StatementIndex()
    entry = _asset_entry(asset, parties, records, statements)
    people = {p.person for p in parties} | {r.signer for rs in records.values() for r in rs}
    people.discard(None)
    events = _events(
        Q(object_type=_label(Asset), object_id=str(asset.pk), action__startswith="consent.")
        # Everything on the people themselves (created, changed): a name changed after signing
        # is what a record hash mismatch would point to.
        | Q(object_type=_label(Person), object_id__in=[str(p.pk) for p in people if p]),
        EventWords.of(parties, records, people),
    )
    return Dossier(
        kind="asset",
        title=f"Consent record for media item #{asset.pk}",
        generated_at=timezone.now(),
        assets=[entry],
        events=events,
        waivers=[(entry, p) for p in entry.parties if p.waiver is not None],
        statements=statements.entries,
    )


def person_dossier(person: Person) -> Dossier:
    """Every asset the person is on, or signed for as a minor's guardian. Other people on
    those assets are counted, never named: this file may be handed to the person."""
    parties = list(
        _parties().filter(Q(person=person) | Q(consent_records__signer=person)).distinct()
    )
    records = _records_by_party(parties)
    by_asset: dict[int, list[Party]] = defaultdict(list)
    for party in parties:
        by_asset[party.asset_id].append(party)
    statements = StatementIndex()
    entries = [_asset_entry(ps[0].asset, ps, records, statements) for ps in by_asset.values()]
    party_ids = [p.pk for p in parties]
    record_ids = [r.pk for rs in records.values() for r in rs]
    link_ids = list(ConsentLink.objects.filter(party__in=party_ids).values_list("pk", flat=True))
    alert_ids = list(
        ConsentAlert.objects.filter(lapse__record__in=record_ids).values_list("pk", flat=True)
    )
    about_them = (
        Q(details__party_id__in=party_ids)
        | Q(details__record_id__in=record_ids)
        | Q(details__link_id__in=link_ids)
        | Q(details__alert_id__in=alert_ids)
    )
    on_their_assets = Q(
        object_type=_label(Asset),
        object_id__in=[str(pk) for pk in by_asset],
        action__startswith="consent.",
    )
    events = _events(
        (on_their_assets & about_them) | Q(object_type=_label(Person), object_id=str(person.pk)),
        # The guardian of a minor is named on the title page already.
        EventWords.of(parties, records, [person, person.guardian]),
    )
    return Dossier(
        kind="person",
        title=f"Consent record of {person.full_name}",
        generated_at=timezone.now(),
        assets=entries,
        events=events,
        person=person,
        waivers=[(e, p) for e in entries for p in e.parties if p.waiver is not None],
        statements=statements.entries,
    )


# --- the embedded JSON ----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    guardian = person.guardian
    return {
        "id": person.pk,
        "name": person.full_name,
        "is_minor": person.is_minor,
        "guardian": {"id": guardian.pk, "name": guardian.full_name} if guardian else None,
    }


def _asset_json(entry: AssetEntry) -> dict[str, Any]:
    asset = entry.asset
    return {
        "id": asset.pk,
        "sha256": asset.sha256,
        "filename": asset.original_filename,
        "media_type": asset.media_type,
        "media_kind": asset.media_kind,
        "size_bytes": asset.size_bytes,
        "story_ref": asset.story_ref,
        "status": asset.status,
    }


def _completeness_json(entry: AssetEntry) -> dict[str, Any]:
    if entry.other_parties:
        return {
            "complete": entry.complete,
            "missing_for_this_person": [p.problem for p in entry.parties if p.problem],
            "other_parties": entry.other_parties,
            "other_parties_missing": entry.other_missing,
        }
    return {"complete": entry.complete, "missing": list(entry.missing)}


def dossier_json(dossier: Dossier) -> dict[str, Any]:
    parties = [p for e in dossier.assets for p in e.parties]
    entries = [r for p in parties for r in p.records]
    document: dict[str, Any] = {
        "format": FORMAT,
        "kind": dossier.kind,
        "generated_at": _iso(dossier.generated_at),
        "newsroom": settings.NEWSROOM_NAME,
    }
    if dossier.kind == "asset":
        document["asset"] = _asset_json(dossier.assets[0])
        document["completeness"] = _completeness_json(dossier.assets[0])
    else:
        document["person"] = _person_json(dossier.person)
        document["assets"] = [
            {**_asset_json(e), "completeness": _completeness_json(e)} for e in dossier.assets
        ]
    document["parties"] = [
        {
            "id": p.party.pk,
            "asset_id": p.party.asset_id,
            "role": p.party.role,
            "description": p.party.description,
            "person": _person_json(p.party.person),
        }
        for p in parties
    ]
    # The text travels next to the document, not in it: record_sha256 covers the text's hash
    # (statement.text_sha256), so a verifier recomputes both from this file alone.
    document["records"] = [
        {
            **record_document(e.record),
            "record_sha256": e.record.record_sha256,
            "statement_text": e.record.statement_text,
        }
        for e in entries
    ]
    document["lapses"] = [
        {
            "asset_id": e.record.asset_id,
            "party_id": e.record.party_id,
            "version": e.record.version,
            "record_sha256": e.record.record_sha256,
            "kind": e.lapse.kind,
            "effective_at": _iso(e.lapse.effective_at),
            "how": e.lapse.how,
            "note": e.lapse.note,
            "recorded_by": _username(e.lapse.recorded_by),
            "recorded_at": _iso(e.lapse.created_at),
        }
        for e in entries
        if e.lapse is not None
    ]
    document["waivers"] = [
        {
            "asset_id": p.waiver.asset_id,
            "party_id": p.party.pk,
            "basis": p.waiver.basis,
            "basis_label": p.waiver.get_basis_display(),
            "justification": p.waiver.justification,
            "granted_by": _username(p.waiver.granted_by),
            "granted_at": _iso(p.waiver.created_at),
        }
        for p in parties
        if p.waiver is not None
    ]
    document["audit_events"] = [
        {
            "seq": event.seq,
            "created_at": canonical_time(event.created_at),
            "actor_id": event.actor_id,
            "actor_name": event.actor_name,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "details": event.details,
            "prev_hash": event.prev_hash,
            "hash": event.hash,
        }
        for event in (entry.event for entry in dossier.events)
    ]
    document["verification"] = {"records": VERIFY_RECORD, "audit_events": VERIFY_EVENT}
    return document


# --- rendering --------------------------------------------------------------------------------


def _require_no_transaction() -> None:
    # Django's TestCase wraps each test in atomic blocks it marks `_from_testcase`; Django's own
    # `atomic(durable=True)` check skips exactly those, and so does this one.
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RenderInTransaction(
            "Consent PDFs are rendered outside database transactions: commit first."
        )


@cache
def _css_path() -> str:
    path = finders.find(CSS_PATH)
    if not path or not isinstance(path, str):
        raise FileNotFoundError(f"static file {CSS_PATH} not found")
    return path


def pdf_job(dossier: Dossier) -> PdfJob:
    """The HTML and the JSON of a dossier, ready for WeasyPrint."""
    document = dossier_json(dossier)
    data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    html = render_to_string(
        "consent/pdf/document.html",
        {
            "dossier": dossier,
            "newsroom": settings.NEWSROOM_NAME,
            "json_name": JSON_NAME,
            "json_sha256": hashlib.sha256(data).hexdigest(),
            "verify_record": VERIFY_RECORD,
            "verify_event": VERIFY_EVENT,
        },
    )
    return PdfJob(html=html, data=data, css_path=_css_path(), created=dossier.generated_at)


def render_dossier(dossier: Dossier) -> bytes:
    _require_no_transaction()
    return write_pdf(pdf_job(dossier))


def asset_consent_pdf(asset: Asset) -> bytes:
    """The consent PDF of one asset: every party, every record version, the certificate."""
    _require_no_transaction()
    return render_dossier(asset_dossier(asset))


def person_consent_pdf(person: Person) -> bytes:
    """The consent PDF of one person across all their assets."""
    _require_no_transaction()
    return render_dossier(person_dossier(person))


class BulkRenderer:
    """Renders asset PDFs one after the other: the data is gathered here, the PDF is made in
    `process` (see `bulk_asset_renderer`)."""

    def __init__(self, process: RendererProcess) -> None:
        self.process = process

    def __call__(self, asset: Asset) -> bytes:
        _require_no_transaction()
        return self.process.render(pdf_job(asset_dossier(asset)))


@contextmanager
def bulk_asset_renderer(recycle_after: int = RECYCLE_AFTER) -> Iterator[BulkRenderer]:
    """For many PDFs in a row (a bulk export): renders in a child process that is replaced
    every `recycle_after` documents, so that WeasyPrint's native memory does not pile up in
    this process (see consent.exports.pdf_writer)."""
    with RendererProcess(cwd=Path(settings.BASE_DIR), recycle_after=recycle_after) as process:
        yield BulkRenderer(process)
