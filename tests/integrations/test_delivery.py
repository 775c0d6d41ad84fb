"""Delivering webhooks to a real HTTP server on 127.0.0.1: signed per Standard Webhooks (with
both secrets during a rotation), 2xx succeeds, failures retry on the schedule, 410 disables the
endpoint, a claim is taken once, the sweep requeues what is overdue, a manual redelivery always
goes out; and the example receiver rejects forged, stale and replayed requests."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from standardwebhooks import Webhook

from audit.models import AuditEvent
from examples.webhook_receiver import Receiver, make_handler
from integrations.delivery import delivery_attempt, delivery_claim, request_body, retry_delay
from integrations.endpoints import delivery_redeliver, endpoint_rotate_secret
from integrations.models import Delivery, DeliveryAttempt, DeliveryStatus, EventType
from integrations.outbox import outbox_emit
from integrations.tasks import deliver, queue_delivery, retry_due_deliveries
from tests.integrations.conftest import Answer

pytestmark = pytest.mark.django_db

SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000, 50400, 72000]


def new_delivery(asset, **data) -> Delivery:
    """An event and its delivery, committed as far as the test is concerned, not yet sent."""
    with transaction.atomic():
        event = outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data=data)
    return Delivery.objects.get(event=event)


def reload(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_related("endpoint").get(pk=delivery.pk)


def test_a_2xx_answer_delivers_the_signed_event(asset, webhook_endpoint, webhook_server):
    webhook_server.answer(Answer(200, b'{"ok": true}'))
    delivery = new_delivery(asset, signoff_id=3)
    before = timezone.now()

    assert deliver(delivery.pk) == "succeeded"

    [request] = webhook_server.requests
    event = delivery.event
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == event.event_id
    assert abs(int(request.headers["webhook-timestamp"]) - before.timestamp()) < 5
    assert request.headers["webhook-signature"].startswith("v1,")
    # The receiver's library accepts it and gets the payload back.
    assert Webhook(webhook_endpoint.secret).verify(request.body, request.headers) == event.payload
    assert request.body.decode() == request_body(event)

    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.number == 1 and not attempt.manual
    assert attempt.status_code == 200 and attempt.error == ""
    assert attempt.response_excerpt == '{"ok": true}'
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0


def assert_retrying_within(delivery: Delivery, seconds: float, since: dt.datetime) -> None:
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - since).total_seconds()
    assert seconds * 0.8 - 1 <= wait <= seconds * 1.2 + 1, wait


def test_a_500_is_retried_after_the_first_backoff_step(asset, webhook_endpoint, webhook_server):
    webhook_server.answer(Answer(500, b"database is down"))
    delivery = new_delivery(asset)
    before = timezone.now()

    assert deliver(delivery.pk) == "retrying"

    delivery = reload(delivery)
    assert_retrying_within(delivery, 5, before)
    assert delivery.last_status_code == 500
    assert delivery.last_response == "database is down"
    # The countdown task (run at once in-process here) found nothing due: one POST only.
    assert len(webhook_server.requests) == 1


def test_a_slow_receiver_times_out_and_is_retried(
    asset, webhook_endpoint, webhook_server, settings
):
    settings.WEBHOOK_READ_TIMEOUT = 0.2
    webhook_server.answer(Answer(204, delay=1.0))
    delivery = new_delivery(asset)
    before = timezone.now()

    assert deliver(delivery.pk) == "retrying"

    delivery = reload(delivery)
    assert_retrying_within(delivery, 5, before)
    assert delivery.last_status_code is None
    assert "ReadTimeout" in delivery.last_error
    attempt = DeliveryAttempt.objects.get()
    assert attempt.latency_ms is not None and attempt.latency_ms >= 200


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_receiver_that_is_down_is_retried(asset, make_webhook_endpoint):
    make_webhook_endpoint(f"http://127.0.0.1:{closed_port()}/")
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == "retrying"
    assert "ConnectionError" in reload(delivery).last_error


@pytest.mark.parametrize("status", [301, 400, 404, 429, 503])
def test_other_answers_are_retried_and_redirects_not_followed(
    asset, webhook_endpoint, webhook_server, status
):
    webhook_server.answer(Answer(status, headers={"location": "http://127.0.0.1:9/elsewhere"}))
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == "retrying"
    assert len(webhook_server.requests) == 1
    assert reload(delivery).last_status_code == status


def test_410_disables_the_endpoint_and_holds_its_open_deliveries(
    make_asset, webhook_endpoint, webhook_server, make_webhook_endpoint
):
    other_endpoint = make_webhook_endpoint(webhook_server.url)
    webhook_server.answer(Answer(410, b"gone"))
    events = []
    for _ in range(2):
        with transaction.atomic():
            events.append(outbox_emit(type=EventType.ASSET_CLEARED, asset=make_asset(), data={}))
    gone = Delivery.objects.get(event=events[0], endpoint=webhook_endpoint)
    held = Delivery.objects.get(event=events[1], endpoint=webhook_endpoint)
    to_other = Delivery.objects.get(event=events[1], endpoint=other_endpoint)

    assert deliver(gone.pk) == "disabled"

    webhook_endpoint.refresh_from_db()
    assert not webhook_endpoint.active
    assert "410" in webhook_endpoint.disabled_reason
    assert reload(gone).status == DeliveryStatus.DISABLED
    assert reload(held).status == DeliveryStatus.DISABLED
    assert reload(held).next_attempt_at is None
    # Another integration's endpoint carries on.
    assert reload(to_other).status == DeliveryStatus.PENDING
    assert AuditEvent.objects.filter(action="webhook.endpoint_disabled").count() == 1
    # A held delivery's queued message, if it still runs, sends nothing.
    assert deliver(held.pk) == "disabled"
    assert len(webhook_server.requests) == 1


def test_retry_delays_follow_the_schedule_with_jitter_then_give_up(settings):
    assert settings.WEBHOOK_RETRY_SCHEDULE == SCHEDULE
    for attempt, base in enumerate(SCHEDULE, start=1):
        for _ in range(20):
            delay = retry_delay(attempt)
            assert delay is not None and base * 0.8 <= delay <= base * 1.2
    assert retry_delay(len(SCHEDULE) + 1) is None
    # About three days between the first attempt and giving up.
    assert 2.5 <= sum(SCHEDULE) / 86400 <= 3


def test_a_delivery_fails_after_the_last_scheduled_attempt(
    asset, webhook_endpoint, webhook_server, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [60, 600]
    webhook_server.default = Answer(503)
    delivery = new_delivery(asset)
    start = timezone.now()
    with time_machine.travel(start, tick=True) as traveller:
        assert deliver(delivery.pk) == "retrying"
        traveller.shift(dt.timedelta(seconds=80))
        assert deliver(delivery.pk) == "retrying"
        traveller.shift(dt.timedelta(seconds=800))
        assert deliver(delivery.pk) == "failed"
    delivery = reload(delivery)
    assert delivery.next_attempt_at is None and delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("number", flat=True)) == [1, 2, 3]
    assert len(webhook_server.requests) == 3
    # The event stays in the outbox whatever happened to its delivery.
    assert delivery.event.pk


def test_an_attempt_is_claimed_once(asset, webhook_endpoint):
    delivery = new_delivery(asset)
    now = timezone.now()
    assert delivery_claim(delivery.pk, now=now, manual=False) == 1
    # A second worker with the same message (or the sweep's) finds it taken.
    assert delivery_claim(delivery.pk, now=now, manual=False) is None
    delivery = reload(delivery)
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > now


@pytest.mark.django_db(transaction=True)  # the other "worker" is a thread with its own connection
def test_two_workers_racing_send_one_request(asset, webhook_endpoint, webhook_server, monkeypatch):
    # This test commits: keep the in-process "broker" from delivering at the commit.
    monkeypatch.setattr("integrations.outbox.queue_delivery", lambda delivery_id: None)
    in_flight = threading.Event()
    webhook_server.answer(Answer(204, hold=in_flight))
    delivery = new_delivery(asset)

    # The first worker holds the claim while its POST is in flight; the second arrives then.
    def first_worker() -> None:
        try:
            delivery_attempt(delivery.pk)
        finally:
            connection.close()  # the thread's own connection, or the test database stays busy

    first = threading.Thread(target=first_worker)
    first.start()
    try:
        deadline = time.monotonic() + 10
        while not webhook_server.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert webhook_server.requests, "the first worker never sent its request"
        assert delivery_attempt(delivery.pk).status == DeliveryStatus.PENDING
    finally:
        in_flight.set()
        first.join(timeout=10)
    assert len(webhook_server.requests) == 1
    assert DeliveryAttempt.objects.count() == 1
    assert reload(delivery).status == DeliveryStatus.SUCCEEDED


def test_a_finished_delivery_is_not_sent_again_by_a_late_message(
    asset, webhook_endpoint, webhook_server
):
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == "succeeded"
    assert deliver(delivery.pk) == "succeeded"
    assert len(webhook_server.requests) == 1


def test_the_sweep_requeues_overdue_deliveries_only(
    make_asset, webhook_endpoint, webhook_server, settings
):
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 30
    lost = new_delivery(make_asset())  # its message never reached a worker
    retrying = new_delivery(make_asset())
    Delivery.objects.filter(pk=retrying.pk).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=timezone.now() + dt.timedelta(hours=2)
    )
    fresh_time = timezone.now() + dt.timedelta(seconds=50)

    with time_machine.travel(fresh_time, tick=False):
        fresh = new_delivery(make_asset())  # just queued: its own message is on its way
        assert retry_due_deliveries() == [lost.pk]
    assert reload(lost).status == DeliveryStatus.SUCCEEDED
    assert reload(retrying).status == DeliveryStatus.RETRYING
    assert reload(fresh).status == DeliveryStatus.PENDING

    with time_machine.travel(fresh_time + dt.timedelta(hours=3), tick=False):
        assert sorted(retry_due_deliveries()) == sorted([retrying.pk, fresh.pk])
    assert len(webhook_server.requests) == 3


def test_the_sweep_runs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retry-due-deliveries"]
    assert entry == {"task": retry_due_deliveries.name, "schedule": 60.0}


def test_a_broker_that_is_down_does_not_break_the_commit(asset, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver, "apply_async", refuse)
    queue_delivery(42)
    assert "the sweep will retry it" in caplog.text


# --- secret rotation ------------------------------------------------------------------------


def test_during_a_rotation_both_secrets_sign_and_each_verifies(
    asset, webhook_endpoint, webhook_server, standards
):
    old_secret = webhook_endpoint.secret
    rotation = endpoint_rotate_secret(
        endpoint_id=webhook_endpoint.pk, actor=standards, overlap_hours=24
    )
    assert rotation.secret != old_secret and rotation.secret.startswith("whsec_")
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == "succeeded"

    [request] = webhook_server.requests
    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    for secret in (old_secret, rotation.secret):
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "asset.cleared"
    audit = AuditEvent.objects.get(action="webhook.secret_rotated")
    assert old_secret not in json.dumps(audit.details)
    assert rotation.secret not in json.dumps(audit.details)


def test_after_the_overlap_only_the_new_secret_signs(
    asset, webhook_endpoint, webhook_server, standards
):
    rotation = endpoint_rotate_secret(
        endpoint_id=webhook_endpoint.pk, actor=standards, overlap_hours=1
    )
    delivery = new_delivery(asset)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1), tick=True):
        assert deliver(delivery.pk) == "succeeded"
        [request] = webhook_server.requests
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        Webhook(rotation.secret).verify(request.body, request.headers)


def test_a_leaked_secret_can_be_dropped_at_once(asset, webhook_endpoint, standards):
    endpoint_rotate_secret(endpoint_id=webhook_endpoint.pk, actor=standards, overlap_hours=0)
    webhook_endpoint.refresh_from_db()
    assert webhook_endpoint.previous_secret == ""


# --- manual redelivery ----------------------------------------------------------------------


def test_a_failed_delivery_can_be_sent_again_by_hand(
    asset, webhook_endpoint, webhook_server, standards, django_capture_on_commit_callbacks
):
    delivery = new_delivery(asset)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=10, next_attempt_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery_id=delivery.pk, actor=standards)
    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.number, attempt.manual) == (11, True)
    assert AuditEvent.objects.filter(action="webhook.redelivery_requested").exists()


def test_a_held_delivery_goes_out_by_hand_but_the_endpoint_stays_disabled(
    asset, webhook_endpoint, webhook_server, standards, django_capture_on_commit_callbacks
):
    delivery = new_delivery(asset)
    webhook_endpoint.active = False
    webhook_endpoint.disabled_reason = "Answered 410"
    webhook_endpoint.save()
    assert deliver(delivery.pk) == "disabled"
    assert webhook_server.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery_id=delivery.pk, actor=standards)
    assert len(webhook_server.requests) == 1
    assert reload(delivery).status == DeliveryStatus.SUCCEEDED
    webhook_endpoint.refresh_from_db()
    assert not webhook_endpoint.active


def test_a_failing_manual_attempt_leaves_the_schedule_alone(
    asset, webhook_endpoint, webhook_server
):
    webhook_server.answer(Answer(500), Answer(500))
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == "retrying"
    planned = reload(delivery).next_attempt_at
    assert deliver(delivery.pk, manual=True) == "retrying"
    delivery = reload(delivery)
    assert delivery.next_attempt_at == planned
    assert delivery.attempts == 2
    assert list(delivery.attempt_log.values_list("manual", flat=True)) == [False, True]


def test_only_the_first_500_characters_of_an_answer_are_kept(
    asset, webhook_endpoint, webhook_server
):
    webhook_server.answer(Answer(500, b"x" * 100_000))
    delivery = new_delivery(asset)
    deliver(delivery.pk)
    assert reload(delivery).last_response == "x" * 500


# --- the example receiver --------------------------------------------------------------------


@pytest.fixture
def example_receiver(webhook_endpoint):
    """examples/webhook_receiver.py serving on a free port, with the endpoint's secret."""
    receiver = Receiver([webhook_endpoint.secret])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(receiver))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    webhook_endpoint.url = f"http://127.0.0.1:{httpd.server_port}/"
    webhook_endpoint.save()
    yield receiver
    httpd.shutdown()
    httpd.server_close()


