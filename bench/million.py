"""Server time and SQL queries of the desk's pages and the CMS API with a million assets.

Every page the desk lives in, and the API's list and clearance endpoints, with the rows a desk
keeps over years: a provenance report per checked asset, classifications, labels and signed
renditions, the creators and people depicted with their consent (some missing, some expired,
a few revoked, a few waived), sign-offs, outbox events, publications, open incidents and the
audit chain. Rows are written with COPY on PostgreSQL (batched INSERTs on SQLite), so a million
assets and their rows take minutes, not hours.

The query count of every request is taken twice: with a small desk first, then with the whole
seed. The run exits non-zero when any count differs: a count that grows with the data is a
query per row somewhere.

Like bench/queue_pages.py it runs in-process through django.test.Client (no network) and never
touches the dev database: it creates `proofdesk_bench_<pid>` on the server BENCH_DATABASE_URL
names (a temporary SQLite file without it) and drops it at the end. With `--keep` it uses the
database the URL names instead, seeds it once and keeps it: later runs measure again at once
(without the small desk's counts) and apply new migrations first.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/proofdesk_bench_million \\
        .venv/bin/python bench/million.py [--assets 1000000] [--requests 40] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# The script's own folder is on sys.path when it runs; mypy does not know that folder.
from queue_pages import (  # type: ignore[import-not-found]
    REPORTERS,
    Cast,
    in_own_workdir,
    percentile,
    seed_detail_history,
    seed_users,
    setup_as_a_web_process,
)

SMALL_ASSETS = 200
# Every queue row expects rows on the page, with the small desk too: an empty page skips the
# rows' queries, and its count would say nothing about a page of rows.
ROWS = '<tr data-asset="'
WARMUP = 5
SMALL_TIMED = 10  # requests timed with the small desk, for its median
CHUNK = 20_000  # assets generated and copied at a time: bounds the script's memory
BUDGET_MS = 50.0  # the target p95 of every row
SLOW_REQUEST_SECONDS = 2.0
SLOW_ROW_SECONDS = 60.0  # a row stops after this long (the code before the work took minutes)

# Most of a desk is waiting or done; a takedown is rare (the weights of bench/queue_pages.py:
# about 44% of the desk in review or sent back, the hardest case for the queue's filters).
STATUS_WEIGHTS = {"in_review": 6, "changes_requested": 2, "approved": 3, "published": 4}
KINDS = [
    ("image", "image/jpeg", "photo", "jpg"),
    ("video", "video/mp4", "clip", "mp4"),
    ("audio", "audio/mpeg", "sound", "mp3"),
]
PLACES = ["harbour", "court", "stadium", "market", "parliament", "station", "bridge", "school"]
EVENTS = ["protest", "flood", "match", "opening", "hearing", "fire", "parade", "strike"]
# Forty first names and nine hundred surnames: a full name is shared by a dozen people of the
# half million on file, a surname by about five hundred, as in a big newsroom's records.
FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemi", "Luca", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia", "Aiko", "Bruno", "Carmen", "Deniz",
    "Emeka", "Freya", "Goran", "Hana", "Ivo", "Jana", "Karim", "Lina", "Mateo", "Noor",
]  # fmt: skip
SURNAME_STEMS = [
    "Okaf", "Lindq", "Mor", "Nov", "Hadd", "Tan", "Silv", "Kowal", "Brenn", "Achter",
    "Os", "Petr", "Quisp", "Rahm", "Sat", "Varg", "Whitf", "Yilm", "Zh", "Font",
    "Mbek", "Castell", "Dub", "Eriks", "Gall", "Iver", "Jans", "Kum", "Lars", "Mart",
]  # fmt: skip
SURNAME_ENDINGS = [
    "or", "vist", "eau", "ak", "ad", "aka", "va", "ski", "an", "berg",
    "ei", "ov", "pe", "man", "o", "as", "ield", "az", "ou", "aine",
    "i", "anos", "ois", "sen", "agher", "son", "ell", "ar", "en", "inez",
]  # fmt: skip
REPORT_STATES = ["no_manifest", "valid", "trusted", "invalid", "unsupported"]
REPORT_WEIGHTS = [60, 15, 15, 5, 5]
SIGNED_OFF = ("approved", "published", "taken_down")


# --- writing rows fast ---------------------------------------------------------------------


class TableWriter:
    """Rows of one model as dicts of attribute names (`asset_id`), written with COPY
    (PostgreSQL) or one executemany (SQLite). A field a row leaves out gets the model's
    default, so a field added to a model later does not break the seed; a unique field
    without a default must be given,
    and a required one without a default fails loudly in the database."""

    def __init__(self, model: Any) -> None:
        from django.db import connection
        from django.db.models import DateTimeField, FileField, JSONField

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.postgres = connection.vendor == "postgresql"
        now = datetime.now().astimezone()
        self.defaults: dict[str, Any] = {}
        self.convert: dict[str, Callable[[Any], Any]] = {}
        for f in self.fields:
            if f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.get_default()
            elif f.has_default() and f.default in (list, dict):
                self.defaults[f.attname] = f.default()
            elif isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add):
                self.defaults[f.attname] = now
            elif not f.unique or f.null:
                self.defaults[f.attname] = f.get_default()
            if self.postgres:
                if isinstance(f, JSONField):
                    self.convert[f.attname] = _jsonb
                elif isinstance(f, FileField):
                    self.convert[f.attname] = str
            else:
                self.convert[f.attname] = _prepare(f, connection)

    def _tuples(self, rows: Iterable[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        names = [f.attname for f in self.fields]
        defaults, convert = self.defaults, self.convert
        for row in rows:
            values = []
            for name in names:
                if name in row:
                    value = row[name]
                elif name in defaults:
                    value = defaults[name]
                else:
                    raise SystemExit(
                        f"{self.table}: the seed gives no {name} and it has no default"
                    )
                fn = convert.get(name)
                values.append(fn(value) if fn is not None and value is not None else value)
            yield tuple(values)

    def write(self, rows: list[dict[str, Any]]) -> None:
        from django.db import connection

        if not rows:
            return
        columns = [f.column for f in self.fields]
        with connection.cursor() as cursor:
            if self.postgres:
                quoted = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{self.table}" ({quoted}) FROM STDIN') as copy:
                    for values in self._tuples(rows):
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(columns))
                quoted = ", ".join(f'"{c}"' for c in columns)
                cursor.executemany(
                    f'INSERT INTO "{self.table}" ({quoted}) VALUES ({marks})',
                    list(self._tuples(rows)),
                )


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _prepare(f: Any, connection: Any) -> Callable[[Any], Any]:
    return lambda value: f.get_db_prep_save(value, connection)


class Ids:
    """Explicit primary keys, so that related rows can point at rows copied in the same
    chunk; the sequences are moved past them afterwards."""

    def __init__(self) -> None:
        self.next: dict[Any, int] = {}

    def take(self, model: Any) -> int:
        if model not in self.next:
            from django.db.models import Max

            self.next[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        pk = self.next[model]
        self.next[model] = pk + 1
        return pk

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- the desk's rows -----------------------------------------------------------------------


@dataclass
class Context:
    """What every chunk of the seed refers to: the people, the vocabulary, the CMS."""

    cast: Any
    legal: Any
    uploaders: list[Any]
    editors: list[Any]
    term_id: int
    statement: Any
    integration_id: int
    now: datetime
    ids: Ids = field(default_factory=Ids)
    writers: dict[Any, TableWriter] = field(default_factory=dict)
    audit_seq: int = 0
    audit_hash: str = ""

    def writer(self, model: Any) -> TableWriter:
        if model not in self.writers:
            self.writers[model] = TableWriter(model)
        return self.writers[model]


def _sha(*parts: object) -> str:
    return hashlib.sha256("-".join(map(str, parts)).encode()).hexdigest()


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class Chunk:
    """The rows of one chunk of assets, per model."""

    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    creators: list[int] = field(default_factory=list)  # people who made the chunk's media

    def add(self, model: Any, row: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(row)


def _asset_rows(ctx: Context, chunk: Chunk, n: int, rng: random.Random) -> None:
    """Asset number `n` (a higher number is older) and everything a desk keeps about it."""
    from review.models import Asset, AssetSource, AssetStatus

    statuses = AssetStatus.values
    weights = [STATUS_WEIGHTS.get(s, 1) for s in statuses]
    kind, mime, stem, ext = KINDS[n % 3 if n % 10 == 0 else 0]
    created = ctx.now - timedelta(minutes=7 * n + 1)
    age_minutes = 7 * n
    changed = created + timedelta(minutes=min(age_minutes, rng.randint(5, 60 * 72)))
    status = rng.choices(statuses, weights)[0]
    uploader = rng.choice(ctx.uploaders)
    assigned = None
    if status in ("in_review", "changes_requested") and rng.random() < 0.15:
        assigned = rng.choice(ctx.editors).pk
    asset_id = ctx.ids.take(Asset)
    uid = _uuid(rng)
    chunk.add(
        Asset,
        {
            "id": asset_id,
            "uid": uid,
            "file": f"assets/{uid.hex[:2]}/{uid.hex}",
            "original_filename": f"{stem}-{n}.{ext}",
            "sha256": f"{rng.getrandbits(256):064x}",
            "media_type": mime,
            "media_kind": kind,
            "size_bytes": rng.randint(20_000, 40_000_000),
            "source": rng.choice(AssetSource.values),
            "story_ref": f"story-{n % 500}",
            "description": f"{rng.choice(EVENTS).title()} at the {rng.choice(PLACES)}, "
            f"{created:%d %B %Y}.",
            "uploaded_by_id": uploader.pk,
            "status": status,
            "assigned_to_id": assigned,
            "created_at": created,
            "updated_at": changed,
            "status_changed_at": changed,
        },
    )
    _audit_row(ctx, chunk, asset_id, uploader, created, status)
    report_id = _provenance_rows(ctx, chunk, asset_id, status, created, rng)
    label = _label_rows(ctx, chunk, asset_id, status, created, report_id, rng)
    _consent_rows(ctx, chunk, asset_id, created, uploader, rng)
    if status in SIGNED_OFF:
        _signoff_rows(ctx, chunk, asset_id, status, changed, label, report_id, rng)


def _audit_row(
    ctx: Context, chunk: Chunk, asset_id: int, uploader: Any, created: datetime, status: str
) -> None:
    """The asset's first event on the chain, hashed the way audit_record hashes, so that
    `verify_audit_log` holds on the seeded database too."""
    from audit.chain import event_hash
    from audit.models import AuditEvent

    ctx.audit_seq += 1
    fields: dict[str, Any] = {
        "seq": ctx.audit_seq,
        "created_at": created,
        "actor_id": uploader.pk,
        "actor_name": uploader.username,
        "action": "asset.received",
        "object_type": "review.asset",
        "object_id": str(asset_id),
        "from_state": "",
        "to_state": "received",
        "details": {"status_now": status},
        "prev_hash": ctx.audit_hash,
    }
    digest = event_hash(**fields)
    ctx.audit_hash = digest
    chunk.add(AuditEvent, {"id": ctx.ids.take(AuditEvent), "hash": digest, **fields})


def _provenance_rows(
    ctx: Context, chunk: Chunk, asset_id: int, status: str, created: datetime, rng: random.Random
) -> int | None:
    from provenance.models import ProvenanceReport

    if status in ("received", "checking"):
        return None
    state = rng.choices(REPORT_STATES, REPORT_WEIGHTS)[0]
    signed = state in ("valid", "trusted", "invalid")
    report_id = ctx.ids.take(ProvenanceReport)
    chunk.add(
        ProvenanceReport,
        {
            "id": report_id,
            "asset_id": asset_id,
            "state": state,
            "signer": {"organisation": "Wire Agency", "common_name": "Wire Agency Signer"}
            if signed
            else {},
            "claim_generator": "Wire Camera 2.1" if signed else "",
            "digital_source_types": ["digitalCapture"] if signed else [],
            "library_version": "bench",
            "trust_fingerprint": "0" * 64,
            "duration_ms": rng.uniform(2, 40),
            "created_at": created + timedelta(minutes=1),
        },
    )
    return report_id


@dataclass(frozen=True)
class SeededLabel:
    classification_id: int
    label_id: int | None
    rendition_id: int | None
    rendition_sha256: str


def _label_rows(
    ctx: Context,
    chunk: Chunk,
    asset_id: int,
    status: str,
    created: datetime,
    report_id: int | None,
    rng: random.Random,
) -> SeededLabel | None:
    from labeling.models import Classification, Label, Rendition

    if report_id is None or (status not in SIGNED_OFF and rng.random() < 0.5):
        return None
    synthetic = rng.random() < 0.4
    source_type = "trainedAlgorithmicMedia" if synthetic else "digitalCapture"
    classification_id = ctx.ids.take(Classification)
    at = created + timedelta(minutes=30)
    chunk.add(
        Classification,
        {
            "id": classification_id,
            "asset_id": asset_id,
            "version": 1,
            "source_type": source_type,
            "techniques": ["wholly_synthetic"] if synthetic else [],
            "purpose": "illustration" if synthetic else "reporting",
            "certainty": "declared",
            "provenance_report_id": report_id,
            "created_by_id": ctx.cast.editor.pk,
            "created_at": at,
        },
    )
    if not synthetic:
        return SeededLabel(classification_id, None, None, "")
    label_id = ctx.ids.take(Label)
    text = "This image was generated with artificial intelligence."
    chunk.add(
        Label,
        {
            "id": label_id,
            "asset_id": asset_id,
            "version": 1,
            "classification_id": classification_id,
            "term_id": ctx.term_id,
            "language": "en",
            "name": "AI-generated",
            "text": text,
            "generated_text": text,
            "created_by_id": ctx.cast.editor.pk,
            "created_at": at,
        },
    )
    if status not in SIGNED_OFF:
        return SeededLabel(classification_id, label_id, None, "")
    rendition_id = ctx.ids.take(Rendition)
    sha = _sha(asset_id, "rendition")
    chunk.add(
        Rendition,
        {
            "id": rendition_id,
            "asset_id": asset_id,
            "label_id": label_id,
            "file": f"renditions/bench/{asset_id}.jpg",  # never opened
            "sha256": sha,
            "media_type": "image/jpeg",
            "size_bytes": rng.randint(200_000, 4_000_000),
            "placement": "embedded",
            "badge": "burned_in",
            "verification_state": "trusted",
            "signer_fingerprint": "1" * 64,
            "created_by_id": ctx.cast.editor.pk,
            "created_at": at + timedelta(minutes=1),
        },
    )
    return SeededLabel(classification_id, label_id, rendition_id, sha)


def _person(ctx: Context, chunk: Chunk, rng: random.Random, **extra: Any) -> int:
    from consent.models import Person

    person_id = ctx.ids.take(Person)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAME_STEMS)}{rng.choice(SURNAME_ENDINGS)}"
    chunk.add(
        Person,
        {
            "id": person_id,
            "full_name": name,
            "email": f"{name.lower().replace(' ', '.')}.{person_id}@example.org",
            "created_by_id": ctx.cast.reporters[person_id % len(ctx.cast.reporters)].pk,
            **extra,
        },
    )
    return person_id


def _consent_rows(
    ctx: Context,
    chunk: Chunk,
    asset_id: int,
    created: datetime,
    uploader: Any,
    rng: random.Random,
) -> None:
    """A creator on most assets (photographers work on many: one of the chunk's), a person
    depicted on some (a minor now and then, with a guardian). Most have consent; some have
    none yet, some a term that ended or ends soon, a few a revocation, a few a waiver."""
    from consent.models import ConsentWaiver, Party

    parties: list[tuple[int, int, str, bool]] = []  # party, person, role, minor
    if rng.random() < 0.95:
        if not chunk.creators or rng.random() < 0.1:
            chunk.creators.append(_person(ctx, chunk, rng))
        person_id = rng.choice(chunk.creators)
        parties.append((ctx.ids.take(Party), person_id, "creator", False))
    if rng.random() < 0.3:
        minor = rng.random() < 0.03
        guardian = _person(ctx, chunk, rng) if minor else None
        person_id = _person(ctx, chunk, rng, is_minor=minor, guardian_id=guardian)
        parties.append((ctx.ids.take(Party), person_id, "subject", minor))
    for party_id, person_id, role, minor in parties:
        chunk.add(
            Party,
            {
                "id": party_id,
                "asset_id": asset_id,
                "person_id": person_id,
                "role": role,
                "added_by_id": uploader.pk,
                "added_at": created + timedelta(minutes=5),
            },
        )
        if rng.random() < 0.08:
            if rng.random() < 0.1:
                chunk.add(
                    ConsentWaiver,
                    {
                        "id": ctx.ids.take(ConsentWaiver),
                        "party_id": party_id,
                        "asset_id": asset_id,
                        "basis": "reporting",
                        "justification": "Reporting on the synthetic media itself.",
                        "granted_by_id": ctx.legal.pk,
                        "created_at": created + timedelta(hours=2),
                    },
                )
            continue
        _record_rows(ctx, chunk, asset_id, party_id, person_id, role, minor, created, rng)


def _record_rows(
    ctx: Context,
    chunk: Chunk,
    asset_id: int,
    party_id: int,
    person_id: int,
    role: str,
    minor: bool,
    created: datetime,
    rng: random.Random,
) -> None:
    from consent.models import ConsentAlert, ConsentLapse, ConsentRecord

    record_id = ctx.ids.take(ConsentRecord)
    valid_from: date = created.date()
    valid_until = None
    if rng.random() < 0.3:
        valid_until = valid_from + timedelta(days=rng.randint(200, 1500))
    statement = ctx.statement
    chunk.add(
        ConsentRecord,
        {
            "id": record_id,
            "party_id": party_id,
            "asset_id": asset_id,
            "person_id": person_id,
            "role": "guardian" if minor else role,
            "signed_name": "Guardian of the person depicted" if minor else "Signed by the party",
            "statement_id": statement.pk,
            "statement_text": statement.body,
            "statement_sha256": statement.sha256,
            "acknowledged": ["synthetic", "use", "labeled", "revocable"],
            "uses": ["web"],
            "valid_from": valid_from,
            "valid_until": valid_until,
            "method": "signed_in_person",
            "signed_at": created + timedelta(hours=1),
            "collected_by_id": ctx.cast.reporters[0].pk,
            "version": 1,
            "record_sha256": _sha(record_id, "record"),
            "created_at": created + timedelta(hours=1),
        },
    )
    if rng.random() < 0.002:
        effective = created + (ctx.now - created) * rng.random()
        lapse_id = ctx.ids.take(ConsentLapse)
        chunk.add(
            ConsentLapse,
            {
                "id": lapse_id,
                "record_id": record_id,
                "kind": "revoked",
                "effective_at": effective,
                "how": "e-mail",
                "recorded_by_id": ctx.legal.pk,
                "created_at": effective,
            },
        )
        open_alert = ctx.now - effective < timedelta(days=14)
        chunk.add(
            ConsentAlert,
            {
                "id": ctx.ids.take(ConsentAlert),
                "asset_id": asset_id,
                "lapse_id": lapse_id,
                "asset_status": "published",
                "created_at": effective,
                "resolved_at": None if open_alert else effective + timedelta(days=1),
                "resolved_by_id": None if open_alert else ctx.legal.pk,
                "resolution": "" if open_alert else "Taken out of the story.",
            },
        )


def _signoff_rows(
    ctx: Context,
    chunk: Chunk,
    asset_id: int,
    status: str,
    approved_at: datetime,
    label: SeededLabel | None,
    report_id: int | None,
    rng: random.Random,
) -> None:
    from incidents.models import Incident
    from integrations.models import OutboxEvent, Publication
    from signoff.models import SignOff

    sequence = 0

    def event(kind: str, at: datetime) -> None:
        nonlocal sequence
        sequence += 1
        chunk.add(
            OutboxEvent,
            {
                "id": ctx.ids.take(OutboxEvent),
                "event_id": f"msg_bench_{asset_id}_{sequence}",
                "type": kind,
                "asset_id": asset_id,
                "sequence": sequence,
                "payload": {"asset_id": asset_id},
                "created_at": at,
            },
        )

    snapshot: dict[str, Any] = {
        "asset": {"id": asset_id, "sha256": _sha(asset_id, "asset")},
        "provenance_report": report_id,
        "classification": label.classification_id if label else None,
        "label": {"id": label.label_id, "version": 1} if label and label.label_id else None,
        "rendition": {"id": label.rendition_id, "sha256": label.rendition_sha256}
        if label and label.rendition_id
        else None,
        "parties": [],
        "consent_records": [],
        "waivers": [],
    }
    if rng.random() < 0.01:  # an earlier approval, voided when something changed
        earlier = approved_at - timedelta(days=1)
        chunk.add(
            SignOff,
            {
                "id": ctx.ids.take(SignOff),
                "asset_id": asset_id,
                "approved_by_id": ctx.cast.editor.pk,
                "approved_at": earlier,
                "snapshot": snapshot,
                "content_hash": _sha(asset_id, "earlier"),
                "cleared_at": earlier,
                "voided_at": earlier + timedelta(hours=3),
                "void_reason": "The label changed.",
            },
        )
        event("asset.cleared", earlier)
        event("asset.clearance_revoked", earlier + timedelta(hours=3))
    # A second approval comes within days: only recent approvals still wait for one.
    recent = ctx.now - approved_at < timedelta(days=14)
    waiting = status == "approved" and recent and rng.random() < 0.3
    signoff_id = ctx.ids.take(SignOff)
    taken_down = status == "taken_down"
    chunk.add(
        SignOff,
        {
            "id": signoff_id,
            "asset_id": asset_id,
            "approved_by_id": ctx.cast.editor.pk,
            "approved_at": approved_at,
            "snapshot": snapshot,
            "content_hash": _sha(asset_id, "snapshot"),
            "requires_second": waiting,
            "second_reason": "A person represented: a second approval." if waiting else "",
            "cleared_at": None if waiting else approved_at,
            "voided_at": approved_at + timedelta(days=2) if taken_down else None,
            "void_reason": "Taken down." if taken_down else "",
        },
    )
    if not waiting:
        event("asset.cleared", approved_at)
    if status in ("published", "taken_down"):
        published_at = approved_at + timedelta(hours=1)
        chunk.add(
            Publication,
            {
                "id": ctx.ids.take(Publication),
                "asset_id": asset_id,
                "integration_id": ctx.integration_id,
                "cms_reference": f"cms-{asset_id}",
                "public_url": f"https://news.example.org/a/{asset_id}",
                "signoff_id": signoff_id,
                "rendition_sha256": label.rendition_sha256 if label else "",
                "published_at": published_at,
                "unpublished_at": published_at + timedelta(days=2) if taken_down else None,
                "unpublish_reason": "Taken down." if taken_down else "",
            },
        )
        if status == "published" and rng.random() < 0.003:
            chunk.add(
                Incident,
                {
                    "id": ctx.ids.take(Incident),
                    "asset_id": asset_id,
                    "harm_category": "disinformation",
                    "severity": "medium",
                    "description": "A reader says the scene never happened.",
                    "source": "public",
                    "reported_at": published_at + timedelta(days=1),
                },
            )
    if taken_down:
        event("asset.clearance_revoked", approved_at + timedelta(days=2))


def context_for(cast: Any) -> Context:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from audit.models import AuditChainHead
    from consent.models import ConsentStatement
    from integrations.models import Integration
    from labeling.models import LabelTerm

    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": "0" * 64})
    integration, _ = Integration.objects.get_or_create(name="Bench CMS")
    return Context(
        cast=cast,
        legal=get_user_model().objects.get(username="bench_legal"),
        uploaders=[*cast.reporters, cast.second_editor],
        editors=[cast.editor, cast.second_editor],
        term_id=LabelTerm.objects.get(key="ai-generated").pk,
        statement=ConsentStatement.objects.filter(key="synthetic-media").order_by("-version")[0],
        integration_id=integration.pk,
        now=timezone.now(),
        audit_seq=head.last_seq,
        audit_hash=head.last_hash,
    )


def seed(ctx: Context, *, start: int, stop: int, rng: random.Random, log: bool) -> None:
    """Assets `start`..`stop-1` with their rows, a chunk at a time, in foreign-key order."""
    from django.db import transaction

    from audit.models import AuditChainHead, AuditEvent
    from consent.models import (
        ConsentAlert,
        ConsentLapse,
        ConsentRecord,
        ConsentWaiver,
        Party,
        Person,
    )
    from incidents.models import Incident
    from integrations.models import OutboxEvent, Publication
    from labeling.models import Classification, Label, Rendition
    from provenance.models import ProvenanceReport
    from review.models import Asset
    from signoff.models import SignOff

    order = [
        Asset, AuditEvent, ProvenanceReport, Classification, Label, Rendition, Person, Party,
        ConsentRecord, ConsentWaiver, ConsentLapse, ConsentAlert, SignOff, OutboxEvent,
        Publication, Incident,
    ]  # fmt: skip
    # Rows written since the last call (the detail history's comments and audit events) took
    # ids and a place on the audit chain: start again after them.
    ctx.ids = Ids()
    head = AuditChainHead.objects.get(pk=1)
    ctx.audit_seq, ctx.audit_hash = head.last_seq, head.last_hash
    began = time.perf_counter()
    for chunk_start in range(start, stop, CHUNK):
        chunk = Chunk()
        for n in range(chunk_start, min(stop, chunk_start + CHUNK)):
            _asset_rows(ctx, chunk, n, rng)
        with transaction.atomic():
            for model in order:
                ctx.writer(model).write(chunk.rows.get(model, []))
            AuditChainHead.objects.filter(pk=1).update(
                last_seq=ctx.audit_seq, last_hash=ctx.audit_hash
            )
        if log:
            done = min(stop, chunk_start + CHUNK)
            print(
                f"  seeded {done:,} of {stop:,} assets ({time.perf_counter() - began:.0f}s)",
                file=sys.stderr,
                flush=True,
            )
    ctx.ids.reset_sequences()


# --- what is measured ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    client: str  # a key of the clients: editor, editor2, reporter, legal, api
    urls: list[str]
    expect: str  # a string the answer must contain, so we time the answer we think we time
    htmx: bool = False
    json: bool = False
    deep: bool = False  # exists only with the whole seed: no small-desk count


@dataclass(frozen=True)
class Sample:
    """Ids and words the requests use, picked from the seeded desk."""

    detail_ids: list[int]
    published_ids: list[int]
    cleared_ids: list[int]
    uncleared_ids: list[int]
    person_name: str
    cleared_story: str
    deep_cursor: str
    uploader_id: int
    total: int


def sample(cast: Any, detail_ids: list[int], rng: random.Random) -> Sample:
    from consent.models import Person
    from integrations.api import encode_cursor
    from review.models import Asset, AssetStatus
    from signoff.models import SignOff

    newest = Asset.objects.order_by("-pk").values_list("pk", flat=True)
    published = list(newest.filter(status=AssetStatus.PUBLISHED)[:400])
    cleared = list(
        SignOff.objects.filter(
            voided_at__isnull=True,
            cleared_at__isnull=False,
            asset__status__in=[AssetStatus.APPROVED, AssetStatus.PUBLISHED],
        )
        .order_by("-asset_id")
        .values_list("asset_id", flat=True)[:400]
    )
    on_desk = list(newest.filter(status=AssetStatus.IN_REVIEW)[:400])
    top = Asset.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    for ids in (published, cleared, on_desk):
        rng.shuffle(ids)
    name = Person.objects.order_by("pk").values_list("full_name", flat=True).first() or "x y"
    return Sample(
        detail_ids=detail_ids,
        published_ids=published[:200],
        cleared_ids=cleared[:200],
        uncleared_ids=on_desk[:200],
        person_name=name,
        cleared_story=Asset.objects.get(pk=cleared[0]).story_ref,
        deep_cursor=encode_cursor(int(top * 0.9)),
        uploader_id=cast.reporters[1].pk,
        total=Asset.objects.count(),
    )


def scenarios(s: Sample) -> list[Scenario]:
    from django.utils import timezone

    from review.selectors import QUEUE_PAGE_SIZE

    pages = max(1, s.total // QUEUE_PAGE_SIZE)
    deep = [p for p in (200, 4000) if p < pages // 2] or [max(1, pages // 2)]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    q = "/queue/?"
    plan = [
        Scenario("queue, first page", "editor", ["/queue/"], "Page 1 of"),
        Scenario("queue, status in review", "editor", [q + "status=in_review"], ROWS),
        Scenario(
            "queue, status+source",
            "editor",
            [q + "status=in_review&source=agency"],
            ROWS,
        ),
        Scenario("queue, uploader", "editor", [q + f"uploader={s.uploader_id}"], ROWS),
        Scenario("queue, only my uploads", "editor2", [q + "mine=on"], ROWS),
        Scenario("queue, needs me (editor)", "editor", [q + "needs=on"], ROWS),
        Scenario("queue, needs me, by update", "editor", [q + "needs=on&sort=-updated"], ROWS),
        Scenario("queue, needs me (legal)", "legal", [q + "needs=on"], ROWS),
    ]
    for sort in ("uploaded", "-updated", "status", "-status", "story", "-story", "file", "-file"):
        plan.append(Scenario(f"queue, sort {sort}", "editor", [q + f"sort={sort}"], "Page 1 of"))
    plan += [
        Scenario(
            "queue, approved by story",
            "editor",
            [q + "status=approved&sort=story"],
            ROWS,
        ),
        Scenario("queue, search story", "editor", [q + "q=story-42"], ROWS),
        Scenario("queue, search file name", "editor", [q + "q=photo-30"], ROWS),
        Scenario("queue, search description", "editor", [q + "q=harbour"], ROWS),
        Scenario("queue, search person", "editor", [q + urlencode({"q": s.person_name})], ROWS),
        Scenario(
            "queue, search surname",
            "editor",
            [q + urlencode({"q": s.person_name.split()[-1]})],
            ROWS,
        ),
        Scenario("queue, search #number", "editor", [q + f"q=%23{s.detail_ids[0]}"], ROWS),
        Scenario("queue, search no match", "editor", [q + "q=zqxj-nothing"], "No assets match"),
        Scenario(
            "queue, search+status",
            "editor",
            [q + "q=court&status=changes_requested"],
            ROWS,
        ),
        Scenario("queue, htmx fragment", "editor", [q + "status=approved"], ROWS, htmx=True),
        Scenario("queue, reporter", "reporter", ["/queue/"], ROWS),
        Scenario("queue, reporter search", "reporter", [q + "q=stadium"], ROWS),
        Scenario("queue, reporter in review", "reporter", [q + "status=in_review"], ROWS),
    ]
    for page in deep:
        plan.append(
            Scenario(
                f"queue, deep page {page}",
                "editor",
                [q + f"page={page}"],
                f"Page {page} of",
                deep=True,
            )
        )
    plan.append(
        Scenario(
            f"queue, reporter page {deep[0] // 10 or 1}",
            "reporter",
            [q + f"page={deep[0] // 10 or 1}"],
            ROWS,
            deep=True,
        )
    )
    plan += [
        Scenario(
            "asset page, with history",
            "editor",
            [f"/assets/{pk}/" for pk in s.detail_ids],
            "Timeline",
        ),
        Scenario(
            "asset page, published",
            "editor",
            [f"/assets/{pk}/" for pk in s.published_ids],
            "Timeline",
        ),
        Scenario("consent dashboard", "legal", ["/consent/"], "Consent dashboard"),
        Scenario("API list, first page", "api", ["/api/v1/assets"], '"items":[{', json=True),
        Scenario("API list, 200", "api", ["/api/v1/assets?limit=200"], '"items":[{', json=True),
        Scenario(
            "API list, story",
            "api",
            ["/api/v1/assets?story=" + s.cleared_story],
            '"items":[{',
            json=True,
        ),
        Scenario(
            "API list, changed since 1d",
            "api",
            ["/api/v1/assets?" + urlencode({"changed_since": since})],
            '"items":[{',
            json=True,
        ),
        Scenario(
            "API list, deep cursor",
            "api",
            ["/api/v1/assets?" + urlencode({"cursor": s.deep_cursor})],
            '"items":[',
            json=True,
            deep=True,
        ),
        Scenario(
            "API clearance, cleared",
            "api",
            [f"/api/v1/assets/{pk}" for pk in s.cleared_ids],
            '"status":"cleared"',
            json=True,
        ),
        Scenario(
            "API clearance, not cleared",
            "api",
            [f"/api/v1/assets/{pk}" for pk in s.uncleared_ids],
            '"status":"not_cleared"',
            json=True,
        ),
    ]
    return plan


@dataclass
class Clients:
    by_name: dict[str, Any]
    api_headers: dict[str, str]

    def get(self, scenario: Scenario, url: str) -> Any:
        client = self.by_name[scenario.client]
        headers: dict[str, str] = {}
        if scenario.htmx:
            headers["HX-Request"] = "true"
        if scenario.client == "api":
            headers.update(self.api_headers)
        response = client.get(url, headers=headers)
        body = response.content.decode()
        if scenario.json:
            body = body.replace(" ", "")
        wrong_shape = not scenario.json and scenario.htmx == ("<html" in body)
        if response.status_code != 200 or scenario.expect not in body or wrong_shape:
            raise SystemExit(
                f"{scenario.name}: GET {url} gave {response.status_code} without "
                f"{scenario.expect!r}: {body[:300]}; fix the benchmark or the app before timing."
            )
        return response


def make_clients(cast: Any) -> Clients:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from integrations.models import Integration, TokenScope
    from integrations.tokens import token_create

    legal = get_user_model().objects.get(username="bench_legal")
    by_name: dict[str, Any] = {}
    for name, user in (
        ("editor", cast.editor),
        ("editor2", cast.second_editor),
        ("reporter", cast.reporters[0]),
        ("legal", legal),
    ):
        by_name[name] = Client()
        by_name[name].force_login(user)
    integration, _ = Integration.objects.get_or_create(name="Bench CMS")
    _, token = token_create(
        integration=integration, scopes=[TokenScope.READ, TokenScope.READ_UNCLEARED]
    )
    by_name["api"] = Client()
    return Clients(by_name, {"Authorization": f"Bearer {token}"})


def query_counts(clients: Clients, scenario: Scenario) -> set[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # One request outside the count: the API's first may write the token's last_used_at.
    start = time.perf_counter()
    clients.get(scenario, scenario.urls[0])
    # A page that takes seconds (the old code's at a million) is counted once, not five times.
    warmup = WARMUP if time.perf_counter() - start < SLOW_REQUEST_SECONDS else 1
    counts = set()
    for i in range(warmup):
        url = scenario.urls[i % len(scenario.urls)]
        with CaptureQueriesContext(connection) as captured:
            clients.get(scenario, url)
        counts.add(len(captured.captured_queries))
    return counts


def time_requests(clients: Clients, scenario: Scenario, n: int) -> list[float]:
    """Milliseconds per request (no query capture: it adds its own overhead). A row stops
    after SLOW_ROW_SECONDS: the slowest pages of the old code took seconds each."""
    timings: list[float] = []
    began = time.perf_counter()
    for i in range(n):
        url = scenario.urls[i % len(scenario.urls)]
        start = time.perf_counter()
        clients.get(scenario, url)
        timings.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() - began > SLOW_ROW_SECONDS and len(timings) >= 2:
            break
    return timings


def time_rounds(clients: Clients, plan: list[Scenario], n: int) -> dict[str, list[float]]:
    """Milliseconds per request of every row, timed in rounds (one request of each row a
    round) rather than row after row: a slow spell of the machine (a busy neighbour, the
    kernel reclaiming page cache: both seen here) then falls on every row alike, instead of on
    whichever rows it happened to coincide with. A row stops after SLOW_ROW_SECONDS in all."""
    timings: dict[str, list[float]] = {scenario.name: [] for scenario in plan}
    spent = dict.fromkeys(timings, 0.0)
    for i in range(n):
        for scenario in plan:
            if spent[scenario.name] > SLOW_ROW_SECONDS and len(timings[scenario.name]) >= 2:
                continue
            url = scenario.urls[i % len(scenario.urls)]
            start = time.perf_counter()
            clients.get(scenario, url)
            elapsed = time.perf_counter() - start
            spent[scenario.name] += elapsed
            timings[scenario.name].append(elapsed * 1000)
    return timings


def _fmt_counts(counts: set[int] | None) -> str:
    if not counts:
        return "n/a"
    return str(min(counts)) if len(counts) == 1 else f"{min(counts)}-{max(counts)}"


@dataclass(frozen=True)
class Row:
    name: str
    small: str
    big: str
    small_p50: float | None
    p50: float
    p95: float
    top: float
    n: int
    grew: bool


def print_table(rows: list[Row], *, small: int, total: int) -> None:
    header = (
        "request",
        f"SQL @ {small}",
        f"SQL @ {total:,}",
        f"p50 @ {small}",
        "p50 ms",
        "p95 ms",
        "max ms",
        "n",
    )
    widths = (30, 9, 15, 9, 8, 8, 8, 4)
    lines: list[tuple[str, ...]] = [header, tuple("-" * w for w in widths)]
    for r in rows:
        slow = " !" if r.p95 > BUDGET_MS else ""
        lines.append(
            (
                r.name,
                r.small,
                r.big,
                "n/a" if r.small_p50 is None else f"{r.small_p50:.1f}",
                f"{r.p50:.1f}",
                f"{r.p95:.1f}",
                f"{r.top:.1f}",
                str(r.n),
                slow,
            )
        )
    for cells in lines:
        out = "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )
        print(out + (cells[len(widths)] if len(cells) > len(widths) else ""))


# --- the run -------------------------------------------------------------------------------


@contextmanager
def bench_database(workdir: Path, *, keep: bool) -> Iterator[str]:
    """A database of our own: a new one dropped at the end, or with `keep` the one the URL
    names, created if missing, migrated, and left in place."""
    from django.db import connection

    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(workdir / "bench.sqlite3")
        keep = False
    elif keep:
        test_settings["NAME"] = connection.settings_dict["NAME"]
    else:
        test_settings["NAME"] = f"proofdesk_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=keep
    )
    try:
        yield name
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


# PostgreSQL's default random_page_cost (4) models spinning disks; on SSDs, or a database held
# in memory, the PostgreSQL manual suggests about 1.1, and production desks should set it (see
# workflow/migrations/0001). With 4 the planner prices a few thousand index lookups above
# reading a quarter of the table, and a search for a name shared by ~1,300 assets is counted
# by reading ~80,000 rows (70-120 ms instead of 4).
RANDOM_PAGE_COST = "1.1"


def _tune(db_name: str) -> None:
    """The setting a production desk on SSDs has, on the benchmark's own database (new
    connections pick it up: Django opens one per request here)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER DATABASE "{db_name}" SET random_page_cost = {float(RANDOM_PAGE_COST)}'
        )
    connection.close()


