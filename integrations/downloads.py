"""Short-lived download links for the signed rendition (and its sidecar manifest and slate).

CMS fetchers often cannot send an Authorization header, so the link itself is the credential:
a `TimestampSigner` signature over the rendition id and the part, valid for ten minutes. The
link carries no token and names no integration; it only works while the asset is cleared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from integrations.errors import LinkRefused
from labeling.models import Rendition
from review.media import stored_basename, stored_file_response

logger = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=10)
_SIGNER = TimestampSigner(salt="integrations.rendition-download")


class Part(StrEnum):
    FILE = "file"
    SIDECAR = "sidecar"  # the .c2pa manifest of a format that cannot embed one
    SLATE = "slate"  # the disclosure slate shown before audio and video


def _value(rendition_id: int, part: Part) -> str:
    return f"{rendition_id}/{part.value}"


def download_signature(rendition_id: int, part: Part) -> str:
    # The signer yields "value:timestamp:signature"; the URL already carries the value (the
    # id in the path, the part in the query), so only "timestamp:signature" goes in `sig`.
    return _SIGNER.sign(_value(rendition_id, part)).split(":", 1)[1]


def check_signature(rendition_id: int, part: Part, sig: str) -> None:
    try:
        _SIGNER.unsign(f"{_value(rendition_id, part)}:{sig}", max_age=LINK_LIFETIME)
    except SignatureExpired:
        raise LinkRefused("The download link has expired; fetch the clearance again.") from None
    except BadSignature:
        raise LinkRefused("The download link is not valid.") from None


@dataclass(frozen=True)
class Links:
    file: str
    sidecar: str | None
    slate: str | None
    expires_at: datetime


def download_links(request: HttpRequest, rendition: Rendition) -> Links:
    """Absolute URLs (a CMS fetcher may run anywhere) for each stored part of the rendition."""
    expires_at = timezone.now() + LINK_LIFETIME

    def link(part: Part) -> str:
        path = reverse("api-v1:rendition_download", args=[rendition.pk])
        query = urlencode({"part": part.value, "sig": download_signature(rendition.pk, part)})
        return request.build_absolute_uri(f"{path}?{query}")

    return Links(
        file=link(Part.FILE),
        sidecar=link(Part.SIDECAR) if rendition.sidecar else None,
        slate=link(Part.SLATE) if rendition.slate else None,
        expires_at=expires_at,
    )


def part_response(rendition: Rendition, part: Part) -> HttpResponseBase:
    """The stored bytes of one part, served the way the desk serves private media."""
    field: FieldFile
    if part is Part.FILE:
        field, media_type = rendition.file, rendition.media_type
    elif part is Part.SIDECAR:
        field, media_type = rendition.sidecar, "application/c2pa"
    else:
        field, media_type = rendition.slate, "image/png"
    if not field:
        raise Http404("This rendition has no such part.")
    # The link is the credential: no shared cache may keep the bytes for someone else.
    return stored_file_response(
        field,
        media_type=media_type,
        filename=stored_basename(field, "rendition"),
        attachment=True,
        cache_control="private, no-store",
    )
