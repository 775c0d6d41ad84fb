"""Revoking an API token without Python: the button on the integrations page (standards
editors and administrators, POST only, audited) and `manage.py revoke_token`. Either way the
token then gets 401 from the API, and the row stays on record."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from integrations.models import ApiToken, TokenScope
from integrations.tokens import token_create, token_revoke
from tests.conftest import client_for
from tests.integrations.api_helpers import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_token(cms) -> tuple[ApiToken, str]:
    token, plaintext = token_create(integration=cms, scopes=TokenScope.values)
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 200
    return token, plaintext


def revoke_url(token: ApiToken) -> str:
    return reverse("integrations:token_revoke", args=[token.pk])


def assert_refused_by_the_api(plaintext: str) -> None:
    response = ApiClient(plaintext).get("/api/v1/assets")
    problem = assert_problem(response, 401, "unauthenticated")
    assert problem["detail"] == "The token was revoked."


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_tokens_with_a_revoke_button(cms, live_token, manager_client):
    token, plaintext = live_token
    old, _ = token_create(integration=cms, scopes=[TokenScope.READ])
    token_revoke(token_id=old.pk)
    expired, _ = token_create(
        integration=cms, scopes=[TokenScope.READ], expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    body = manager_client.get(reverse("integrations:list")).content.decode()
    assert f"<code>{token.prefix}…</code>" in body
    assert plaintext not in body and token.token_sha256 not in body
    assert 'data-token-state="active"' in body
    assert 'data-token-state="revoked"' in body
    assert 'data-token-state="expired"' in body
    # A button for the active and the expired token; none for the revoked one.
    assert f'action="{revoke_url(token)}"' in body
    assert f'action="{revoke_url(expired)}"' in body
    assert f'action="{revoke_url(old)}"' not in body


@pytest.mark.parametrize("persona", ["integrations_manager", "integrations_admin"])
def test_standards_and_admins_revoke_a_token(persona, request, live_token):
    user = request.getfixturevalue(persona)
    token, plaintext = live_token

    response = client_for(user).post(revoke_url(token), follow=True)

    assert response.redirect_chain == [(reverse("integrations:list"), 302)]
    assert f"Token {token.prefix}… of Main CMS revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="integration.token_revoked")
    assert event.actor == user
    assert event.details == {"token_id": token.pk, "prefix": token.prefix}
    assert_refused_by_the_api(plaintext)


def test_revoking_twice_says_so_and_audits_once(live_token, manager_client):
    token, _ = live_token
    manager_client.post(revoke_url(token))
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    response = manager_client.post(revoke_url(token), follow=True)

    assert "was already revoked" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="integration.token_revoked").count() == 1


@pytest.mark.parametrize("persona", ["editor", "reporter", "legal", "outsider"])
def test_other_roles_get_403(persona, request, live_token):
    token, plaintext = live_token
    response = client_for(request.getfixturevalue(persona)).post(revoke_url(token))
    assert response.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="integration.token_revoked").exists()
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 200


def test_get_is_405_and_changes_nothing(live_token, manager_client):
    token, _ = live_token
    assert manager_client.get(revoke_url(token)).status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(live_token, client):
    token, _ = live_token
    response = client.post(revoke_url(token))
    assert response.status_code == 302 and "/login/" in response["location"]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_an_unknown_token_is_404(manager_client):
    assert manager_client.post(reverse("integrations:token_revoke", args=[999])).status_code == 404


# --- the command ---------------------------------------------------------------------------


def revoke(*args: str) -> str:
    out = StringIO()
    call_command("revoke_token", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("how", ["prefix", "token", "id"])
def test_the_command_revokes_by_prefix_token_or_id(how, live_token):
    token, plaintext = live_token
    args = {"prefix": [token.prefix], "token": [plaintext], "id": ["--id", str(token.pk)]}[how]

    output = revoke(*args)

    assert f"Revoked token {token.prefix}… (id {token.pk}) of Main CMS" in output
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="integration.token_revoked")
    assert event.actor is None  # from the console
    assert_refused_by_the_api(plaintext)


def test_the_command_says_when_a_token_was_already_revoked(live_token):
    token, _ = live_token
    revoke(token.prefix)
    assert "was already revoked" in revoke(token.prefix)
    assert AuditEvent.objects.filter(action="integration.token_revoked").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pd_nothere"], "No token starts with 'pd_nothere'"),
        (["pd_" + "x" * 40], "No token is known by that value"),
        (["secret"], "Tokens start with 'pd_'"),
        (["--id", "999"], "no token with id 999"),
    ],
)
def test_the_command_refuses_what_it_cannot_find(args, message, live_token):
    with pytest.raises(CommandError, match=message):
        revoke(*args)
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_the_command_refuses_a_prefix_two_tokens_share(cms, live_token):
    token, _ = live_token
    other, _ = token_create(integration=cms, scopes=[TokenScope.READ])
    ApiToken.objects.filter(pk=other.pk).update(prefix=token.prefix)
    with pytest.raises(CommandError, match=f"ids {token.pk} .*, {other.pk} "):
        revoke(token.prefix)
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
    revoke("--id", str(other.pk))
    assert ApiToken.objects.get(pk=other.pk).revoked_at is not None


def test_the_command_needs_one_way_to_name_the_token():
    with pytest.raises(CommandError):
        revoke()