def signed(endpoint, body: str, *, msg_id: str = "msg_test", at: dt.datetime | None = None):
    from integrations.signing import signature_headers, valid_secrets

    at = at or timezone.now()
    return signature_headers(
        msg_id=msg_id, timestamp=at, body=body, secrets=valid_secrets(endpoint, at)
    )


def test_the_example_receiver_accepts_what_proofdesk_sends(
    asset, webhook_endpoint, example_receiver, capsys
):
    delivery = new_delivery(asset, signoff_id=9)
    assert deliver(delivery.pk) == "succeeded"
    assert reload(delivery).last_status_code == 204
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["webhook_id"] == delivery.event.event_id
    assert printed["type"] == "asset.cleared"
    assert printed["data"]["signoff_id"] == 9


def test_the_example_receiver_rejects_a_forged_signature(webhook_endpoint, example_receiver):
    body = '{"type":"asset.cleared","data":{"asset_id":1}}'
    headers = signed(webhook_endpoint, body)
    forged = body.replace('"asset_id":1', '"asset_id":2')
    assert example_receiver.handle(forged.encode(), headers)[0] == 400
    wrong_key = Receiver(["whsec_" + "A" * 43])
    assert wrong_key.handle(body.encode(), headers)[0] == 400
    garbled = {**headers, "webhook-signature": "not-a-signature"}
    assert example_receiver.handle(body.encode(), garbled)[0] == 400
    assert example_receiver.handle(body.encode(), headers)[0] == 204


