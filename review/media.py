"""Serving private files after the access check: the one place that turns a stored file into a
response, for originals, renditions, their sidecars and slates alike."""

from __future__ import annotations

import logging
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase

from review.models import Asset

logger = logging.getLogger(__name__)


def stored_file_response(
    field: FieldFile,
    *,
    media_type: str,
    filename: str = "",
    attachment: bool = False,
    cache_control: str = "private, max-age=300",
) -> HttpResponseBase:
    """The bytes of `field` for someone the caller has already let through. With a front
    server configured (MEDIA_SERVE_MODE), Django only names the file and the server sends it."""
    response: HttpResponseBase
    if settings.MEDIA_SERVE_MODE == "x-accel":
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(field.name or "")
    elif settings.MEDIA_SERVE_MODE == "x-sendfile":
        response = HttpResponse()
        response["X-Sendfile"] = field.path
    else:
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            owner = field.instance
            logger.error(
                "%s %s: file %s is missing from storage",
                type(owner).__name__,
                owner.pk,
                field.name,
            )
            raise Http404("The file is missing from storage.") from None
        response = FileResponse(handle)
    filename = filename or stored_basename(field)
    disposition = "attachment" if attachment else "inline"
    response["Content-Type"] = media_type
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    # The bytes are someone else's upload (or made from one): never let a browser run them as
    # a page.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


def stored_basename(field: FieldFile, default: str = "file") -> str:
    return posixpath.basename(field.name or "") or default


def media_response(asset: Asset) -> HttpResponseBase:
    """An asset's original, inline, under the name it was uploaded with."""
    return stored_file_response(
        asset.file, media_type=asset.media_type, filename=asset.original_filename
    )
