"""API tokens and `create_integration`: a token is shown once and stored as its sha256 with a
prefix to tell it apart; scopes are checked; revocation keeps the row."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from integrations.models import ApiToken, Integration, TokenScope, WebhookEndpoint
from integrations.tokens import CredentialsError, token_create, token_revoke
from tests.integrations.api_helpers import ApiClient

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_as_its_hash_and_prefix(cms, editor):
    token, plaintext = token_create(integration=cms, scopes=[TokenScope.READ], actor=editor)
    assert plaintext.startswith("pd_") and len(plaintext) > 40
    token.refresh_from_db()
    assert token.token_sha256 == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:11]
    assert token.scopes == ["assets:read"]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in json.dumps(stored, default=str)
    event = AuditEvent.objects.get(action="integration.token_created")
    assert event.actor_name == editor.username
    assert plaintext not in json.dumps(event.details)


def test_two_tokens_differ(cms):
    assert (
        token_create(integration=cms, scopes=["assets:read"])[1]
        != (token_create(integration=cms, scopes=["assets:read"])[1])
    )


@pytest.mark.parametrize(
    ("scopes", "message"),
    [([], "at least one scope"), (["assets:write"], "Unknown scope assets:write")],
)
def test_scopes_are_checked(cms, scopes, message):
    with pytest.raises(CredentialsError, match=message):
        token_create(integration=cms, scopes=scopes)
    assert not ApiToken.objects.exists()


def test_an_expiry_must_be_in_the_future(cms):
    with pytest.raises(CredentialsError, match="future"):
        token_create(integration=cms, scopes=["assets:read"], expires_at=timezone.now())


def test_revoking_keeps_the_row_and_the_first_time(cms):
    token, plaintext = token_create(integration=cms, scopes=["assets:read"])
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 200
    revoked, newly = token_revoke(token_id=token.pk)
    assert newly
    first = revoked.revoked_at
    assert first is not None
    again, newly_again = token_revoke(token_id=token.pk)
    assert again.revoked_at == first and not newly_again
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditEvent.objects.filter(action="integration.token_revoked").count() == 1
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 401


# --- create_integration -------------------------------------------------------------------


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("create_integration", *args, stdout=out)
    return out.getvalue()


def test_create_integration_prints_token_and_secret_as_json():
    output = json.loads(run("Main CMS", "--webhook-url", "https://127.0.0.1:9443/hooks", "--json"))
    assert set(output) == {"token", "webhook_secret"}
    integration = Integration.objects.get(name="Main CMS")
    token = ApiToken.objects.get(integration=integration)
    assert token.token_sha256 == hashlib.sha256(output["token"].encode()).hexdigest()
    assert sorted(token.scopes) == ["assets:publish", "assets:read"]
    endpoint = WebhookEndpoint.objects.get(integration=integration)
    assert endpoint.url == "https://127.0.0.1:9443/hooks"
    assert endpoint.secret == output["webhook_secret"]
    assert output["webhook_secret"].startswith("whsec_")
    assert len(base64.b64decode(output["webhook_secret"].removeprefix("whsec_"))) == 32
    # The token works at once.
    assert ApiClient(output["token"]).get("/api/v1/assets").status_code == 200


def test_without_a_webhook_url_there_is_no_secret_nor_endpoint():
    output = json.loads(run("Reader", "--scopes", "assets:read", "--json"))
    assert set(output) == {"token", "webhook_secret"}
    assert output["webhook_secret"] is None
    assert ApiClient(output["token"]).get("/api/v1/assets").status_code == 200
    assert not WebhookEndpoint.objects.exists()
    assert ApiToken.objects.get().scopes == ["assets:read"]


def test_without_json_it_prints_a_message_for_people():
    output = run("Main CMS", "--webhook-url", "https://127.0.0.1:9443/hooks")
    token = next(word for word in output.split() if word.startswith("pd_"))
    assert ApiToken.objects.get().token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert "shown only now" in output
    assert "whsec_" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Main CMS"], "already exists"),
        (["Other", "--scopes", "assets:read,assets:delete"], "Unknown scope"),
        (["Other", "--webhook-url", "ftp://cms.example"], "not an http"),
        (["  "], "needs a name"),
    ],
)
def test_refusals_are_command_errors_that_make_nothing(args, message):
    run("Main CMS")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Integration.objects.count() == 1
    assert ApiToken.objects.count() == 1
