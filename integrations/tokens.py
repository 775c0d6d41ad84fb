"""Writes for an integration's credentials: the integration itself, its API tokens (shown once,
stored as sha256) and, when it receives webhooks, its endpoint with a `whsec_` secret; and the
one read an administrator needs to name a token on the command line."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.services import audit_record
from integrations.models import (
    DEFAULT_SCOPES,
    ApiToken,
    EventType,
    Integration,
    TokenScope,
    WebhookEndpoint,
)
from integrations.signing import generate_secret
from integrations.webhook_urls import UnsafeWebhookUrl, check_webhook_url

TOKEN_PREFIX = "pd_"
# "pd_" and 8 characters of the random part: enough to tell tokens apart in a list, far too
# little to guess the rest (32 bytes of randomness stay secret).
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


class CredentialsError(Exception):
    """An integration or token that cannot be made as asked; the message is shown as is."""


def token_sha256(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in TokenScope.values]
    if unknown:
        raise CredentialsError(
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(TokenScope.values)}."
        )
    if not chosen:
        raise CredentialsError("A token needs at least one scope.")
    return chosen


@sensitive_variables("plaintext")  # kept out of error reports, like the views' copies
def token_create(
    *,
    integration: Integration,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `integration`. The plaintext is returned once and never stored."""
    chosen = _clean_scopes(scopes)
    if expires_at is not None and expires_at <= timezone.now():
        raise CredentialsError("The expiry must be in the future.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            integration=integration,
            prefix=plaintext[:SHOWN_PREFIX_LENGTH],
            token_sha256=token_sha256(plaintext),
            scopes=chosen,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="integration.token_created",
            obj=integration,
            details={
                "token_id": token.pk,
                "prefix": token.prefix,
                "scopes": chosen,
                "expires_at": expires_at,
            },
        )
    return token, plaintext


def token_lookup(*, identifier: str) -> ApiToken:
    """The token an administrator means by `identifier`: the whole token (a leaked one, say) or
    the prefix the integrations page shows (`pd_` and 8 characters). A prefix two tokens share
    is refused rather than guessed at: revoke by id then."""
    identifier = identifier.strip()
    if not identifier.startswith(TOKEN_PREFIX):
        raise CredentialsError(f"Tokens start with {TOKEN_PREFIX!r}; {identifier!r} does not.")
    tokens = ApiToken.objects.select_related("integration")
    if len(identifier) > SHOWN_PREFIX_LENGTH:
        found = tokens.filter(token_sha256=token_sha256(identifier)).first()
        if found is None:
            raise CredentialsError("No token is known by that value.")
        return found
    matches = list(tokens.filter(prefix=identifier).order_by("pk")[:10])
    if not matches:
        raise CredentialsError(f"No token starts with {identifier!r}.")
    if len(matches) > 1:
        ids = ", ".join(f"{t.pk} ({t.integration})" for t in matches)
        raise CredentialsError(f"Several tokens start with {identifier!r}: ids {ids}. Give --id.")
    return matches[0]


def token_revoke(*, token_id: int, actor: User | None = None) -> tuple[ApiToken, bool]:
    """Revoke a token (kept, never deleted, so the audit log and `last_used_at` stay readable).
    Revoking twice keeps the first time. Also says whether this call revoked it: decided under
    the row lock, so of two people revoking at once exactly one is told "revoked"."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(of=("self",))
            .select_related("integration")
            .get(pk=token_id)
        )
        if token.revoked_at is not None:
            return token, False
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="integration.token_revoked",
            obj=token.integration,
            details={"token_id": token.pk, "prefix": token.prefix},
        )
    return token, True


@dataclass(frozen=True)
class NewIntegration:
    integration: Integration
    token: ApiToken
    plaintext_token: str
    endpoint: WebhookEndpoint | None
    webhook_secret: str  # "" without an endpoint


@sensitive_variables("plaintext", "secret")
def integration_create(
    *,
    name: str,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    webhook_url: str = "",
    actor: User | None = None,
) -> NewIntegration:
    """An integration with its first token and, given a URL, its webhook endpoint: everything a
    CMS needs, made in one transaction so a refusal leaves nothing half made."""
    name = name.strip()
    if not name:
        raise CredentialsError("The integration needs a name.")
    if len(name) > 100:  # Integration.name's max_length
        raise CredentialsError("The name is too long (at most 100 characters).")
    webhook_url = clean_webhook_url(webhook_url) if webhook_url.strip() else ""
    chosen = _clean_scopes(scopes)
    try:
        with transaction.atomic():
            if Integration.objects.filter(name=name).exists():
                raise CredentialsError(f"An integration named {name!r} already exists.")
            integration = Integration.objects.create(name=name, created_by=actor)
            audit_record(
                actor=actor,
                action="integration.created",
                obj=integration,
                details={"name": name, "webhook_url": webhook_url},
            )
            token, plaintext = token_create(integration=integration, scopes=chosen, actor=actor)
            endpoint = None
            secret = ""
            if webhook_url:
                secret = generate_secret()
                endpoint = WebhookEndpoint.objects.create(
                    integration=integration, url=webhook_url, secret=secret
                )
    except IntegrityError:
        # Another process created the same name between the check and the insert.
        raise CredentialsError(f"An integration named {name!r} already exists.") from None
    return NewIntegration(integration, token, plaintext, endpoint, secret)


def clean_webhook_url(url: str) -> str:
    """`url` stripped, or CredentialsError saying why Proofdesk will not post webhooks there
    (`integration_create` and `endpoint_create` both ask; the desk's forms ask it too, to put
    the message next to the field)."""
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise CredentialsError(f"{url!r} is not an http(s) URL.") from None
    try:
        check_webhook_url(url)
    except UnsafeWebhookUrl as exc:
        raise CredentialsError(str(exc)) from None
    return url


@sensitive_variables("secret")
def endpoint_create(
    *,
    integration: Integration,
    url: str,
    event_types: Iterable[str] = (),
    actor: User | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Another webhook endpoint for `integration` (no event types: every event). The signing
    secret is returned once; the audit event names the URL, never the secret."""
    url = clean_webhook_url(url)
    asked = set(event_types)
    unknown = sorted(asked - set(EventType.values))
    chosen = [t for t in EventType.values if t in asked]  # in the order the desk lists them
    if unknown:
        raise CredentialsError(
            f"Unknown event type {', '.join(unknown)}; choose from {', '.join(EventType.values)}."
        )
    secret = generate_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            integration=integration, url=url, secret=secret, event_types=chosen
        )
        audit_record(
            actor=actor,
            action="webhook.endpoint_created",
            obj=endpoint,
            details={"integration": integration.name, "url": url, "event_types": chosen},
        )
    return endpoint, secret
