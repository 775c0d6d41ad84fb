"""Webhooks end to end: an event committed here leaves for the broker only after the commit, a
real Celery worker signs and POSTs it, and examples/webhook_receiver.py, running as its own
process with the endpoint's secret, verifies it and prints it. A receiver that answers 500
first gets the event again on the retry schedule."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from integrations.models import Delivery, DeliveryStatus, EventType, Integration, WebhookEndpoint
from integrations.outbox import outbox_emit
from integrations.signing import generate_secret
from integrations.tasks import deliver
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RECEIVER = Path(settings.BASE_DIR) / "examples" / "webhook_receiver.py"


@dataclass
class ReceiverProcess:
    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str]
    stderr_path: Path

    def events(self, timeout: float) -> Iterator[dict[str, Any]]:
        """Events the receiver printed (one JSON line each), as they come, until `timeout`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return
            if line.startswith("{"):
                yield json.loads(line)

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def start_receiver(tmp_path) -> Iterator[Any]:
    started: list[ReceiverProcess] = []

    def start(secret: str, *flags: str) -> ReceiverProcess:
        stderr_path = tmp_path / f"receiver-{len(started)}.log"
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(RECEIVER), "--secret", secret, "--port", "0", *flags],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                bufsize=1,
            )
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line.strip())

        threading.Thread(target=pump, daemon=True).start()
        try:
            first = lines.get(timeout=20)
        except queue.Empty:
            process.kill()
            pytest.fail(f"the example receiver did not start:\n{stderr_path.read_text()}")
        assert first.startswith("listening on http://127.0.0.1:"), first
        receiver = ReceiverProcess(process, first.removeprefix("listening on "), lines, stderr_path)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.process.terminate()
        receiver.process.wait(timeout=10)


def endpoint_for(url: str, secret: str) -> WebhookEndpoint:
    integration = Integration.objects.create(name=f"cms-{time.monotonic_ns()}")
    return WebhookEndpoint.objects.create(integration=integration, url=url, secret=secret)


def status_of(delivery: Delivery) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


def test_the_worker_delivers_a_committed_event_to_the_example_receiver(
    celery_worker, published, start_receiver, make_asset
):
    secret = generate_secret()
    receiver = start_receiver(secret)
    endpoint_for(receiver.url, secret)
    asset = make_asset()

    with transaction.atomic():
        event = outbox_emit(type=EventType.ASSET_CLEARED, asset=asset, data={"signoff_id": 5})
        assert published == []  # nothing leaves before the commit
    [message] = published
    assert message.task == deliver.name
    assert not message.in_atomic_block

    printed = next(receiver.events(timeout=30), None)
    assert printed is not None, (
        f"the receiver printed nothing;\nreceiver log:\n{receiver.log()}\n"
        f"worker log:\n{celery_worker.log_tail()}"
    )
    assert printed["webhook_id"] == event.event_id
    assert printed["type"] == "asset.cleared"
    assert printed["data"] == {"asset_id": asset.pk, "sequence": 1, "signoff_id": 5}
    delivery = Delivery.objects.get(event=event)
    wait_until(
        lambda: status_of(delivery) == DeliveryStatus.SUCCEEDED,
        what="the delivery to be recorded as succeeded",
        worker=celery_worker,
    )
    assert celery_worker.result(message.id) == DeliveryStatus.SUCCEEDED
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, 204)


def test_a_receiver_that_fails_first_gets_the_event_on_the_retry(
    celery_worker, published, start_receiver, make_asset
):
    secret = generate_secret()
    receiver = start_receiver(secret, "--fail-first", "1")
    endpoint_for(receiver.url, secret)
    asset = make_asset()

    with transaction.atomic():
        event = outbox_emit(type=EventType.CONSENT_REVOKED, asset=asset, data={"kind": "revoked"})
    delivery = Delivery.objects.get(event=event)

    # Retrying after the 500 (or already past it, if this process was slow to look).
    wait_until(
        lambda: delivery.attempt_log.exists(),
        what="the first attempt",
        worker=celery_worker,
    )
    first_attempt = delivery.attempt_log.order_by("number").first()
    assert first_attempt is not None and first_attempt.status_code == 500
    # The first retry is due about 5 s later (±20 %); the worker holds it as a countdown.
    printed = next(receiver.events(timeout=30), None)
    assert printed is not None, f"no retry arrived;\nworker log:\n{celery_worker.log_tail()}"
    assert printed["webhook_id"] == event.event_id
    wait_until(
        lambda: status_of(delivery) == DeliveryStatus.SUCCEEDED,
        what="the retry to be recorded as succeeded",
        worker=celery_worker,
    )
    codes = list(delivery.attempt_log.order_by("number").values_list("status_code", flat=True))
    assert codes == [500, 204]
    first, second = delivery.attempt_log.order_by("number")
    assert (second.started_at - first.started_at).total_seconds() >= 3.5
    assert next(receiver.events(timeout=1), None) is None  # printed once, not twice
