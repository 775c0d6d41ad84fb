"""Consent: the people on an asset, what each of them agreed to, and legal's waivers.

Signed records, revocations and waivers are written once and never changed or deleted: a
correction is a new version that supersedes the old one, a revocation is a new row. The
models refuse updates and deletes through the ORM (`WriteOnceModel`), and the foreign keys to
them are PROTECT, so nothing cascades them away.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from review.models import Asset


class WriteOnceError(Exception):
    """An attempt to change or delete a signed consent record, revocation or waiver."""


class WriteOnceQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise WriteOnceError(f"{self.model._meta.verbose_name_plural} are never changed.")

    def delete(self) -> NoReturn:
        raise WriteOnceError(f"{self.model._meta.verbose_name_plural} are never deleted.")


class WriteOnceModel(models.Model):
    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise WriteOnceError(
                f"A {self._meta.verbose_name} is never changed: record a new version instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise WriteOnceError(f"A {self._meta.verbose_name} is never deleted.")


class Person(models.Model):
    """Someone who creates or appears in media; reused across assets."""

    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True, help_text="How to recognise them; never shown publicly.")
    is_minor = models.BooleanField(default=False)
    guardian = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wards",
        help_text="Required for a minor: the parent or guardian who consents for them.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "pk"]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["full_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_minor=False) | Q(guardian__isnull=False),
                name="person_minor_has_guardian",
            ),
            models.CheckConstraint(
                condition=~Q(guardian=models.F("pk")), name="person_not_own_guardian"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class PartyRole(models.TextChoices):
    CREATOR = "creator", "Creator"
    SUBJECT = "subject", "Person depicted"


def party_description(full_name: str | None, role_label: str) -> str:
    """How a party is named wherever it is listed: "Ana Ruiz (person depicted)"."""
    return f"{full_name or 'Unidentified person'} ({role_label.lower()})"


class Party(models.Model):
    """A person's part in one asset. `person` is empty for someone not yet identified: the
    entry still needs consent or a waiver before sign-off."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="parties")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(max_length=10, choices=PartyRole.choices)
    description = models.CharField(
        max_length=300, blank=True, help_text="Who this is in the media, e.g. 'man at the left'."
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # Removed by mistake-correction only, and only while nothing was recorded for it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "pk"]
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "person", "role"],
                condition=Q(person__isnull=False, removed_at__isnull=True),
                name="party_unique_person_role_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(description=""),
                name="party_unidentified_has_description",
            ),
        ]

    def __str__(self) -> str:
        full_name = self.person.full_name if self.person_id and self.person else None
        return party_description(full_name, self.get_role_display())

    @property
    def is_identified(self) -> bool:
        return self.person_id is not None


class ConsentStatement(WriteOnceModel):
    """A version of a consent text, managed by legal. The text a person read is also copied
    onto their record with its sha256, so a later version never changes what they signed."""

    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=10, default="en")
    body = models.TextField()
    sha256 = models.CharField(max_length=64)
    # Empty for the default text the code ships (consent.0002).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="statement_unique_version")
        ]
        permissions = [("manage_statements", "Can write new versions of consent statements")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}, {self.language})"


class InformedPoint(models.TextChoices):
    """What the person must have been told, each acknowledged separately."""

    SYNTHETIC = "synthetic", "The content is synthetic or has been altered"
    USE = "use", "Where and how it will be used"
    LABELED = "labeled", "It will be labeled as synthetic or altered for the audience"
    REVOCABLE = "revocable", "They may revoke their consent, and how"


class ConsentRole(models.TextChoices):
    CREATOR = "creator", "Creator"
    SUBJECT = "subject", "Person depicted"
    GUARDIAN = "guardian", "Guardian of a minor depicted"


class ConsentMethod(models.TextChoices):
    SIGNED_IN_PERSON = "signed_in_person", "Signed on screen, in person"
    SIGNED_REMOTELY = "signed_remotely", "Signed on screen, by remote link"
    UPLOADED_RELEASE = "uploaded_release", "Signed release (uploaded)"
    VERBAL = "verbal", "Recorded verbal consent"


SIGNED_ON_SCREEN = (ConsentMethod.SIGNED_IN_PERSON, ConsentMethod.SIGNED_REMOTELY)


def _evidence_path(record: ConsentRecord, filename: str) -> str:
    # Never the person's name in a path: storage listings are not access-checked.
    return f"consent/{uuid.uuid4().hex}/{filename[-100:]}"


class ConsentRecordQuerySet(WriteOnceQuerySet):
    def standing(self) -> ConsentRecordQuerySet:
        """Records neither lapsed nor superseded. As NOT EXISTS rather than Django's outer
        join for `lapse__isnull`: PostgreSQL then plans an anti-join it can stop early, and a
        list of the first fifty by end date reads about fifty index entries instead of every
        record in the window (a month's, 2,100 at a million assets: 3.9 ms against 1.6)."""
        return self.filter(
            ~Exists(ConsentLapse.objects.filter(record_id=OuterRef("pk"))),
            ~Exists(ConsentRecord.objects.filter(supersedes_id=OuterRef("pk"))),
        )


