"""Writes for consent: people, parties, statements, records, revocations, expiry and waivers
(remote signing links: consent.remote.services). Each service checks what it needs, writes in
one transaction and records an audit event; nothing here ever updates or deletes a signed
record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from consent.errors import ConsentError
from consent.events import consent_lapsed
from consent.evidence.files import Evidence, evidence_from_upload, signature_from_data_url
from consent.evidence.records import document_sha256, record_document, text_sha256
from consent.models import (
    SIGNED_ON_SCREEN,
    ConsentAlert,
    ConsentLapse,
    ConsentMethod,
    ConsentRecord,
    ConsentRole,
    ConsentStatement,
    ConsentWaiver,
    InformedPoint,
    LapseKind,
    Party,
    PartyRole,
    Person,
    WaiverBasis,
)
from consent.notify import notify_consent_lapsed
from consent.selectors import people_visible_to, person_duplicates
from review.access import can_grant_waiver
from review.events import asset_changed_send
from review.models import Asset, AssetStatus

# Assets whose consent lapsing needs someone to act: the audience may already see them.
ALERT_STATUSES = (AssetStatus.APPROVED, AssetStatus.PUBLISHED)


# --- people ------------------------------------------------------------------------------


def person_create(
    *,
    actor: User,
    full_name: str,
    email: str = "",
    phone: str = "",
    notes: str = "",
    is_minor: bool = False,
    guardian: Person | None = None,
) -> Person:
    full_name = full_name.strip()
    if not full_name:
        raise ConsentError("Give the person's name.")
    if is_minor and guardian is None:
        raise ConsentError("A minor needs a guardian: add the parent or guardian first.")
    if guardian is not None and guardian.is_minor:
        raise ConsentError("A guardian cannot be a minor.")
    with transaction.atomic():
        person = Person.objects.create(
            full_name=full_name,
            email=email.strip().lower(),
            phone=phone.strip(),
            notes=notes.strip(),
            is_minor=is_minor,
            guardian=guardian,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="person.created",
            obj=person,
            details={"minor": is_minor, "guardian_id": guardian.pk if guardian else None},
        )
    return person


# --- parties -----------------------------------------------------------------------------


def party_add(
    *,
    asset_id: int,
    actor: User,
    role: str,
    person: Person | None = None,
    description: str = "",
) -> Party:
    if role not in PartyRole.values:
        raise ConsentError(f"Unknown role {role!r}.")
    description = description.strip()
    if person is None and not description:
        raise ConsentError(
            "Describe the unidentified person (where they appear) so they can be found later."
        )
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        if (
            person is not None
            and Party.objects.filter(
                asset=asset, person=person, role=role, removed_at__isnull=True
            ).exists()
        ):
            raise ConsentError(f"{person} is already on this asset as {role}.")
        party = Party.objects.create(
            asset=asset, person=person, role=role, description=description, added_by=actor
        )
        audit_record(
            actor=actor,
            action="consent.party_added",
            obj=asset,
            details={"party_id": party.pk, "role": role, "person_id": party.person_id},
        )
        asset_changed_send(
            asset_id=asset.pk, reason="A party was added to the consent record.", actor=actor
        )
    return party


def party_remove(*, party_id: int, actor: User) -> Party:
    """Take back a party added by mistake; refused once anything was recorded for it."""
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party_id)
        if party.removed_at is not None:
            return party
        if (
            party.consent_records.exists()
            or ConsentWaiver.objects.filter(party=party).exists()
            or party.consent_links.exists()
        ):
            raise ConsentError(
                "Consent, a waiver or a link was already recorded for this party; it stays on "
                "the record. Record a revocation instead."
            )
        Party.objects.filter(pk=party.pk).update(removed_at=timezone.now())
        party.refresh_from_db()
        audit_record(
            actor=actor,
            action="consent.party_removed",
            obj=party.asset,
            details={"party_id": party.pk},
        )
        asset_changed_send(
            asset_id=party.asset_id,
            reason="A party was removed from the consent record.",
            actor=actor,
        )
    return party


# --- statements --------------------------------------------------------------------------


def statement_publish(
    *, actor: User, key: str, title: str, body: str, language: str = "en"
) -> ConsentStatement:
    """A new version of a consent text; earlier versions stay, and so do the records that
    quote them."""
    body = body.strip()
    if not body or not title.strip():
        raise ConsentError("A consent statement needs a title and a text.")
    with transaction.atomic():
        latest = (
            ConsentStatement.objects.select_for_update()
            .filter(key=key)
            .order_by("-version")
            .first()
        )
        statement = ConsentStatement.objects.create(
            key=key,
            version=(latest.version + 1) if latest else 1,
            title=title.strip(),
            language=language,
            body=body,
            sha256=text_sha256(body),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="consent.statement_published",
            obj=statement,
            details={"key": key, "version": statement.version, "sha256": statement.sha256},
        )
    return statement


def latest_statements() -> list[ConsentStatement]:
    newest: dict[str, ConsentStatement] = {}
    for statement in ConsentStatement.objects.order_by("key", "-version"):
        newest.setdefault(statement.key, statement)
    return list(newest.values())


# --- what the person reads ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    uses: list[str]
    channels: list[str]
    territories: list[str]
    valid_from: date
    valid_until: date | None

    def check(self) -> None:
        if not self.uses:
            raise ConsentError("Say how the media will be used (at least one use).")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ConsentError("The consent cannot end before it starts.")


def statement_text(statement: ConsentStatement, party: Party, scope: Scope) -> str:
    """The exact text shown to the person and stored, with its sha256, on their record."""
    asset = party.asset
    until = f"until {scope.valid_until:%d %B %Y}" if scope.valid_until else "without end date"
    described = f": {asset.description}" if asset.description else ""
    return (
        f"{statement.body}\n\n"
        f"This consent is for media item #{asset.pk} ({asset.original_filename}{described}), "
        f"in which you appear as: {party.get_role_display().lower()}"
        f"{f' ({party.description})' if party.description else ''}.\n"
        f"Uses: {', '.join(scope.uses)}.\n"
        f"Channels: {', '.join(scope.channels) or 'all of our channels'}.\n"
        f"Territories: {', '.join(scope.territories) or 'worldwide'}.\n"
        f"Valid from {scope.valid_from:%d %B %Y} {until}.\n"
        f"Statement {statement.key} version {statement.version}."
    )


# --- records ---------------------------------------------------------------------------


def _check_points(acknowledged: Iterable[str]) -> list[str]:
    points = sorted(set(acknowledged))
    missing = [p.label for p in InformedPoint if p.value not in points]
    if missing:
        raise ConsentError(
            "The person must acknowledge every point before consenting. Missing: "
            + "; ".join(missing)
            + "."
        )
    return points


def _signer_for(party: Party, role: str) -> tuple[str, Person | None]:
    person = party.person
    if person is not None and person.is_minor:
        if role != ConsentRole.GUARDIAN:
            raise ConsentError(
                f"{person} is a minor: their guardian ({person.guardian}) must sign for them."
            )
        return ConsentRole.GUARDIAN, person.guardian
    if role == ConsentRole.GUARDIAN:
        raise ConsentError("Only a minor's consent is given by a guardian.")
    expected = ConsentRole.CREATOR if party.role == PartyRole.CREATOR else ConsentRole.SUBJECT
    return expected, person


@dataclass(frozen=True)
class Signing:
    """How the consent was given, with its evidence."""

    method: str
    signed_name: str
    signature_data_url: str = ""
    evidence: UploadedFile | None = None
    witness_name: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    # The signature already decoded and checked (`signature_from_data_url`) by a caller that
    # must do it before taking a lock: decoding someone's image is never done holding a row.
    signature: Evidence | None = None


def _evidence_for(signing: Signing) -> tuple[Evidence | None, Evidence | None]:
    if signing.method in SIGNED_ON_SCREEN:
        return signing.signature or signature_from_data_url(signing.signature_data_url), None
    if signing.method == ConsentMethod.UPLOADED_RELEASE:
        return None, evidence_from_upload(signing.evidence, verbal=False)
    if signing.method == ConsentMethod.VERBAL:
        return None, evidence_from_upload(signing.evidence, verbal=True)
    raise ConsentError(f"Unknown consent method {signing.method!r}.")


def consent_record_create(
    *,
    party_id: int,
    collected_by: User | None,
    statement: ConsentStatement,
    scope: Scope,
    acknowledged: Iterable[str],
    signing: Signing,
    role: str = "",
    supersedes: ConsentRecord | None = None,
    text: str = "",
) -> ConsentRecord:
    """Record one person's consent. Everything is checked before anything is stored; the
    files are written inside the transaction and removed again if it fails. `text` is the
    exact text the person was shown when the caller composed it (a remote link's page, in
    the statement's language); without it, `statement_text`."""
    signed_name = signing.signed_name.strip()
    if not signed_name:
        raise ConsentError("The person must type their name.")
    scope.check()
    points = _check_points(acknowledged)
    signature, evidence = _evidence_for(signing)

    stored: list[Any] = []
    try:
        with transaction.atomic():
            party = (
                Party.objects.select_for_update(of=("self",))
                .select_related("asset", "person")
                .get(pk=party_id)
            )
            if party.removed_at is not None:
                raise ConsentError("This party was removed from the asset.")
            consent_role, signer = _signer_for(party, role or "")
            latest = party.consent_records.order_by("-version").first()
            if supersedes is not None and (latest is None or supersedes.pk != latest.pk):
                raise ConsentError(
                    "Someone recorded a newer version meanwhile; reload and start from it."
                )
            text = text or statement_text(statement, party, scope)
            record = ConsentRecord(
                party=party,
                asset=party.asset,
                person=party.person,
                role=consent_role,
                signer=signer if consent_role == ConsentRole.GUARDIAN else None,
                signed_name=signed_name,
                statement=statement,
                statement_text=text,
                statement_sha256=text_sha256(text),
                acknowledged=points,
                uses=scope.uses,
                channels=scope.channels,
                territories=scope.territories,
                valid_from=scope.valid_from,
                valid_until=scope.valid_until,
                method=signing.method,
                signed_at=timezone.now(),
                ip_address=signing.ip_address or None,
                user_agent=signing.user_agent[:500],
                witness_name=signing.witness_name.strip(),
                collected_by=collected_by,
                version=(latest.version + 1) if latest else 1,
                supersedes=supersedes,
            )
            if signature is not None and signature.data is not None:
                record.signature_image.save(
                    "signature.png", ContentFile(signature.data), save=False
                )
                stored.append(record.signature_image)
                record.signature_sha256 = signature.sha256
            if evidence is not None and signing.evidence is not None:
                record.evidence_file.save(
                    signing.evidence.name or "evidence", signing.evidence, save=False
                )
                stored.append(record.evidence_file)
                record.evidence_sha256 = evidence.sha256
                record.evidence_media_type = evidence.media_type
                record.evidence_filename = (signing.evidence.name or "evidence")[-255:]
            record.record_sha256 = document_sha256(record_document(record))
            record.save()
            audit_record(
                actor=collected_by,
                action="consent.recorded",
                obj=party.asset,
                details={
                    "record_id": record.pk,
                    "party_id": party.pk,
                    "version": record.version,
                    "method": record.method,
                    "signed_name": signed_name,
                    "statement_sha256": record.statement_sha256,
                    "record_sha256": record.record_sha256,
                    "ip_address": record.ip_address,
                    "supersedes": supersedes.pk if supersedes else None,
                },
            )
            asset_changed_send(
                asset_id=party.asset_id, reason="A consent was recorded.", actor=collected_by
            )
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return record


# --- revocation and expiry ------------------------------------------------------------------


def _lapse(
    *,
    record: ConsentRecord,
    kind: str,
    effective_at: datetime,
    actor: User | None,
    how: str = "",
    note: str = "",
) -> ConsentLapse:
    """Inside a transaction: record the lapse, raise an alert when the audience may already see
    the asset, and tell the subscribers (sign-off, corrections, webhooks)."""
    lapse = ConsentLapse.objects.create(
        record=record,
        kind=kind,
        effective_at=effective_at,
        how=how.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    asset = Asset.objects.select_for_update().get(pk=record.asset_id)
    alert = None
    if asset.status in ALERT_STATUSES:
        alert = ConsentAlert.objects.create(asset=asset, lapse=lapse, asset_status=asset.status)
    audit_record(
        actor=actor,
        action=f"consent.{kind}",
        obj=asset,
        details={
            "record_id": record.pk,
            "party_id": record.party_id,
            "signed_name": record.signed_name,
            "how": lapse.how,
            "effective_at": effective_at,
            "alert_id": alert.pk if alert else None,
        },
    )
    # Sent inside the transaction, so a subscriber's outbox row commits with the lapse.
    consent_lapsed.send(sender=ConsentLapse, lapse=lapse, asset=asset, alert=alert)
    if alert is not None:
        alert_id = alert.pk
        transaction.on_commit(lambda: notify_consent_lapsed(alert_id))
    return lapse


def consent_revoke(
    *,
    record_id: int,
    actor: User,
    how: str,
    note: str = "",
    effective_at: datetime | None = None,
) -> ConsentLapse:
    if not how.strip():
        raise ConsentError("Say how the revocation reached us (e-mail, letter, phone call…).")
    with transaction.atomic():
        record = ConsentRecord.objects.select_for_update().get(pk=record_id)
        if ConsentLapse.objects.filter(record=record).exists():
            raise ConsentError("This consent was already revoked or has expired.")
        if ConsentRecord.objects.filter(supersedes=record).exists():
            raise ConsentError("A newer version of this consent exists: revoke that one.")
        return _lapse(
            record=record,
            kind=LapseKind.REVOKED,
            effective_at=effective_at or timezone.now(),
            actor=actor,
            how=how,
            note=note,
        )


def consent_expire_due(today: date | None = None) -> list[int]:
    """Record the expiry of every current record whose term ended before today (a daily task).
    Safe to run twice: a record that lapsed already is skipped."""
    today = today or timezone.localdate()
    due = list(
        ConsentRecord.objects.standing().filter(valid_until__lt=today).values_list("pk", flat=True)
    )
    expired = []
    for record_id in due:
        with transaction.atomic():
            record = ConsentRecord.objects.select_for_update().get(pk=record_id)
            if ConsentLapse.objects.filter(record=record).exists():
                continue
            assert record.valid_until is not None
            end = timezone.make_aware(
                datetime.combine(record.valid_until + timedelta(days=1), datetime.min.time())
            )
            _lapse(record=record, kind=LapseKind.EXPIRED, effective_at=end, actor=None)
            expired.append(record_id)
    return expired


def alert_resolve(*, alert_id: int, actor: User, resolution: str) -> ConsentAlert:
    if not resolution.strip():
        raise ConsentError("Say what was done (taken down, new consent, waiver…).")
    with transaction.atomic():
        alert = ConsentAlert.objects.select_for_update().get(pk=alert_id)
        if alert.resolved_at is not None:
            raise ConsentError("This alert was already resolved.")
        ConsentAlert.objects.filter(pk=alert.pk).update(
            resolved_at=timezone.now(), resolved_by=actor, resolution=resolution.strip()
        )
        alert.refresh_from_db()
        audit_record(
            actor=actor,
            action="consent.alert_resolved",
            obj=alert.asset,
            details={"alert_id": alert.pk, "resolution": alert.resolution},
        )
    return alert


# --- waivers -------------------------------------------------------------------------------


def waiver_grant(*, party_id: int, actor: User, basis: str, justification: str) -> ConsentWaiver:
    """Legal only: the party's consent is not needed for this asset, with the basis and why."""
    if not can_grant_waiver(actor):
        raise ConsentError("Only legal can waive consent.")
    if basis not in WaiverBasis.values:
        raise ConsentError("Choose the basis of the waiver from the list.")
    justification = justification.strip()
    if len(justification) < 20:
        raise ConsentError("Write the justification for the waiver (at least a sentence).")
    with transaction.atomic():
        party = (
            Party.objects.select_for_update(of=("self",)).select_related("asset").get(pk=party_id)
        )
        if party.removed_at is not None:
            raise ConsentError("This party was removed from the asset.")
        if ConsentWaiver.objects.filter(party=party).exists():
            raise ConsentError("Consent for this party is already waived.")
        waiver = ConsentWaiver.objects.create(
            party=party,
            asset=party.asset,
            basis=basis,
            justification=justification,
            granted_by=actor,
        )
        audit_record(
            actor=actor,
            action="consent.waived",
            obj=party.asset,
            details={"waiver_id": waiver.pk, "party_id": party.pk, "basis": basis},
        )
        asset_changed_send(
            asset_id=party.asset_id, reason="A consent waiver was granted.", actor=actor
        )
    return waiver


# --- the desk's forms ------------------------------------------------------------------------
# Added for the consent pages: the same writes as above, with the guards a browser form needs
# (a double submit, a person typed in twice, a view of evidence to audit).


def consent_record_collect(
    *,
    party_id: int,
    collected_by: User,
    expected_latest_id: int | None,
    statement: ConsentStatement,
    scope: Scope,
    acknowledged: Iterable[str],
    signing: Signing,
    role: str = "",
) -> ConsentRecord:
    """Record consent from the desk's form. The form says which record it was built on (none,
    or the latest version): a form sent twice, or after a colleague recorded one, is refused
    instead of silently becoming the next version."""
    with transaction.atomic():
        # The party's row lock is held to the end: consent_record_create takes it again in
        # this transaction, so no record can be written between this check and the insert.
        Party.objects.select_for_update().get(pk=party_id)
        latest = ConsentRecord.objects.filter(party_id=party_id).order_by("-version").first()
        if (latest.pk if latest else None) != expected_latest_id:
            raise ConsentError(
                "Consent was recorded for this person meanwhile (or the form was sent twice). "
                "Nothing was saved: reload the page to see the record, and record a new "
                "version if something changed."
            )
        return consent_record_create(
            party_id=party_id,
            collected_by=collected_by,
            statement=statement,
            scope=scope,
            acknowledged=acknowledged,
            signing=signing,
            role=role,
            supersedes=latest,
        )


@dataclass(frozen=True)
class PersonDetails:
    full_name: str
    email: str = ""
    phone: str = ""
    notes: str = ""


class PossibleDuplicate(ConsentError):
    """The new person looks like someone already on file; `matches` are their ids."""

    def __init__(self, message: str, matches: list[int]) -> None:
        super().__init__(message)
        self.matches = matches


def party_add_new_person(
    *,
    asset_id: int,
    actor: User,
    role: str,
    person: PersonDetails,
    description: str = "",
    is_minor: bool = False,
    guardian: Person | None = None,
    new_guardian: PersonDetails | None = None,
    allow_duplicate: bool = False,
) -> Party:
    """Create a person (and, for a minor, their new guardian) and add them to the asset, all or
    nothing. Someone with the same e-mail, phone or name is refused as a possible duplicate
    unless the user confirmed that this is someone else. Only the people the actor may see
    count: telling a reporter that an e-mail is on file for someone they may not see would
    answer who is on file to anyone who types addresses (legal's people list shows lookalikes)."""
    if guardian is not None and new_guardian is not None:
        raise ConsentError("Pick the guardian or enter a new one, not both.")
    if not is_minor and (guardian is not None or new_guardian is not None):
        raise ConsentError("Only a minor has a guardian who consents for them.")
    with transaction.atomic():
        # The asset's lock serialises two submits of the same form: the second one waits, then
        # finds the person the first one created and is refused as a duplicate.
        Asset.objects.select_for_update().get(pk=asset_id)
        if not allow_duplicate:
            matches = [
                d.person.pk
                for d in person_duplicates(
                    person.full_name,
                    person.email,
                    person.phone,
                    among=people_visible_to(actor),
                )
            ]
            if matches:
                raise PossibleDuplicate(
                    "Someone with the same name, e-mail or phone is already on file. Pick them "
                    "instead, or confirm that this is a different person.",
                    matches,
                )
        if new_guardian is not None:
            guardian = person_create(
                actor=actor,
                full_name=new_guardian.full_name,
                email=new_guardian.email,
                phone=new_guardian.phone,
                notes=new_guardian.notes,
            )
        created = person_create(
            actor=actor,
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            notes=person.notes,
            is_minor=is_minor,
            guardian=guardian,
        )
        return party_add(
            asset_id=asset_id, actor=actor, role=role, person=created, description=description
        )


def consent_evidence_viewed(
    *, actor: User, record: ConsentRecord, kind: str, ip_address: str | None
) -> None:
    """Every view or download of consent evidence is on the audit chain (issue: privacy)."""
    sha256 = record.signature_sha256 if kind == "signature" else record.evidence_sha256
    audit_record(
        actor=actor,
        action="consent.evidence_viewed",
        obj=record.asset,
        details={"record_id": record.pk, "kind": kind, "sha256": sha256, "ip": ip_address},
    )
