"""`manage.py check` (and so `migrate` and `runserver`) refuses a media setup that would fail on
the first request: X-Sendfile hands the front server a local file path, which storage without
local files (S3) cannot give."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.files.storage import storages


@register(deploy=True)
def site_url_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: links made by background tasks (e-mails, the disclosure "
            "link in signed renditions) would point at the development address.",
            hint="Set SITE_URL to the public https address, e.g. https://proofdesk.example.org.",
            id="review.W001",
        )
    ]


@register()
def media_serve_mode(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.MEDIA_SERVE_MODE != "x-sendfile":
        return []
    storage = storages["default"]  # what Asset.file saves to
    try:
        # Storage.path() is the call media_response() makes; backends without local files
        # raise NotImplementedError instead of returning one.
        storage.path("probe")
    except NotImplementedError:
        backend = f"{type(storage).__module__}.{type(storage).__qualname__}"
        return [
            Error(
                f"MEDIA_SERVE_MODE is 'x-sendfile', which gives the front server a local file "
                f"path, but the media storage ({backend}) has no local files.",
                hint="With STORAGE_BACKEND=s3 use MEDIA_SERVE_MODE=django (the app streams "
                "the file after the access check); x-sendfile needs STORAGE_BACKEND=filesystem.",
                id="review.E001",
            )
        ]
    return []
