"""Consent test data: drawn signatures, releases, and records made through the services."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from consent.models import ConsentMethod, ConsentRecord, ConsentStatement, InformedPoint, Party
from consent.services import Scope, Signing, consent_record_create

ALL_POINTS = [p.value for p in InformedPoint]


def signature_data_url(*, ink: bool = True, size=(600, 200)) -> str:
    """A PNG data URL as the signature pad sends it: transparent, with a dark scribble."""
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line([(40, 150), (120, 40), (200, 160), (300, 50), (420, 150)], fill="#111", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def release_pdf(name: str = "release.pdf") -> SimpleUploadedFile:
    """A minimal but whole PDF (header, objects, cross-reference table, trailer), as a scanned
    release would be."""
    from tests.consent.media import pdf_bytes

    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def scope(**overrides: Any) -> Scope:
    values: dict[str, Any] = {
        "uses": ["Illustration of the story"],
        "channels": ["web", "social"],
        "territories": ["worldwide"],
        "valid_from": date.today() - timedelta(days=1),
        "valid_until": date.today() + timedelta(days=365),
    }
    values.update(overrides)
    return Scope(**values)


def default_statement() -> ConsentStatement:
    return ConsentStatement.objects.get(key="synthetic-media", version=1)


def record_consent(
    party: Party,
    *,
    collected_by=None,
    method: str = ConsentMethod.SIGNED_IN_PERSON,
    role: str = "",
    acknowledged: list[str] | None = None,
    supersedes: ConsentRecord | None = None,
    **scope_overrides: Any,
) -> ConsentRecord:
    evidence = release_pdf() if method == ConsentMethod.UPLOADED_RELEASE else None
    return consent_record_create(
        party_id=party.pk,
        collected_by=collected_by,
        statement=default_statement(),
        scope=scope(**scope_overrides),
        acknowledged=ALL_POINTS if acknowledged is None else acknowledged,
        signing=Signing(
            method=method,
            signed_name=party.person.full_name if party.person else "Unnamed Passer-by",
            signature_data_url=signature_data_url(),
            evidence=evidence,
            ip_address="203.0.113.7",
            user_agent="pytest",
        ),
        role=role,
        supersedes=supersedes,
    )
