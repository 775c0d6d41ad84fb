"""The webhook admin pages: integrations and endpoints, the delivery log with its filters, one
delivery's attempts, rotating a secret, enabling an endpoint, redelivering. For each: the
allowed case (standards editor and administrator with `integrations.manage_integrations`),
403 for the other roles, 405 for the wrong method, and the rows the change writes."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from integrations.models import Delivery, DeliveryAttempt, DeliveryStatus, EventType
from integrations.outbox import outbox_emit
from integrations.tokens import token_create
from tests.conftest import client_for
from tests.integrations.conftest import Answer

pytestmark = pytest.mark.django_db


def emit(asset, type=EventType.ASSET_CLEARED):
    with transaction.atomic():
        return outbox_emit(type=type, asset=asset, data={})


@pytest.fixture
def log(make_asset, webhook_endpoint):
    """Three deliveries on the endpoint: succeeded, retrying (a 500), pending."""
    done, failing, waiting = make_asset(), make_asset(), make_asset()
    for asset in (done, failing):
        emit(asset)
    emit(waiting, EventType.CONSENT_REVOKED)
    deliveries = {d.event.asset_id: d for d in Delivery.objects.select_related("event")}
    Delivery.objects.filter(pk=deliveries[done.pk].pk).update(
        status=DeliveryStatus.SUCCEEDED, attempts=1, last_status_code=204, last_latency_ms=12.4
    )
    Delivery.objects.filter(pk=deliveries[failing.pk].pk).update(
        status=DeliveryStatus.RETRYING, attempts=2, last_status_code=500, last_response="oops"
    )
    return {
        "done": deliveries[done.pk],
        "failing": deliveries[failing.pk],
        "waiting": deliveries[waiting.pk],
    }


URLS = {
    "list": lambda endpoint, delivery: reverse("integrations:list"),
    "endpoint": lambda endpoint, delivery: reverse("integrations:endpoint", args=[endpoint.pk]),
    "delivery": lambda endpoint, delivery: reverse("integrations:delivery", args=[delivery.pk]),
}
POSTS = {
    "rotate": lambda endpoint, delivery: reverse(
        "integrations:endpoint_rotate", args=[endpoint.pk]
    ),
    "enable": lambda endpoint, delivery: reverse(
        "integrations:endpoint_enable", args=[endpoint.pk]
    ),
    "redeliver": lambda endpoint, delivery: reverse("integrations:redeliver", args=[delivery.pk]),
}


@pytest.mark.parametrize("page", URLS)
def test_pages_open_for_standards_and_admin(
    page, log, webhook_endpoint, manager_client, integrations_admin
):
    url = URLS[page](webhook_endpoint, log["failing"])
    assert manager_client.get(url).status_code == 200
    assert client_for(integrations_admin).get(url).status_code == 200


@pytest.mark.parametrize("page", [*URLS, *POSTS])
@pytest.mark.parametrize("persona", ["editor", "reporter", "legal"])
def test_other_roles_get_403(page, persona, request, log, webhook_endpoint):
    client = client_for(request.getfixturevalue(persona))
    url = {**URLS, **POSTS}[page](webhook_endpoint, log["failing"])
    response = client.post(url) if page in POSTS else client.get(url)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="webhook.").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("integrations:list"))
    assert response.status_code == 302 and "/login/" in response["location"]


@pytest.mark.parametrize("page", URLS)
def test_pages_refuse_post(page, log, webhook_endpoint, manager_client):
    assert manager_client.post(URLS[page](webhook_endpoint, log["done"])).status_code == 405


@pytest.mark.parametrize("action", POSTS)
def test_actions_refuse_get(action, log, webhook_endpoint, manager_client):
    assert manager_client.get(POSTS[action](webhook_endpoint, log["done"])).status_code == 405


def test_unknown_objects_are_404(manager_client):
    assert manager_client.get(reverse("integrations:endpoint", args=[999])).status_code == 404
    assert manager_client.post(reverse("integrations:redeliver", args=[999])).status_code == 404


def test_the_list_shows_integrations_endpoints_and_counts(log, webhook_endpoint, manager_client):
    body = manager_client.get(reverse("integrations:list")).content.decode()
    assert "main-cms" in body
    assert webhook_endpoint.url in body
    assert 'data-status="retrying">Retrying</span> 1' in body
    assert webhook_endpoint.secret not in body


def test_the_log_shows_each_delivery_with_its_outcome(log, webhook_endpoint, manager_client):
    response = manager_client.get(reverse("integrations:endpoint", args=[webhook_endpoint.pk]))
    body = response.content.decode()
    for delivery in log.values():
        assert delivery.event.event_id in body
    assert "12 ms" in body and "oops" in body
    assert body.count(">Redeliver</button>") == 3
    assert webhook_endpoint.secret not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "retrying"}, {"failing"}),
        ({"type": "consent.revoked"}, {"waiting"}),
        ({"status": "succeeded", "type": "asset.cleared"}, {"done"}),
        ({"asset": "ASSET"}, {"done"}),
        ({"status": "bogus"}, {"done", "failing", "waiting"}),  # ignored, with a warning
    ],
)
def test_the_log_filters(query, expected, log, webhook_endpoint, manager_client):
    if query.get("asset") == "ASSET":
        query = {"asset": str(log["done"].event.asset_id)}
    response = manager_client.get(
        reverse("integrations:endpoint", args=[webhook_endpoint.pk]), query
    )
    body = response.content.decode()
    shown = {name for name, d in log.items() if d.event.event_id in body}
    assert shown == expected


def test_list_and_log_queries_do_not_grow(
    make_asset, make_webhook_endpoint, webhook_endpoint, manager_client, django_assert_num_queries
):
    def count_queries(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(url).status_code == 200
        return len(queries)

    list_url = reverse("integrations:list")
    log_url = reverse("integrations:endpoint", args=[webhook_endpoint.pk])
    emit(make_asset())
    small = count_queries(list_url), count_queries(log_url)
    for n in range(3):
        endpoint = make_webhook_endpoint(f"http://127.0.0.1:9/{n}")
        token_create(integration=endpoint.integration, scopes=["assets:read"])
    for _ in range(20):
        emit(make_asset())
    # Session, user, roles with permissions (one), the overdue takedowns behind the standards
    # desk's banner; then for the list: integrations, their endpoints, their tokens, counts per
    # endpoint and status; for the log: endpoint, counts, page count, the page.
    with django_assert_num_queries(small[0]):
        manager_client.get(list_url)
    with django_assert_num_queries(small[1]):
        manager_client.get(log_url)
    assert small == (8, 8)


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_valid(
    webhook_endpoint, manager_client, integrations_manager
):
    old = webhook_endpoint.secret
    response = manager_client.post(
        reverse("integrations:endpoint_rotate", args=[webhook_endpoint.pk]), {"overlap_hours": 6}
    )
    assert response.status_code == 200
    assert "no-store" in response["cache-control"]
    webhook_endpoint.refresh_from_db()
    assert webhook_endpoint.secret != old
    assert webhook_endpoint.previous_secret == old
    assert webhook_endpoint.previous_secret_expires_at is not None
    body = response.content.decode()
    assert webhook_endpoint.secret in body
    assert old not in body
    event = AuditEvent.objects.get(action="webhook.secret_rotated")
    assert event.actor == integrations_manager and event.details["overlap_hours"] == 6
    # The next visit does not show it again.
    page = manager_client.get(reverse("integrations:endpoint", args=[webhook_endpoint.pk]))
    assert webhook_endpoint.secret not in page.content.decode()


def test_rotating_with_a_bad_overlap_changes_nothing(webhook_endpoint, manager_client):
    old = webhook_endpoint.secret
    response = manager_client.post(
        reverse("integrations:endpoint_rotate", args=[webhook_endpoint.pk]),
        {"overlap_hours": 10_000},
    )
    assert response.status_code == 400
    webhook_endpoint.refresh_from_db()
    assert webhook_endpoint.secret == old
    assert not AuditEvent.objects.filter(action="webhook.secret_rotated").exists()


def test_enabling_a_disabled_endpoint_resends_what_it_held(
    log, webhook_endpoint, webhook_server, manager_client, django_capture_on_commit_callbacks
):
    webhook_endpoint.active = False
    webhook_endpoint.disabled_reason = "Answered 410 Gone"
    webhook_endpoint.save()
    Delivery.objects.filter(pk=log["waiting"].pk).update(status=DeliveryStatus.DISABLED)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("integrations:endpoint_enable", args=[webhook_endpoint.pk]),
            {"resend_held": "on"},
        )
    assert response.status_code == 302
    webhook_endpoint.refresh_from_db()
    assert webhook_endpoint.active and webhook_endpoint.disabled_reason == ""
    assert Delivery.objects.get(pk=log["waiting"].pk).status == DeliveryStatus.SUCCEEDED
    assert len(webhook_server.requests) == 1
    event = AuditEvent.objects.get(action="webhook.endpoint_enabled")
    assert event.details["resent"] == 1


def test_enabling_an_active_endpoint_says_so(webhook_endpoint, manager_client):
    response = manager_client.post(
        reverse("integrations:endpoint_enable", args=[webhook_endpoint.pk]), follow=True
    )
    assert "already active" in response.content.decode()
    assert not AuditEvent.objects.filter(action="webhook.endpoint_enabled").exists()


def test_redeliver_writes_a_manual_attempt(
    log, webhook_endpoint, webhook_server, manager_client, django_capture_on_commit_callbacks
):
    webhook_server.answer(Answer(202, b"accepted"))
    delivery = log["failing"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("integrations:redeliver", args=[delivery.pk]),
            {"next": reverse("integrations:endpoint", args=[webhook_endpoint.pk])},
        )
    assert response.status_code == 302
    assert response["location"] == reverse("integrations:endpoint", args=[webhook_endpoint.pk])
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.manual, attempt.status_code) == (3, True, 202)
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED
    assert AuditEvent.objects.filter(action="webhook.redelivery_requested").count() == 1


def test_redeliver_never_redirects_off_site(
    log, manager_client, django_capture_on_commit_callbacks
):
    delivery = log["done"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("integrations:redeliver", args=[delivery.pk]),
            {"next": "https://evil.example/"},
        )
    assert response["location"] == reverse("integrations:delivery", args=[delivery.pk])


def test_the_delivery_page_lists_attempts_and_payload(
    log, webhook_endpoint, webhook_server, manager_client
):
    from integrations.tasks import deliver

    webhook_server.answer(Answer(500, b"first try failed"))
    delivery = log["waiting"]
    deliver(delivery.pk)
    body = manager_client.get(reverse("integrations:delivery", args=[delivery.pk])).content
    text = body.decode()
    assert "first try failed" in text
    assert delivery.event.event_id in text
    assert "&quot;consent.revoked&quot;" in text  # the payload, as JSON
