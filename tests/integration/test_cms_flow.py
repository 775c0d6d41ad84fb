"""The CMS side of the desk, end to end, as docs/cms-integration.md tells a CMS developer to do
it: `manage.py create_integration --json` makes the credentials, examples/webhook_receiver.py
(its own process) receives the webhooks a real Celery worker sends, and everything else goes
through the documented API over HTTP (the live server).

An editor approves an asset whose checklist is complete: the receiver gets `asset.cleared`; the
CMS fetches the clearance and the signed rendition, and reports the publication. The label is
edited: `asset.clearance_revoked` (and `asset.label_changed`). Then the receiver dies, the
asset is approved again, the delivery fails until the receiver is back and the periodic retry
task sends it. At the end every event has arrived exactly once, in sequence, verified.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from integrations.models import Delivery, DeliveryStatus, EventType, OutboxEvent
from integrations.tasks import retry_due_deliveries
from labeling.services import label_set, rendition_create
from review.models import Asset, AssetStatus
from tests.conftest import client_for
from tests.factories import jpeg_bytes
from tests.integration.conftest import TASK_TIMEOUT, Worker, _worker_database_url, wait_until
from tests.labeling.conftest import signing_keys
from tests.readiness import make_ready_for_signoff

__all__ = ["signing_keys"]

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MANAGE = Path(settings.BASE_DIR) / "manage.py"
RECEIVER = Path(settings.BASE_DIR) / "examples" / "webhook_receiver.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_integration(name: str, webhook_url: str) -> dict[str, Any]:
    """`manage.py create_integration NAME --webhook-url URL --json`, as an administrator runs
    it: another process, on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
        "DATABASE_URL": _worker_database_url(),
        "SECRET_KEY": "integration-test-not-secret",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(MANAGE),
            "create_integration",
            name,
            "--webhook-url",
            webhook_url,
            "--json",
        ],  # fmt: skip
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    output: dict[str, Any] = json.loads(done.stdout)
    return output


