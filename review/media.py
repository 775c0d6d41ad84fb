"""Serving private files after the access check: the one place that turns a stored file into a
response, for originals, renditions, their sidecars and slates alike."""

from __future__ import annotations

import logging
import posixpath
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from storages.backends.s3 import S3File

from review.models import Asset

logger = logging.getLogger(__name__)

SVG_MEDIA_TYPE = "image/svg+xml"
# Bytes handed to the WSGI server at a time when the app streams a file.
STREAM_BLOCK = 256 * 1024


def stored_stream(field: FieldFile) -> tuple[IO[bytes] | Any, int | None]:
    """A handle on the stored bytes for reading once, start to end, and their length when
    the handle cannot tell it. Each call opens its own handle (two readers never share one);
    FileNotFoundError when the file is gone.

    For a whole-file read (a response, a hash, a copy for a reader that needs a path) on
    object storage this costs one GET: reading through django-storages' S3File would first
    copy the whole object (to memory or a temporary file) before the first byte."""
    handle = field.storage.open(field.name or "", "rb")
    if not isinstance(handle, S3File):
        return handle, None
    # The S3File has already asked the server (HEAD) whether the object exists.
    client = handle.obj.meta.client
    try:
        found = handle.obj.get()
    except client.exceptions.NoSuchKey:
        raise FileNotFoundError(field.name) from None  # deleted between the HEAD and the GET
    return found["Body"], found["ContentLength"]


def is_svg(media_type: str) -> bool:
    return media_type.split(";", 1)[0].strip().lower() == SVG_MEDIA_TYPE


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
            handle, length = stored_stream(field)
        except FileNotFoundError:
            owner = field.instance
            logger.error(
                "%s %s: file %s is missing from storage",
                type(owner).__name__,
                owner.pk,
                field.name,
            )
            raise Http404("The file is missing from storage.") from None
        streamed = FileResponse(handle)
        streamed.block_size = STREAM_BLOCK
        if length is not None:
            streamed["Content-Length"] = str(length)
        response = streamed
    filename = filename or stored_basename(field)
    # An SVG is a document that can carry script and links: it is only ever downloaded, never
    # shown inline, whatever the caller asked (and the sandbox below holds if it is opened).
    disposition = "attachment" if attachment or is_svg(media_type) else "inline"
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
