"""Webhook signatures per the Standard Webhooks specification.

Each request carries `webhook-id` (the event's id, the same on every retry), `webhook-timestamp`
(the attempt's time, so a retry days later still passes the receiver's 5-minute tolerance) and
`webhook-signature`: one `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per valid
secret, space-separated. During a rotation both the new and the previous secret sign, so a
receiver that still has the old secret keeps verifying until it switches.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

from integrations.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec allows 24–64; 256 bits matches the HMAC-SHA256 key size


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def valid_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, then the previous one while its grace period lasts. A previous
    secret without an expiry was set by hand and stays valid until someone clears it."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and (expires is None or expires > now):
        found.append(endpoint.previous_secret)
    return found


def signature_headers(
    *, msg_id: str, timestamp: datetime, body: str, secrets: Sequence[str]
) -> dict[str, str]:
    if not secrets:
        raise ValueError("At least one secret is needed to sign a webhook.")
    # Whole seconds, as the header carries them: the receiver recomputes over the same value.
    seconds = int(timestamp.timestamp())
    at = datetime.fromtimestamp(seconds, tz=UTC)
    signatures = [Webhook(secret).sign(msg_id, at, body) for secret in secrets]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": " ".join(signatures),
    }
