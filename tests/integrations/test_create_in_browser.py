"""Making an integration, another API token or another webhook endpoint from the integrations
page (standards editors and administrators): the forms, their errors next to the fields, the
rows and audit events each writes, and the secrets shown once, in the answer to the POST only
(no-store, never in a redirect, the session or a log; posting the same form again makes nothing
and shows nothing)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from integrations.models import (
    DEFAULT_SCOPES,
    ApiToken,
    EventType,
    Integration,
    TokenScope,
    WebhookEndpoint,
)
from integrations.tokens import token_sha256
from tests.conftest import client_for
from tests.integrations.api_helpers import ApiClient

pytestmark = pytest.mark.django_db

CREATE = reverse("integrations:create")
ONCE = "7b0d5c5e-3f1e-4a53-9a57-0f2f1c3d4e5f"


def token_url(integration: Integration) -> str:
    return reverse("integrations:token_create", args=[integration.pk])


def endpoint_url(integration: Integration) -> str:
    return reverse("integrations:endpoint_create", args=[integration.pk])


def shown_secret(body: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}" value="([^"]+)"', body)
    assert match, f"no {field_id} on the page"
    return match.group(1)


def new_integration(client, **data) -> Any:
    return client.post(
        CREATE, {"once": ONCE, "name": "Main CMS", "scopes": list(DEFAULT_SCOPES), **data}
    )


# --- who may ----------------------------------------------------------------------------------


def all_pages(integration: Integration) -> list[str]:
    return [CREATE, token_url(integration), endpoint_url(integration)]


def test_standards_and_admins_open_the_forms(cms, manager_client, integrations_admin):
    for client in (manager_client, client_for(integrations_admin)):
        for url in all_pages(cms):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response["cache-control"]


@pytest.mark.parametrize("persona", ["editor", "reporter", "legal"])
def test_other_roles_get_403_and_make_nothing(persona, request, cms):
    client = client_for(request.getfixturevalue(persona))
    for url in all_pages(cms):
        assert client.get(url).status_code == 403
        response = client.post(
            url,
            {"once": ONCE, "name": "Sneaky", "url": "http://127.0.0.1:9/", "scopes": "assets:read"},
        )
        assert response.status_code == 403
    assert list(Integration.objects.values_list("name", flat=True)) == ["Main CMS"]
    assert not ApiToken.objects.exists() and not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(cms, client):
    for url in all_pages(cms):
        for response in (client.get(url), client.post(url, {"once": ONCE, "name": "x"})):
            assert response.status_code == 302 and "/login/" in response["location"]
    assert not ApiToken.objects.exists()


def test_other_methods_are_405(cms, manager_client):
    for url in all_pages(cms):
        assert manager_client.put(url).status_code == 405
        assert manager_client.delete(url).status_code == 405


def test_an_unknown_integration_is_404(manager_client):
    assert manager_client.get(reverse("integrations:token_create", args=[999])).status_code == 404
    assert (
        manager_client.post(reverse("integrations:endpoint_create", args=[999])).status_code == 404
    )


def test_the_list_links_to_the_forms(cms, manager_client):
    body = manager_client.get(reverse("integrations:list")).content.decode()
    assert f'href="{CREATE}"' in body
    assert f'href="{token_url(cms)}"' in body
    assert f'href="{endpoint_url(cms)}"' in body
    assert "manage.py create_integration" not in body.split("<h1>")[1].split("</p>")[0]


# --- the integration form ---------------------------------------------------------------------


def test_the_form_ticks_the_default_scopes_and_explains_the_uncleared_one(manager_client):
    body = manager_client.get(CREATE).content.decode()
    for scope in TokenScope.values:
        checkbox = re.search(rf'<input type="checkbox" name="scopes" value="{scope}"[^>]*>', body)
        assert checkbox, scope
        assert ("checked" in checkbox.group(0)) == (scope in DEFAULT_SCOPES), scope
    assert "never cleared" in body
    assert "data-disable-on-submit" in body and "csrfmiddlewaretoken" in body
    assert re.search(r'name="once" value="[0-9a-f-]{36}"', body)


def test_creating_an_integration_shows_its_token_and_secret_once(
    manager_client, integrations_manager, caplog
):
    caplog.set_level(logging.DEBUG)
    response = new_integration(manager_client, webhook_url="http://127.0.0.1:9/hooks")

    assert response.status_code == 200
    assert "no-store" in response["cache-control"]
    assert not response.has_header("location")
    integration = Integration.objects.get(name="Main CMS")
    assert integration.created_by == integrations_manager
    token = ApiToken.objects.get(integration=integration)
    endpoint = WebhookEndpoint.objects.get(integration=integration)
    body = response.content.decode()
    plaintext = shown_secret(body, "token-secret")
    assert token_sha256(plaintext) == token.token_sha256
    assert sorted(token.scopes) == sorted(DEFAULT_SCOPES)
    assert shown_secret(body, "webhook-secret") == endpoint.secret
    assert endpoint.url == "http://127.0.0.1:9/hooks"
    assert 'data-copy="token-secret"' in body and 'data-copy="webhook-secret"' in body
    assert "you will not see them again" in body

    # Audited, by whom, and never with a secret in the record.
    events = AuditEvent.objects.filter(object_id=str(integration.pk)).order_by("seq")
    assert [e.action for e in events] == ["integration.created", "integration.token_created"]
    assert {e.actor for e in events} == {integrations_manager}
    stored = " ".join(str(e.details) for e in AuditEvent.objects.all())
    assert plaintext not in stored and endpoint.secret not in stored

    # Not in the session, not in any log line, not on the next page.
    session: SessionBase = manager_client.session
    assert plaintext not in str(dict(session.items()))
    assert endpoint.secret not in str(dict(session.items()))
    assert all(plaintext not in r.getMessage() for r in caplog.records)
    assert all(endpoint.secret not in r.getMessage() for r in caplog.records)
    listing = manager_client.get(reverse("integrations:list")).content.decode()
    assert plaintext not in listing and endpoint.secret not in listing
    assert token.prefix in listing

    # The token opens the API.
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 200


def test_without_a_webhook_url_there_is_no_endpoint_and_no_secret(manager_client):
    response = new_integration(manager_client, scopes=["assets:read"])
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="token-secret"' in body and 'id="webhook-secret"' not in body
    assert "you will not see it again" in body
    assert ApiToken.objects.get().scopes == ["assets:read"]
    assert not WebhookEndpoint.objects.exists()


def test_posting_the_same_form_again_makes_nothing_and_shows_no_secret(manager_client):
    first = new_integration(manager_client)
    plaintext = shown_secret(first.content.decode(), "token-secret")

    again = new_integration(manager_client)  # the reload that posts again, or the back button
    assert again.status_code == 409
    assert "no-store" in again["cache-control"]
    body = again.content.decode()
    assert plaintext not in body and 'id="token-secret"' not in body
    assert "already sent" in body
    assert ApiToken.objects.count() == 1 and Integration.objects.count() == 1
    assert AuditEvent.objects.filter(action="integration.created").count() == 1

    # A fresh form (a new `once`) may make another.
    other = manager_client.post(
        CREATE,
        {"once": "11111111-2222-4333-8444-555555555555", "name": "Apps", "scopes": "assets:read"},
    )
    assert other.status_code == 200 and Integration.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://10.1.2.3/hooks", "private address"),
        ("http://169.254.169.254/latest", "link-local address"),
        ("https://user:pw@cms.example/hooks", "no user name or password"),
        ("ftp://cms.example/hooks", "is not an http(s) URL"),
        ("not a url", "is not an http(s) URL"),
    ],
)
def test_a_refused_webhook_url_is_explained_next_to_the_field(url, message, manager_client):
    response = new_integration(manager_client, webhook_url=url)
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<p class="error" id="id_webhook_url_error">(.*?)</p>', body, re.S)
    assert error and message in error.group(1)
    assert 'class="error-summary"' in body and 'href="#id_webhook_url"' in body
    assert 'aria-describedby="id_webhook_url_helptext id_webhook_url_error"' in body
    assert f'value="{url}"' in body.replace("&amp;", "&")  # kept, to be corrected
    assert not Integration.objects.exists() and not AuditEvent.objects.exists()


def test_a_taken_name_and_no_scope_are_explained_next_to_their_fields(cms, manager_client):
    response = manager_client.post(CREATE, {"once": ONCE, "name": "Main CMS"})
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'id="id_name_error">.*already exists', body)
    assert re.search(r'id="id_scopes_error">.*Choose at least one', body)
    assert 'href="#id_scopes_0"' in body
    assert Integration.objects.count() == 1 and not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused(manager_client):
    response = new_integration(manager_client, scopes=["assets:delete"])
    assert response.status_code == 400
    assert not Integration.objects.exists()


# --- another token ----------------------------------------------------------------------------


def test_adding_a_token_with_an_expiry(cms, manager_client, integrations_manager):
    day = timezone.localdate() + timedelta(days=30)
    response = manager_client.post(
        token_url(cms),
        {"once": ONCE, "scopes": ["assets:read", "assets:read-uncleared"], "expires_on": day},
    )
    assert response.status_code == 200
    assert "no-store" in response["cache-control"]
    body = response.content.decode()
    plaintext = shown_secret(body, "token-secret")
    token = ApiToken.objects.get(integration=cms)
    assert token.token_sha256 == token_sha256(plaintext)
    assert token.scopes == ["assets:read", "assets:read-uncleared"]
    end_of_day = datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )
    assert token.expires_at == end_of_day
    event = AuditEvent.objects.get(action="integration.token_created")
    assert event.actor == integrations_manager and event.details["token_id"] == token.pk
    assert plaintext not in str(event.details)
    assert ApiClient(plaintext).get("/api/v1/assets").status_code == 200

    again = manager_client.post(
        token_url(cms), {"once": ONCE, "scopes": ["assets:read"], "expires_on": day}
    )
    assert again.status_code == 409 and plaintext not in again.content.decode()
    assert ApiToken.objects.count() == 1


def test_a_token_without_expiry_works_until_revoked(cms, manager_client):
    response = manager_client.post(token_url(cms), {"once": ONCE, "scopes": "assets:read"})
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at is None
    assert "Works until it is revoked" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"scopes": "assets:read", "expires_on": "2001-01-01"}, "expires_on", "today or later"),
        ({"scopes": "assets:read", "expires_on": "soon"}, "expires_on", "year-month-day"),
        ({}, "scopes", "Choose at least one"),
    ],
)
def test_a_bad_token_form_is_explained_and_makes_nothing(cms, manager_client, data, field, message):
    response = manager_client.post(token_url(cms), {"once": ONCE, **data})
    assert response.status_code == 400
    assert re.search(rf'id="id_{field}_error">.*{message}', response.content.decode())
    assert not ApiToken.objects.exists() and not AuditEvent.objects.exists()


# --- another endpoint -------------------------------------------------------------------------


def test_adding_an_endpoint_for_some_events(cms, manager_client, integrations_manager):
    response = manager_client.post(
        endpoint_url(cms),
        {
            "once": ONCE,
            "url": "http://127.0.0.1:9/second",
            "event_types": [EventType.ASSET_CLEARED, EventType.CLEARANCE_REVOKED],
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["cache-control"]
    endpoint = WebhookEndpoint.objects.get(integration=cms)
    assert endpoint.url == "http://127.0.0.1:9/second"
    assert endpoint.event_types == ["asset.cleared", "asset.clearance_revoked"]
    body = response.content.decode()
    assert shown_secret(body, "webhook-secret") == endpoint.secret
    assert 'id="token-secret"' not in body
    event = AuditEvent.objects.get(action="webhook.endpoint_created")
    assert event.actor == integrations_manager and event.object_id == str(endpoint.pk)
    assert event.details["url"] == endpoint.url
    assert endpoint.secret not in str(event.details)
    page = manager_client.get(reverse("integrations:endpoint", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()

    again = manager_client.post(
        endpoint_url(cms), {"once": ONCE, "url": "http://127.0.0.1:9/second"}
    )
    assert again.status_code == 409 and endpoint.secret not in again.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_an_endpoint_with_no_event_ticked_gets_every_event(cms, manager_client):
    response = manager_client.post(endpoint_url(cms), {"once": ONCE, "url": "http://127.0.0.1:9/"})
    assert response.status_code == 200
    assert WebhookEndpoint.objects.get().event_types == []
    assert "every event" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "https://192.168.0.10/hooks"}, "private address"),
        ({"url": ""}, "Enter the address"),
        ({"url": "http://127.0.0.1:9/", "event_types": "asset.exploded"}, "valid choice"),
    ],
)
def test_a_bad_endpoint_form_is_explained_and_makes_nothing(cms, manager_client, data, message):
    response = manager_client.post(endpoint_url(cms), {"once": ONCE, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists() and not AuditEvent.objects.exists()
