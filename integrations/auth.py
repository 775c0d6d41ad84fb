"""Bearer-token authentication for the CMS API: `Authorization: Bearer pd_…`, looked up by its
sha256, refused when unknown, revoked, expired or its integration is disabled, and checked
for the scope the endpoint needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from integrations.models import ApiToken
from integrations.tokens import TOKEN_PREFIX, token_sha256

# `last_used_at` is for people ("is this token still used?"): minute precision is plenty, and
# a write on every request would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)
REALM = "proofdesk"


class TokenRejected(AuthenticationError):
    """401 with what is wrong with the token (RFC 6750 `invalid_token`)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


class ScopeMissing(AuthorizationError):
    """403: the token is fine but lacks the scope (RFC 6750 `insufficient_scope`)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(status_code=403, message=f"This token lacks the '{scope}' scope.")


class BearerToken(HttpBearer):
    """One instance per scope: `auth=BearerToken("assets:read")`."""

    openapi_bearerFormat = "opaque, starts with pd_"
    openapi_description = (
        "A per-integration API token, sent as `Authorization: Bearer pd_…`. Tokens are shown "
        "once when made (`manage.py create_integration`), carry scopes (`assets:read`, "
        "`assets:publish`, `assets:read-uncleared`) and can be revoked or expire."
    )

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = str(scope)  # a plain string, also when given a TokenScope member

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = None
        # Anything without our prefix cannot be one of our tokens: no query for it.
        if token.startswith(TOKEN_PREFIX):
            found = (
                ApiToken.objects.select_related("integration")
                .filter(token_sha256=token_sha256(token))
                .first()
            )
        now = timezone.now()
        if found is None:
            raise TokenRejected("The token is not known.")
        if found.revoked_at is not None:
            raise TokenRejected("The token was revoked.")
        if found.expires_at is not None and found.expires_at <= now:
            raise TokenRejected("The token has expired.")
        if not found.integration.active:
            raise TokenRejected("The token's integration is disabled.")
        if self.scope not in found.scopes:
            raise ScopeMissing(self.scope)
        _touch(found, now)
        return found


def _touch(token: ApiToken, now: datetime) -> None:
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    # Conditional, so that processes serving the same token at once write it once per minute.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    token.last_used_at = now


def request_token(request: HttpRequest) -> ApiToken:
    """The token `BearerToken` authenticated this request with."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        raise AuthenticationError()
    return token
