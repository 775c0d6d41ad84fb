"""Labels the audience sees and the classification behind them, and the signed renditions
that carry the same disclosure in machine-readable form.

Classifications and labels are versioned: a change is a new row, the newest is current, and
the sign-off records exactly which version it approved.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from review.models import Asset


class Technique(models.TextChoices):
    """What was synthesised, after the PAI framework's Section 1."""

    PERSON_REPRESENTED = "person_represented", "A real person represented"
    FAKE_PERSONA = "fake_persona", "A fake persona"
    STATEMENTS_NOT_MADE = "statements_not_made", "Statements the person did not make"
    EVENTS_NOT_OCCURRED = "events_not_occurred", "Events that did not occur"
    ARTIFACTS_CHANGED = "artifacts_changed", "Objects inserted or removed"
    WHOLLY_SYNTHETIC = "wholly_synthetic", "A wholly synthetic scene or soundscape"


class Purpose(models.TextChoices):
    ENTERTAINMENT = "entertainment", "Entertainment"
    ART = "art", "Art"
    SATIRE = "satire", "Satire"
    EDUCATION = "education", "Education"
    RESEARCH = "research", "Research"
    ILLUSTRATION = "illustration", "Illustration"
    REPORTING = "reporting", "Reporting on synthetic media"


class Certainty(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed by Content Credentials"
    DECLARED = "declared", "Declared by the creator"
    DETECTOR = "detector", "Indicated by a detector"
    JUDGMENT = "judgment", "Editor's judgment"


# Certainties that let the label state what was done without hedging.
FIRM_CERTAINTIES = (Certainty.CONFIRMED, Certainty.DECLARED)


class LabelTerm(models.Model):
    """An entry of the label vocabulary, managed by standards editors."""

    key = models.SlugField(max_length=60, unique=True)
    # IPTC digital source type terms this label fits (e.g. "trainedAlgorithmicMedia").
    source_types = models.JSONField(default=list)
    techniques = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "key"]
        permissions = [("manage_vocabulary", "Can edit the label vocabulary")]

    def __str__(self) -> str:
        return self.key


class LabelTermText(models.Model):
    """A term's words in one language: the audience label, the firm and the hedged context
    notes ({medium} and {what} are filled in)."""

    term = models.ForeignKey(LabelTerm, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=10)
    name = models.CharField(max_length=100, help_text="The short label, e.g. 'AI-generated'.")
    firm_note = models.CharField(max_length=400)
    uncertain_note = models.CharField(max_length=400)

    class Meta:
        ordering = ["term", "language"]
        constraints = [
            models.UniqueConstraint(fields=["term", "language"], name="term_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.term.key} ({self.language})"


class Classification(models.Model):
    """What the desk knows about how the asset was made. Newest version is current."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="classifications")
    version = models.PositiveIntegerField()
    source_type = models.CharField(max_length=60, help_text="IPTC digital source type term.")
    techniques = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, blank=True)
    certainty = models.CharField(max_length=12, choices=Certainty.choices)
    note = models.TextField(blank=True)
    # The provenance report the source type was prefilled from, if any.
    provenance_report = models.ForeignKey(
        "provenance.ProvenanceReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "version"], name="classification_unique_version"
            )
        ]
        permissions = [("classify_asset", "Can classify assets and set their labels")]

    def __str__(self) -> str:
        return f"Asset {self.asset_id} classification v{self.version}"


class Label(models.Model):
    """The audience-facing label of an asset, one version per change of wording."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="labels")
    version = models.PositiveIntegerField()
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="labels"
    )
    term = models.ForeignKey(LabelTerm, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    text = models.CharField(max_length=500)
    generated_text = models.CharField(max_length=500)
    edited = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "version"], name="label_unique_version"),
            models.CheckConstraint(condition=~Q(text=""), name="label_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (asset {self.asset_id} v{self.version})"


class BadgeOutcome(models.TextChoices):
    BURNED_IN = "burned_in", "Label badge burned into the image"
    CAPTION_ONLY = "caption_only", "Caption only (image too small for a legible badge)"
    SLATE = "slate", "Disclosure slate and spoken/shown text (audio, video)"


class ManifestPlacement(models.TextChoices):
    EMBEDDED = "embedded", "Embedded in the file"
    SIDECAR = "sidecar", "Sidecar .c2pa manifest (format cannot embed)"


def _rendition_path(rendition: Rendition, filename: str) -> str:
    return f"renditions/{uuid.uuid4().hex}/{filename[-100:]}"


class Rendition(models.Model):
    """The file the audience gets: labeled, and signed with the newsroom's credentials. Only
    stored after it was read back and verified trusted against the newsroom's own root."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="renditions")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="renditions")
    file = models.FileField(upload_to=_rendition_path)
    sha256 = models.CharField(max_length=64)
    media_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sidecar = models.FileField(upload_to=_rendition_path, blank=True)
    sidecar_sha256 = models.CharField(max_length=64, blank=True)
    placement = models.CharField(max_length=10, choices=ManifestPlacement.choices)
    badge = models.CharField(max_length=14, choices=BadgeOutcome.choices)
    badge_note = models.CharField(max_length=300, blank=True)
    # Why the file has no IPTC XMP (audio, video); blank when it has (images).
    metadata_note = models.CharField(max_length=300, blank=True)
    slate = models.FileField(upload_to=_rendition_path, blank=True)
    verification_state = models.CharField(max_length=24)
    manifest_label = models.CharField(max_length=200, blank=True)
    signer_fingerprint = models.CharField(max_length=64)
    signer_not_after = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Rendition {self.pk} of asset {self.asset_id}"