ConsentRecordManager = models.Manager.from_queryset(ConsentRecordQuerySet)


class ConsentRecord(WriteOnceModel):
    """One person's informed consent for one asset, as signed. Never edited: a change is a new
    record with `supersedes` pointing at the one it replaces."""

    objects: ClassVar[ConsentRecordManager[ConsentRecord]] = ConsentRecordManager()

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="consent_records")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="consent_records")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="consent_records"
    )
    role = models.CharField(max_length=10, choices=ConsentRole.choices)
    # For a minor, the guardian signs: `signer` is the guardian, `person` the minor.
    signer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200, help_text="The name the person typed.")
    statement = models.ForeignKey(ConsentStatement, on_delete=models.PROTECT, related_name="+")
    statement_text = models.TextField()
    statement_sha256 = models.CharField(max_length=64)
    acknowledged = models.JSONField(default=list)  # InformedPoint values
    uses = models.JSONField(default=list)
    channels = models.JSONField(default=list)
    territories = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    signature_image = models.FileField(upload_to=_evidence_path, blank=True)
    signature_sha256 = models.CharField(max_length=64, blank=True)
    evidence_file = models.FileField(upload_to=_evidence_path, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_media_type = models.CharField(max_length=100, blank=True)
    evidence_filename = models.CharField(max_length=255, blank=True)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    witness_name = models.CharField(max_length=200, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    # sha256 of the record's canonical JSON (consent.evidence.records.record_document): the PDF
    # prints it, so a copy of the record can be checked against the desk.
    record_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["party", "-version"]
        # With the id, the dashboard's "expiring" list (by end date, then id) reads this index
        # alone for the records in its window instead of fetching each row.
        indexes = [models.Index(fields=["valid_until", "id"], name="consent_record_ends_idx")]
        constraints = [
            models.UniqueConstraint(fields=["party", "version"], name="consent_unique_version"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="consent_term_not_reversed",
            ),
        ]
        permissions = [
            ("collect_consent", "Can record consent for assets they can see"),
            ("view_consent_evidence", "Can see consent evidence of any asset"),
            ("export_consent", "Can export consent PDFs and bulk exports"),
        ]

    def __str__(self) -> str:
        return f"Consent of {self.signed_name} for asset {self.asset_id} (v{self.version})"


class LapseKind(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class ConsentLapse(WriteOnceModel):
    """A consent record that stopped counting: revoked by the person, or past its term."""

    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="lapse")
    kind = models.CharField(max_length=10, choices=LapseKind.choices)
    effective_at = models.DateTimeField()
    how = models.CharField(
        max_length=200, blank=True, help_text="For a revocation: e-mail, letter, phone call…"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_at"]
        permissions = [("record_revocation", "Can record a revocation of consent")]
        # Legal's dashboard: the lapses of the last 30 days, newest first.
        indexes = [models.Index(fields=["effective_at", "id"], name="consent_lapse_when_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.record}"


class WaiverBasis(models.TextChoices):
    SATIRE = "satire", "Satire or parody"
    ARTISTIC = "artistic", "Artistic or expressive work"
    REPORTING = "reporting", "Reporting on the synthetic media itself"
    OTHER = "other", "Other (see justification)"


class ConsentWaiver(WriteOnceModel):
    """Legal's decision that a party's consent is not required for this asset."""

    party = models.OneToOneField(Party, on_delete=models.PROTECT, related_name="waiver")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="consent_waivers")
    basis = models.CharField(max_length=10, choices=WaiverBasis.choices)
    justification = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("grant_waiver", "Can waive consent (legal)")]
        # Legal's dashboard: the newest fifty waivers, without sorting every waiver on file.
        indexes = [models.Index(fields=["created_at", "id"], name="consent_waiver_when_idx")]

    def __str__(self) -> str:
        return f"Waiver ({self.get_basis_display()}) for {self.party}"


class ConsentLink(models.Model):
    """A one-time link a reporter sends to a subject, who signs on their own device without an
    account. Only the token's sha256 is stored: the desk can never show a URL again, only
    replace the token (`consent_link_reissue`), which ends the old URL."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="consent_links")
    statement = models.ForeignKey(ConsentStatement, on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    # What the desk chose to tell the person the media is: the signing page, the stored text
    # and the receipt name the media by this, never by the asset's internal description.
    media_description = models.CharField(max_length=200, blank=True)
    uses = models.JSONField(default=list)
    channels = models.JSONField(default=list)
    territories = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    record = models.OneToOneField(
        ConsentRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="link"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Consent link for {self.party}"


class ConsentAlert(models.Model):
    """A revoked or expired consent on an approved or published asset: legal and the approving
    editor must act. Resolved, never deleted."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="consent_alerts")
    lapse = models.OneToOneField(ConsentLapse, on_delete=models.PROTECT, related_name="alert")
    asset_status = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Consent alert on asset {self.asset_id}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ConsentExport(models.Model):
    """A bulk export (ZIP of PDFs plus a manifest) built in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField(default=dict)
    description = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="consent-exports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Consent export {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
