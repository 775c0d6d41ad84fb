"""examples/webhook_receiver.py remembers an event as processed only once it has been handled:
a failure while handling answers 500, Proofdesk retries, and the retry is handled; an event
handled once is acknowledged on every redelivery and never handled twice."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from examples.webhook_receiver import Receiver, make_handler
from integrations.models import DeliveryStatus
from integrations.tasks import deliver
from tests.integrations.test_delivery import new_delivery, reload, signed

pytestmark = pytest.mark.django_db

BODY = '{"data":{"asset_id":1,"sequence":1},"type":"asset.cleared"}'


class FlakyHandler:
    """Fails the first `failures` events it is given (a database down, a full queue), then
    keeps what it handles."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.calls = 0
        self.handled: list[str] = []

    def __call__(self, msg_id: str, event: dict[str, Any]) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the queue is unavailable")
        self.handled.append(msg_id)


def later(seconds: float) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False)


def test_a_failure_while_handling_is_a_500_and_the_retry_is_handled(webhook_endpoint):
    handler = FlakyHandler(failures=1)
    receiver = Receiver([webhook_endpoint.secret], handler=handler)

    status, text = receiver.handle(BODY.encode(), signed(webhook_endpoint, BODY, msg_id="msg_1"))
    assert (status, text) == (500, "handling failed: ConnectionError")
    assert "msg_1" not in receiver.processed

    # Proofdesk's retry: the same webhook-id, a fresh timestamp and signature.
    with later(5):
        retry = signed(webhook_endpoint, BODY, msg_id="msg_1")
        assert receiver.handle(BODY.encode(), retry) == (204, "")
    with later(10):
        again = signed(webhook_endpoint, BODY, msg_id="msg_1")
        assert receiver.handle(BODY.encode(), again) == (200, "duplicate: already processed")
    assert handler.handled == ["msg_1"]
    assert handler.calls == 2


def test_the_same_event_arriving_while_it_is_handled_is_not_handled_twice(webhook_endpoint):
    started, release = threading.Event(), threading.Event()
    handled: list[str] = []

    def slow(msg_id: str, event: dict[str, Any]) -> None:
        started.set()
        assert release.wait(timeout=10)
        handled.append(msg_id)

    receiver = Receiver([webhook_endpoint.secret], handler=slow)
    answers: list[tuple[int, str]] = []
    first = threading.Thread(
        target=lambda: answers.append(
            receiver.handle(BODY.encode(), signed(webhook_endpoint, BODY, msg_id="msg_2"))
        )
    )
    first.start()
    assert started.wait(timeout=10)
    with later(1):
        redelivery = signed(webhook_endpoint, BODY, msg_id="msg_2")
        assert receiver.handle(BODY.encode(), redelivery) == (409, "already being processed")
    release.set()
    first.join(timeout=10)
    assert answers == [(204, "")]
    assert handled == ["msg_2"]


def test_the_default_handler_failing_to_print_loses_nothing(webhook_endpoint, monkeypatch):
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stdout", closed)
    receiver = Receiver([webhook_endpoint.secret])  # prints each event as a JSON line
    headers = signed(webhook_endpoint, BODY, msg_id="msg_3")
    assert receiver.handle(BODY.encode(), headers) == (500, "handling failed: ValueError")

    printed = io.StringIO()
    monkeypatch.setattr("sys.stdout", printed)
    with later(5):
        retry = signed(webhook_endpoint, BODY, msg_id="msg_3")
        assert receiver.handle(BODY.encode(), retry) == (204, "")
    assert '"webhook_id": "msg_3"' in printed.getvalue()


@pytest.fixture
def flaky_receiver(webhook_endpoint) -> Iterator[FlakyHandler]:
    """The example receiver over HTTP, whose handling fails once."""
    handler = FlakyHandler(failures=1)
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(Receiver([webhook_endpoint.secret], handler=handler))
    )
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    webhook_endpoint.url = f"http://127.0.0.1:{httpd.server_port}/"
    webhook_endpoint.save()
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_proofdesk_retries_an_event_the_receiver_failed_to_handle(
    asset, webhook_endpoint, flaky_receiver
):
    delivery = new_delivery(asset)
    assert deliver(delivery.pk) == DeliveryStatus.RETRYING
    assert reload(delivery).last_status_code == 500
    assert flaky_receiver.handled == []

    with later(10):  # past the first backoff step (5 s ± 20 %)
        assert deliver(delivery.pk) == DeliveryStatus.SUCCEEDED
    assert reload(delivery).last_status_code == 204
    assert flaky_receiver.handled == [delivery.event.event_id]
