"""Writes for labeling: classifying an asset, setting its label (every wording kept as a
version), making its signed rendition, and editing the vocabulary."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction

from audit.services import audit_record
from labeling.events import label_changed
from labeling.models import (
    Certainty,
    Classification,
    Label,
    LabelTerm,
    LabelTermText,
    Purpose,
    Rendition,
    Technique,
)
from labeling.renditions import RenditionError, build_rendition
from labeling.signing import SigningUnavailable, load_signing_credentials
from labeling.wording import label_required, suggested_wording, term_fits
from provenance.models import ProvenanceReport
from provenance.states import IPTC_DST_PREFIX, source_type_term
from review.events import asset_changed_send
from review.models import Asset

MAX_LABEL_TEXT = 500
EMPTY_LABEL_TEXT = (
    "The label text cannot be empty: write what the audience reads, or keep the suggested wording."
)
KNOWN_SOURCE_TYPES = frozenset(
    {
        "digitalCapture",
        "computationalCapture",
        "negativeFilm",
        "positiveFilm",
        "print",
        "humanEdits",
        "algorithmicallyEnhanced",
        "digitalArt",
        "digitalCreation",
        "dataDrivenMedia",
        "trainedAlgorithmicMedia",
        "algorithmicMedia",
        "screenCapture",
        "virtualRecording",
        "composite",
        "compositeCapture",
        "compositeSynthetic",
        "compositeWithTrainedAlgorithmicMedia",
    }
)


class LabelingError(Exception):
    """A labeling action that cannot be done; the message is shown as is."""


def _latest(queryset: object) -> int:
    from django.db.models import Max, QuerySet

    assert isinstance(queryset, QuerySet)
    return int(queryset.aggregate(v=Max("version"))["v"] or 0)


def classification_set(
    *,
    asset_id: int,
    actor: User,
    source_type: str,
    techniques: list[str],
    purpose: str,
    certainty: str,
    note: str = "",
    provenance_report_id: int | None = None,
) -> Classification:
    source_type = source_type_term(source_type.strip()) if source_type else ""
    if source_type not in KNOWN_SOURCE_TYPES:
        raise LabelingError(f"Choose an IPTC digital source type ({source_type!r} is not one).")
    unknown = set(techniques) - set(Technique.values)
    if unknown:
        raise LabelingError(f"Unknown technique(s): {', '.join(sorted(unknown))}.")
    if purpose and purpose not in Purpose.values:
        raise LabelingError(f"Unknown purpose {purpose!r}.")
    if certainty not in Certainty.values:
        raise LabelingError("Say how sure we are of the classification.")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        # The id comes from a form: a report of another asset would give this classification
        # a provenance it does not have.
        if (
            provenance_report_id is not None
            and not ProvenanceReport.objects.filter(pk=provenance_report_id, asset=asset).exists()
        ):
            raise LabelingError("That provenance report is not one of this asset's.")
        classification = Classification.objects.create(
            asset=asset,
            version=_latest(Classification.objects.filter(asset=asset)) + 1,
            source_type=source_type,
            techniques=sorted(set(techniques)),
            purpose=purpose,
            certainty=certainty,
            note=note.strip(),
            provenance_report_id=provenance_report_id,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="label.classified",
            obj=asset,
            details={
                "classification_id": classification.pk,
                "version": classification.version,
                "source_type": IPTC_DST_PREFIX + source_type,
                "techniques": classification.techniques,
                "certainty": certainty,
                "label_required": label_required(source_type, classification.techniques),
            },
        )
        asset_changed_send(asset_id=asset.pk, reason="The classification changed.", actor=actor)
    return classification


def label_set(
    *,
    asset_id: int,
    actor: User,
    term_key: str,
    language: str,
    text: str | None = None,
) -> Label:
    """A new label version. `text=None` takes the term's suggested wording for the current
    classification; any other text is the editor's own wording (kept, and marked as edited
    when it differs), and a blank one is refused: a label nobody can read discloses nothing,
    and quietly swapping in the suggestion would publish words the editor just removed."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        classification = Classification.objects.filter(asset=asset).order_by("-version").first()
        if classification is None:
            raise LabelingError("Classify the asset before labeling it.")
        term = LabelTerm.objects.filter(key=term_key, active=True).first()
        if term is None:
            raise LabelingError(f"No active label term {term_key!r}.")
        if not term_fits(term, classification.source_type):
            raise LabelingError(
                f"The label “{term.key}” does not fit an asset classified as "
                f"{classification.source_type}; choose a term for that source type or "
                "correct the classification."
            )
        term_text = LabelTermText.objects.filter(term=term, language=language).first()
        if term_text is None:
            raise LabelingError(f"The term {term.key!r} has no {language!r} wording yet.")
        wording = suggested_wording(
            term_text, certainty=classification.certainty, media_kind=asset.media_kind
        )
        final = wording.text if text is None else " ".join(text.split())
        if not final:
            raise LabelingError(EMPTY_LABEL_TEXT)
        if len(final) > MAX_LABEL_TEXT:
            raise LabelingError(f"The label text is too long (at most {MAX_LABEL_TEXT}).")
        label = Label.objects.create(
            asset=asset,
            version=_latest(Label.objects.filter(asset=asset)) + 1,
            classification=classification,
            term=term,
            language=language,
            name=wording.name,
            text=final,
            generated_text=wording.text,
            edited=final != wording.text,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="label.set",
            obj=asset,
            details={
                "label_id": label.pk,
                "version": label.version,
                "term": term.key,
                "language": language,
                "text": final,
                "edited": label.edited,
            },
        )
        asset_changed_send(
            asset_id=asset.pk, reason=f"The label changed (version {label.version}).", actor=actor
        )
        label_changed.send(sender=Label, asset=asset, label=label)
    return label


