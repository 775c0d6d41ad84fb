"""The app's settings: one `PROOFDESK` dict in the Django settings.

    PROOFDESK = {
        "BASE_URL": "https://proofdesk.example",       # where Proofdesk answers /api/v1/
        "TOKEN": env("PROOFDESK_TOKEN"),               # pd_... (assets:read, assets:publish,
                                                       #  and assets:read-uncleared for reasons)
        "WEBHOOK_SECRETS": [env("PROOFDESK_WEBHOOK_SECRET")],  # whsec_...; two while rotating
        "ON_CLEARANCE_REVOKED": "moderation",          # or "unpublish", "keep"
        "ON_CONSENT_REVOKED": "unpublish",             # or "moderation", "keep"
        "ON_CORRECTION_ISSUED": "update_label",        # or "moderation", "unpublish"
    }

Read on every use (not cached at import), so tests and `override_settings` can change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Policy = Literal["unpublish", "moderation", "keep", "update_label"]

REVOKED_POLICIES = ("moderation", "unpublish", "keep")
CORRECTION_POLICIES = ("update_label", "moderation", "unpublish")


@dataclass(frozen=True)
class ProofdeskSettings:
    base_url: str
    token: str
    webhook_secrets: tuple[str, ...]
    on_clearance_revoked: Policy
    on_consent_revoked: Policy
    on_correction_issued: Policy
    cms_reference: str
    timeout: float
    max_attempts: int
    image_collection: str | None


def _choice(raw: dict[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> Policy:
    value = str(raw.get(key, default))
    if value not in allowed:
        raise ImproperlyConfigured(f"PROOFDESK[{key!r}] must be one of {', '.join(allowed)}.")
    return value  # type: ignore[return-value]  # checked against `allowed` just above


def proofdesk_settings() -> ProofdeskSettings:
    raw: dict[str, Any] = dict(getattr(settings, "PROOFDESK", {}))
    for key in ("BASE_URL", "TOKEN"):
        if not raw.get(key):
            raise ImproperlyConfigured(f"Set PROOFDESK[{key!r}] in your settings.")
    secrets = raw.get("WEBHOOK_SECRETS") or (
        [raw["WEBHOOK_SECRET"]] if raw.get("WEBHOOK_SECRET") else []
    )
    return ProofdeskSettings(
        base_url=str(raw["BASE_URL"]),
        token=str(raw["TOKEN"]),
        webhook_secrets=tuple(str(s) for s in secrets),
        on_clearance_revoked=_choice(raw, "ON_CLEARANCE_REVOKED", "moderation", REVOKED_POLICIES),
        on_consent_revoked=_choice(raw, "ON_CONSENT_REVOKED", "unpublish", REVOKED_POLICIES),
        on_correction_issued=_choice(
            raw, "ON_CORRECTION_ISSUED", "update_label", CORRECTION_POLICIES
        ),
        # One reference per page and asset: Proofdesk refuses a reference already live with
        # another asset, and a page may show several.
        cms_reference=str(raw.get("CMS_REFERENCE", "wagtail-page-{page_id}-asset-{asset_id}")),
        timeout=float(raw.get("TIMEOUT", 10.0)),
        max_attempts=int(raw.get("MAX_ATTEMPTS", 3)),
        image_collection=raw.get("IMAGE_COLLECTION"),
    )
