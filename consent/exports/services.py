"""Consent exports: who may have which PDF, single PDFs handed out (each audited), and asking
for a bulk export, which consent.tasks builds in the background (consent.exports.build)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.roles import AnyUser
from audit.services import audit_record
from consent.errors import ConsentError
from consent.exports.build import consent_pdf_exported
from consent.exports.pdf import asset_consent_pdf, person_consent_pdf
from consent.models import ConsentExport, ConsentRecord, Party, Person
from consent.tasks import consent_export_run
from review.access import can_export_consent, can_view_consent_evidence
from review.models import Asset, AssetStatus

logger = logging.getLogger(__name__)

EXPIRING_DAYS = 30
CHUNK = 1024 * 1024

# --- access ---------------------------------------------------------------------------------


def person_for_export(user: AnyUser, pk: int) -> Person:
    """A person's PDF spans assets the user may not all see: legal only. The permission is
    checked before the lookup, so others cannot probe which ids exist."""
    if not can_view_consent_evidence(user):
        raise PermissionDenied("Only legal can export a person's consent across media items.")
    person = Person.objects.select_related("guardian").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


def export_for_user(user: AnyUser, pk: int) -> ConsentExport:
    """A bulk export the user may follow and download: the one who asked for it, or legal."""
    export = ConsentExport.objects.select_related("requested_by").filter(pk=pk).first()
    if export is None or not (export.requested_by_id == user.pk or can_export_consent(user)):
        raise Http404("No such export.")
    return export


# --- audit of single PDFs -------------------------------------------------------------------------


def consent_asset_pdf_export(
    *, actor: User | None, asset: Asset, ip_address: str | None, via: str
) -> tuple[bytes, str]:
    """Render an asset's consent PDF and record that it left the desk. The caller has checked
    access. Returns the PDF and its sha256."""
    pdf = asset_consent_pdf(asset)
    return pdf, consent_pdf_exported(
        actor=actor, obj=asset, kind="asset", pdf=pdf, ip_address=ip_address, via=via
    )


def consent_person_pdf_export(
    *, actor: User | None, person: Person, ip_address: str | None, via: str
) -> tuple[bytes, str]:
    pdf = person_consent_pdf(person)
    return pdf, consent_pdf_exported(
        actor=actor, obj=person, kind="person", pdf=pdf, ip_address=ip_address, via=via
    )


def recent_exports(limit: int = 20) -> list[ConsentExport]:
    return list(ConsentExport.objects.select_related("requested_by").order_by("-pk")[:limit])


# --- what a bulk export selects -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    story_ref: str = ""
    expiring: bool = False  # a current consent ends within EXPIRING_DAYS
    status: str = ""  # the asset's status on the desk

    def check(self) -> None:
        if not self.story_ref and not self.expiring:
            raise ConsentError(
                f"Choose a story, or the consents expiring within {EXPIRING_DAYS} days."
            )
        if self.status and self.status not in AssetStatus.values:
            raise ConsentError("Choose a status from the list.")

    def describe(self) -> str:
        parts = []
        if self.story_ref:
            parts.append(f"story “{self.story_ref}”")
        if self.expiring:
            parts.append(f"consent expiring within {EXPIRING_DAYS} days")
        if self.status:
            parts.append(f"status {AssetStatus(self.status).label.lower()}")
        return "Assets with " + ", ".join(parts) if parts else "All assets"


def export_assets(filters: ExportFilters) -> QuerySet[Asset]:
    """The assets a bulk export covers: those with someone on record for consent (a party)
    that match every chosen filter."""
    on_record = Party.objects.filter(removed_at__isnull=True).values("asset_id")
    assets = Asset.objects.filter(pk__in=on_record)
    if filters.story_ref:
        assets = assets.filter(story_ref=filters.story_ref)
    if filters.status:
        assets = assets.filter(status=filters.status)
    if filters.expiring:
        today = timezone.localdate()
        expiring = ConsentRecord.objects.standing().filter(
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=EXPIRING_DAYS),
        )
        assets = assets.filter(pk__in=expiring.values("asset_id"))
    return assets.order_by("pk")


# --- the bulk export's states ------------------------------------------------------------------


def consent_export_request(
    *, actor: User, filters: ExportFilters, ip_address: str | None = None
) -> ConsentExport:
    """Legal asks for a ZIP of the consent PDFs of the matching assets; the build is queued once
    the row is committed, so the worker always finds it."""
    if not can_export_consent(actor):
        raise ConsentError("Only legal can export consent records.")
    filters.check()
    asset_ids = list(export_assets(filters).values_list("pk", flat=True))
    if not asset_ids:
        raise ConsentError("No media item with consent on record matches these filters.")
    with transaction.atomic():
        export = ConsentExport.objects.create(
            requested_by=actor,
            filters=asdict(filters),
            description=filters.describe()[:300],
            total=len(asset_ids),
        )
        audit_record(
            actor=actor,
            action="consent.export_requested",
            obj=export,
            details={"filters": asdict(filters), "assets": len(asset_ids), "ip": ip_address},
        )
        export_id = export.pk
        transaction.on_commit(lambda: consent_export_run.delay(export_id, asset_ids))
    return export


def consent_export_downloaded(
    *, actor: User, export: ConsentExport, ip_address: str | None
) -> None:
    audit_record(
        actor=actor,
        action="consent.export_downloaded",
        obj=export,
        details={"sha256": export.sha256, "ip": ip_address},
    )