class ReceiverProcesses:
    """examples/webhook_receiver.py on one port, started, killed and started again; every
    event any run printed (it prints only what verified), in the order they arrived."""

    def __init__(self, *, secret: str, port: int, log_dir: Path) -> None:
        self.secret, self.port, self.log_dir = secret, port, log_dir
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.runs: list[subprocess.Popen[str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        stderr = (self.log_dir / f"receiver-{len(self.runs)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, str(RECEIVER), "--secret", self.secret, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            bufsize=1,
        )
        stderr.close()
        self.runs.append(process)
        ready = threading.Event()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("listening on "):
                    ready.set()
                elif line.startswith("{"):
                    with self.changed:
                        self.events.append(json.loads(line))
                        self.changed.notify_all()

        threading.Thread(target=pump, daemon=True).start()
        assert ready.wait(timeout=20), f"the receiver did not start:\n{self.log()}"

    def kill(self) -> None:
        """Down hard, as a crash would take it: no goodbye to anyone."""
        process = self.runs[-1]
        process.kill()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.runs:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)

    def wait_for(self, matches: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TASK_TIMEOUT
        with self.changed:
            while True:
                found = next((e for e in self.events if matches(e)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the receiver never got {what};\n{self.log()}")
                self.changed.wait(timeout=left)

    def event(self, type: str, asset: Asset) -> dict[str, Any]:
        return self.wait_for(
            lambda e: e["type"] == type and e["data"]["asset_id"] == asset.pk,
            f"{type} for asset {asset.pk}",
        )

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-2000:]
            for path in sorted(self.log_dir.glob("receiver-*.log"))
        )


@pytest.fixture
def receiver_processes(tmp_path) -> Iterator[Callable[..., ReceiverProcesses]]:
    made: list[ReceiverProcesses] = []

    def make(*, secret: str, port: int) -> ReceiverProcesses:
        made.append(ReceiverProcesses(secret=secret, port=port, log_dir=tmp_path))
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop_all()


class CmsApi:
    """What a CMS script holds: the base URL and the token; nothing but HTTP."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: str) -> Any:
        response = self.session.get(self.base_url + path, params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def publish(self, asset_id: int, *, cms_reference: str, public_url: str) -> Any:
        response = self.session.post(
            f"{self.base_url}/api/v1/assets/{asset_id}/publications",
            json={"cms_reference": cms_reference, "public_url": public_url},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()


def ready_asset(make_asset: Any, editor: Any) -> Asset:
    """An AI-generated picture with everything the checklist asks for: provenance checked, the
    creator's consent, a classification, the label and its signed rendition."""
    data = jpeg_bytes((30, 90, 160), size=(640, 480))
    asset: Asset = make_asset(file=ContentFile(data, name="generated.jpg"), story_ref="flood")
    make_ready_for_signoff(asset, source_type="trainedAlgorithmicMedia")
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    rendition_create(asset_id=asset.pk, actor=editor)
    return asset


def approve(client: Any, asset: Asset) -> None:
    response = client.post(reverse("review:asset_action", args=[asset.pk, "approve"]), follow=True)
    assert response.status_code == 200, response.content.decode()[-2000:]
    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED


def delivery_of(event: OutboxEvent) -> Delivery:
    return Delivery.objects.get(event=event)


def test_a_cms_follows_an_asset_and_loses_no_event(
    celery_worker: Worker, live_server, receiver_processes, signing_keys, make_asset, editor
):
    port = free_port()
    credentials = create_integration("Flow CMS", f"http://127.0.0.1:{port}/")
    assert credentials["token"].startswith("pd_")
    assert credentials["webhook_secret"].startswith("whsec_")
    receiver = receiver_processes(secret=credentials["webhook_secret"], port=port)
    receiver.start()
    cms = CmsApi(live_server.url, credentials["token"])
    desk = client_for(editor)

    # The editor approves: the CMS is told, reads the clearance, fetches the signed rendition
    # and reports where it published it.
    asset = ready_asset(make_asset, editor)
    approve(desk, asset)
    cleared = receiver.event(EventType.ASSET_CLEARED, asset)
    assert cleared["data"]["sequence"] == 1

    listed = cms.get("/api/v1/assets", story="flood")
    assert [item["id"] for item in listed["items"]] == [asset.pk]
    clearance = cms.get(f"/api/v1/assets/{asset.pk}")
    assert clearance["clearance"] == {"status": "cleared", "reasons": []}
    assert clearance["label"]["name"] == "AI-generated"
    rendition = clearance["rendition"]
    download = requests.get(rendition["download_url"], timeout=10)  # no token: the link signs
    assert download.status_code == 200, download.text
    assert hashlib.sha256(download.content).hexdigest() == rendition["sha256"]
    assert download.headers["Content-Type"] == rendition["media_type"]
    publication = cms.publish(
        asset.pk, cms_reference="article-77", public_url="https://news.example/77"
    )
    assert publication["asset_status"] == AssetStatus.PUBLISHED

    # The label is edited on the desk: the clearance is revoked, and the CMS hears of it.
    before_edit = timezone.now()
    response = desk.post(
        reverse("labeling:label", args=[asset.pk]),
        {"term": "ai-generated", "language": "en", "text": "Made with an AI image generator."},
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert asset.labels.order_by("-version").values_list("version", flat=True)[0] == 2
    revoked = receiver.event(EventType.CLEARANCE_REVOKED, asset)
    assert revoked["data"]["reason"].startswith("The label changed")
    receiver.event(EventType.LABEL_CHANGED, asset)
    assert cms.get(f"/api/v1/assets/{asset.pk}")["clearance"]["status"] == "not_cleared"
    assert requests.get(rendition["download_url"], timeout=10).status_code == 409
    polled = cms.get("/api/v1/assets", changed_since=before_edit.isoformat())
    assert [(i["id"], i["clearance"]) for i in polled["items"]] == [(asset.pk, "not_cleared")]
    first_run = list(OutboxEvent.objects.filter(asset=asset))
    wait_until(
        lambda: all(delivery_of(e).status == DeliveryStatus.SUCCEEDED for e in first_run),
        what="the first three deliveries to be recorded as delivered",
        worker=celery_worker,
    )

    # The receiver dies; meanwhile the desk signs the new label and approves again.
    receiver.kill()
    response = desk.post(reverse("labeling:render", args=[asset.pk]), follow=True)
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert asset.renditions.filter(label__version=2).exists()
    approve(desk, asset)
    missed = OutboxEvent.objects.get(asset=asset, type=EventType.ASSET_CLEARED, sequence=4)
    delivery = delivery_of(missed)
    # The first attempt and the first retry (5 s later) are refused connections; the next is
    # minutes away.
    wait_until(
        lambda: (
            delivery.attempt_log.count() >= 2
            and delivery_of(missed).status == DeliveryStatus.RETRYING
        ),
        what="two failed attempts while the receiver is down",
        worker=celery_worker,
        timeout=TASK_TIMEOUT + 10,
    )
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [None, None]
    assert len(receiver.events) == 3

    # Back up. The worker runs on the real clock, which a test cannot move: make the retry due
    # as if those minutes had passed, then run the periodic task beat would run.
    receiver.start()
    overdue = timezone.now() - timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS + 60)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=overdue)
    sweep = retry_due_deliveries.delay()
    assert delivery.pk in celery_worker.result(sweep.id)
    again = receiver.wait_for(
        lambda e: e["webhook_id"] == missed.event_id, "the event missed while down"
    )
    assert again["data"]["sequence"] == 4
    wait_until(
        lambda: delivery_of(missed).status == DeliveryStatus.SUCCEEDED,
        what="the missed delivery to be recorded as delivered",
        worker=celery_worker,
    )

    # Every event once, in order, each verified by the receiver (it prints nothing else).
    outbox = list(OutboxEvent.objects.filter(asset=asset).order_by("sequence"))
    assert [e.type for e in outbox] == [
        EventType.ASSET_CLEARED,
        EventType.CLEARANCE_REVOKED,
        EventType.LABEL_CHANGED,
        EventType.ASSET_CLEARED,
    ]
    with receiver.changed:
        receiver.changed.wait_for(lambda: len(receiver.events) > len(outbox), timeout=1)
        arrived = list(receiver.events)
    assert [e["webhook_id"] for e in arrived] == [e.event_id for e in outbox]
    assert [e["data"]["sequence"] for e in arrived] == [1, 2, 3, 4]
    assert [e["type"] for e in arrived] == [e.type for e in outbox]
    codes = Delivery.objects.filter(event__asset=asset).values_list(
        "attempt_log__status_code", flat=True
    )
    # Refused connections while down, 204 otherwise: never a 400 (a signature that failed).
    assert set(codes) <= {None, 204}
    assert list(codes).count(204) == len(outbox)
