"""Issue 13, item 5: webhook URLs that reach inside the newsroom's network are refused when the
endpoint is saved and again, on the address actually connected to, at delivery (DNS
rebinding); no credentials in URLs; https only outside development. Every request these tests
let through goes to a receiver on 127.0.0.1; the refused ones never leave the process."""

from __future__ import annotations

import socket
from unittest import mock

import pytest
from django.db import transaction

from integrations.delivery import delivery_attempt
from integrations.models import Delivery, EventType, Integration, WebhookEndpoint
from integrations.outbox import outbox_emit
from integrations.signing import generate_secret
from integrations.tokens import CredentialsError, integration_create
from integrations.webhook_urls import UnsafeWebhookUrl, check_webhook_url
from tests.integrations.conftest import Answer, webhook_server

__all__ = ["webhook_server"]

pytestmark = pytest.mark.django_db

REFUSED = [
    ("http://127.0.0.1:8000/hooks", "loopback"),
    ("https://localhost/hooks", "loopback"),
    ("https://app.localhost/hooks", "loopback"),
    ("https://[::1]/hooks", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://[::ffff:169.254.169.254]/", "link-local"),
    ("https://10.0.0.5/hooks", "private"),
    ("https://192.168.1.20/hooks", "private"),
    ("https://172.16.3.4/hooks", "private"),
    ("https://[fd00::1]/hooks", "private"),
    ("https://224.0.0.1/hooks", "multicast"),
    ("https://0.0.0.0/hooks", "unspecified"),
    ("https://user:secret@cms.example.org/hooks", "no user name or password"),
    ("ftp://cms.example.org/hooks", "https://"),
]


def public_dns(host, port, *args, **kwargs):
    """A resolver that answers every name with a public address, without the network."""
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_urls_into_the_newsrooms_network_are_refused(production, url, why):
    with mock.patch("socket.getaddrinfo", public_dns), pytest.raises(UnsafeWebhookUrl, match=why):
        check_webhook_url(url)


def test_plain_http_is_refused_outside_development(production):
    with (
        mock.patch("socket.getaddrinfo", public_dns),
        pytest.raises(UnsafeWebhookUrl, match="https only"),
    ):
        check_webhook_url("http://cms.example.org/hooks")


def test_a_public_https_url_is_accepted(production):
    with mock.patch("socket.getaddrinfo", public_dns):
        check_webhook_url("https://cms.example.org/proofdesk/hooks")


def test_a_name_that_resolves_inside_is_refused(production):
    def inside(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    with mock.patch("socket.getaddrinfo", inside), pytest.raises(UnsafeWebhookUrl, match="private"):
        check_webhook_url("https://cms.example.org/hooks")


def test_loopback_over_http_is_allowed_in_development_only(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    check_webhook_url("http://127.0.0.1:8000/hooks")
    with pytest.raises(UnsafeWebhookUrl, match="link-local"):
        check_webhook_url("http://169.254.169.254/")


@pytest.mark.parametrize(("url", "why"), REFUSED[:6] + REFUSED[-2:-1])
def test_an_integration_with_such_a_url_is_not_created(production, url, why):
    with mock.patch("socket.getaddrinfo", public_dns), pytest.raises(CredentialsError, match=why):
        integration_create(name="cms", webhook_url=url)
    assert not Integration.objects.exists() and not WebhookEndpoint.objects.exists()


def _delivery_to(url: str, asset) -> Delivery:
    integration = Integration.objects.create(name="cms")
    endpoint = WebhookEndpoint.objects.create(
        integration=integration, url=url, secret=generate_secret()
    )
    with transaction.atomic():
        event = outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={})
    return Delivery.objects.get(event=event, endpoint=endpoint)


def test_delivery_refuses_a_name_rebound_to_loopback(production, asset, webhook_server):
    """Saved while the name pointed outside; at delivery it points at this machine: the
    connection is refused before a byte is sent, and the failure says why."""
    webhook_server.answer(Answer(204))
    port = int(webhook_server.url.split(":")[2].split("/")[0])
    delivery = _delivery_to(f"http://rebound.example.org:{port}/hooks", asset)

    def rebound(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with mock.patch("socket.getaddrinfo", rebound):
        outcome = delivery_attempt(delivery.pk)
    assert outcome.status != "succeeded"
    assert webhook_server.requests == []
    delivery.refresh_from_db()
    assert "127.0.0.1 is a loopback address" in delivery.last_error


def test_delivery_to_loopback_works_where_it_is_allowed(asset, webhook_server):
    webhook_server.answer(Answer(204))
    delivery = _delivery_to(webhook_server.url, asset)
    assert delivery_attempt(delivery.pk).status == "succeeded"
    assert len(webhook_server.requests) == 1