def rendition_create(*, asset_id: int, actor: User | None) -> Rendition:
    """Render, sign, read back and store the labeled rendition of the asset's current label.
    Signing happens outside the transaction; only a verified file is stored."""
    asset = Asset.objects.get(pk=asset_id)
    label = (
        Label.objects.filter(asset=asset)
        .select_related("term", "classification")
        .order_by("-version")
        .first()
    )
    if label is None:
        raise LabelingError("Set a label before making the rendition.")
    # A label worded for an earlier classification may no longer fit (or be honest about) the
    # current one; the published file must carry what the desk knows now.
    current = (
        Classification.objects.filter(asset=asset)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if current != label.classification_id:
        raise LabelingError(
            "The classification changed after the label was set: set the label again before "
            "making the rendition."
        )
    try:
        credentials = load_signing_credentials()
    except SigningUnavailable as exc:
        raise LabelingError(f"The newsroom cannot sign renditions: {exc}") from None
    try:
        with asset.file.open("rb") as original:
            built = build_rendition(
                asset=asset,
                original=original,
                label=label,
                classification=label.classification,
                credentials=credentials,
            )
    except FileNotFoundError:
        raise LabelingError("The asset's file is missing from storage.") from None
    except RenditionError as exc:
        raise LabelingError(str(exc)) from None

    rendition = Rendition(
        asset=asset,
        label=label,
        sha256=built.sha256,
        media_type=built.media_type,
        size_bytes=len(built.data),
        placement=built.placement,
        badge=built.badge,
        badge_note=built.badge_note,
        metadata_note=built.metadata_note,
        verification_state=built.verification_state,
        manifest_label=built.manifest_label,
        signer_fingerprint=credentials.fingerprint,
        signer_not_after=credentials.not_after,
        created_by=actor,
    )
    stored = []
    try:
        rendition.file.save(built.filename, ContentFile(built.data), save=False)
        stored.append(rendition.file)
        if built.sidecar:
            import hashlib

            rendition.sidecar.save(built.filename + ".c2pa", ContentFile(built.sidecar), save=False)
            rendition.sidecar_sha256 = hashlib.sha256(built.sidecar).hexdigest()
            stored.append(rendition.sidecar)
        if built.slate_png:
            rendition.slate.save(f"slate-{asset.pk}.png", ContentFile(built.slate_png), save=False)
            stored.append(rendition.slate)
        with transaction.atomic():
            rendition.save()
            audit_record(
                actor=actor,
                action="label.rendition_signed",
                obj=asset,
                details={
                    "rendition_id": rendition.pk,
                    "label_version": label.version,
                    "sha256": rendition.sha256,
                    "placement": rendition.placement,
                    "badge": rendition.badge,
                    "signer_fingerprint": credentials.fingerprint,
                    "verification_state": rendition.verification_state,
                },
            )
            asset_changed_send(
                asset_id=asset.pk, reason="A new signed rendition was made.", actor=actor
            )
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return rendition
