"""`manage.py check` reports a signing key or certificate that is missing, unreadable,
mismatched or expired: renditions cannot be signed until it is fixed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.checks import CheckMessage, Warning, register

from labeling.signing import SigningUnavailable, load_signing_credentials

EXPIRY_WARNING = dt.timedelta(days=30)


@register()
def signing_credentials(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    try:
        credentials = load_signing_credentials()
    except SigningUnavailable as exc:
        return [Warning(str(exc), id="labeling.W002")]
    left = credentials.not_after - dt.datetime.now(dt.UTC)
    if left < EXPIRY_WARNING:
        return [
            Warning(
                f"The signing certificate expires in {left.days} days "
                f"({credentials.not_after:%Y-%m-%d}).",
                id="labeling.W001",
            )
        ]
    return []