def test_the_example_receiver_rejects_a_replay(webhook_endpoint, example_receiver, capsys):
    body = '{"type":"asset.cleared","data":{"asset_id":1}}'
    headers = signed(webhook_endpoint, body, msg_id="msg_once")
    assert example_receiver.handle(body.encode(), headers) == (204, "")
    # The very same request again (captured and re-sent): refused.
    assert example_receiver.handle(body.encode(), headers) == (409, "replayed request")
    # Too old for the signature's tolerance: refused whoever sends it.
    old = signed(
        webhook_endpoint, body, msg_id="msg_old", at=timezone.now() - dt.timedelta(minutes=6)
    )
    assert example_receiver.handle(body.encode(), old)[0] == 400
    # The same event freshly signed (a retry, a redelivery): acknowledged, not processed twice.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        again = signed(webhook_endpoint, body, msg_id="msg_once")
        assert example_receiver.handle(body.encode(), again) == (
            200,
            "duplicate: already processed",
        )
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_the_example_receiver_verifies_with_either_secret_during_a_rotation(
    webhook_endpoint, standards
):
    old = webhook_endpoint.secret
    rotation = endpoint_rotate_secret(
        endpoint_id=webhook_endpoint.pk, actor=standards, overlap_hours=24
    )
    webhook_endpoint.refresh_from_db()
    body = '{"type":"asset.cleared","data":{}}'
    headers = signed(webhook_endpoint, body)
    assert Receiver([old]).handle(body.encode(), headers)[0] == 204
    assert Receiver([rotation.secret]).handle(body.encode(), headers)[0] == 204


def test_the_example_receiver_can_fail_on_purpose(webhook_endpoint):
    receiver = Receiver([webhook_endpoint.secret], fail_first=1)
    body = '{"type":"asset.cleared","data":{}}'
    assert receiver.handle(body.encode(), signed(webhook_endpoint, body))[0] == 500
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        assert receiver.handle(body.encode(), signed(webhook_endpoint, body))[0] == 204
