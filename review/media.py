"""Serving private media after the access check."""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase

from review.models import Asset

logger = logging.getLogger(__name__)


def media_response(asset: Asset) -> HttpResponseBase:
    response: HttpResponseBase
    if settings.MEDIA_SERVE_MODE == "x-accel":
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(asset.file.name)
    elif settings.MEDIA_SERVE_MODE == "x-sendfile":
        response = HttpResponse()
        response["X-Sendfile"] = asset.file.path
    else:
        try:
            handle = asset.file.open("rb")
        except FileNotFoundError:
            logger.error("asset %s: file %s is missing from storage", asset.pk, asset.file.name)
            raise Http404("The file is missing from storage.") from None
        response = FileResponse(handle)
    response["Content-Type"] = asset.media_type
    filename = quote(asset.original_filename)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    # The bytes are someone else's upload: never let a browser run them as a page.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