def _vacuum() -> None:
    """What autovacuum would have done by now on a real desk: fresh planner statistics and a
    visibility map (index-only scans depend on it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _existing_cast() -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return Cast(
        editor=users.get(username="bench_editor"),
        second_editor=users.get(username="bench_editor2"),
        reporters=[users.get(username=f"bench_reporter{i}") for i in range(REPORTERS)],
    )


def machine_speed() -> float:
    """Milliseconds for a fixed piece of pure Python (the best of five), printed with the table:
    the pages' time is mostly Python, and the same code on the same seed measured 35 ms and 64 ms
    (median, first page) on two days' machines of the same kind; this says which kind of day
    the figures come from."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def run(args: argparse.Namespace, workdir: Path) -> None:
    import django

    setup_as_a_web_process()
    from django.db import connection

    from review.models import Asset

    rng = random.Random(20250101)
    small = min(SMALL_ASSETS, args.assets)
    with bench_database(workdir, keep=args.keep) as db_name:
        _tune(db_name)
        seed_start = time.perf_counter()
        small_counts: dict[str, set[int]] = {}
        small_p50: dict[str, float] = {}
        have = Asset.objects.count()
        if have and have != args.assets:
            raise SystemExit(
                f"{db_name} holds {have:,} assets, not {args.assets:,}: drop it or name another."
            )
        if have:
            cast = _existing_cast()
            detail_ids = list(
                Asset.objects.filter(comments__isnull=False)
                .distinct()
                .order_by("-pk")
                .values_list("pk", flat=True)[:20]
            )
            clients = make_clients(cast)
            print(f"Reusing {db_name} with {have:,} assets: no small-desk counts.", file=sys.stderr)
        else:
            cast = seed_users()
            ctx = context_for(cast)
            seed(ctx, start=0, stop=small, rng=rng, log=False)
            detail_ids = seed_detail_history(cast)
            clients = make_clients(cast)
            _vacuum()
            plan = scenarios(sample(cast, detail_ids, random.Random(1)))
            for s in plan:
                if not s.deep:
                    small_counts[s.name] = query_counts(clients, s)
                    small_p50[s.name] = percentile(time_requests(clients, s, SMALL_TIMED), 50)
            seed(ctx, start=small, stop=args.assets, rng=rng, log=True)
            _vacuum()
        seeded_in = time.perf_counter() - seed_start
        plan = scenarios(sample(cast, detail_ids, random.Random(1)))
        if args.only:
            plan = [s for s in plan if any(word in s.name for word in args.only)]
        total = Asset.objects.count()

        load = os.getloadavg()[0]
        speed = machine_speed()
        counted = {scenario.name: query_counts(clients, scenario) for scenario in plan}
        timed = time_rounds(clients, plan, args.requests)  # after every row's warm-up
        speed_after = machine_speed()
        rows = []
        for scenario in plan:
            counts, timings = counted[scenario.name], timed[scenario.name]
            rows.append(
                Row(
                    scenario.name,
                    _fmt_counts(small_counts.get(scenario.name)),
                    _fmt_counts(counts),
                    small_p50.get(scenario.name),
                    percentile(timings, 50),
                    percentile(timings, 95),
                    max(timings),
                    len(timings),
                    scenario.name in small_counts
                    and max(counts) > max(small_counts[scenario.name]),
                )
            )
            print(f"  {scenario.name}: p95 {rows[-1].p95:.1f} ms", file=sys.stderr, flush=True)

    print(
        f"Proofdesk at scale: {total:,} assets ({seeded_in:.0f}s to seed), up to "
        f"{args.requests} timed requests per row (in rounds of one request of each row) after "
        f"{WARMUP} warm-up requests"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{connection.vendor} ({db_name if connection.vendor != 'sqlite' else 'temp file'}), "
        f"{os.cpu_count()} CPUs (load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} "
        f"at the end), DEBUG off, in-process django.test.Client"
        + (
            f", random_page_cost {RANDOM_PAGE_COST} (SSD)"
            if connection.vendor == "postgresql"
            else ""
        )
        + f"; a fixed Python loop took {speed:.0f} ms before the timed requests and "
        f"{speed_after:.0f} ms after them (bench/million.py:machine_speed)"
    )
    print()
    print_table(rows, small=small, total=total)
    print()
    print(
        f"SQL @ N: queries per request with N assets (n/a: the request exists only with the "
        f"whole seed, or the database was reused); a range means the count varied between "
        f"requests. p50 @ {small}: the same request's median with the small desk ("
        f"{SMALL_TIMED} requests), what the page costs whatever the size of the desk. "
        f"`!`: p95 over {BUDGET_MS:.0f} ms. n: timed requests."
    )
    grew = [r.name for r in rows if r.grew]
    if grew:
        print("WARNING: the query count changed with the number of assets on: " + ", ".join(grew))
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=1_000_000, help="assets (1000000)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per row (40)")
    parser.add_argument(
        "--keep", action="store_true", help="seed the database the URL names once and keep it"
    )
    parser.add_argument("--only", nargs="*", help="only the rows whose name has one of these")
    args = parser.parse_args()
    if args.assets < SMALL_ASSETS or args.requests < 2:
        parser.error(f"--assets must be at least {SMALL_ASSETS} and --requests at least 2")
    in_own_workdir(run, args)


if __name__ == "__main__":
    main()
