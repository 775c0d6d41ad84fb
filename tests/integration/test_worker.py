"""Background work through a real broker and a real worker process: tasks leave only after the
commit, their payload survives JSON between processes, and the worker respects what happened to
the asset before it got there."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from labeling.models import Label, Rendition
from labeling.tasks import rendition_render
from newsroom.celery import app
from review.models import Asset, AssetStatus
from tests.conftest import client_for
from tests.factories import jpeg_bytes
from tests.incidents.helpers import relabel_as, report_mislabeled
from tests.integration.conftest import WORKER_APPLICATION_NAME, wait_until
from tests.integrations.api_helpers import cleared_labeled_asset
from workflow.services import asset_intake, asset_withdraw
from workflow.tasks import asset_check

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def intake(uploader, name: str, size: tuple[int, int] = (64, 48)):
    data = jpeg_bytes(size=size)
    return asset_intake(
        uploaded_by=uploader,
        content=ContentFile(data, name=name),
        sha256=hashlib.sha256(data).hexdigest(),
        original_filename=name,
    )


def status_of(asset: Asset) -> str:
    return Asset.objects.values_list("status", flat=True).get(pk=asset.pk)


def test_upload_is_checked_by_the_worker_after_commit(celery_worker, published, reporter):
    assert not app.conf.task_always_eager
    upload = SimpleUploadedFile(
        "pier.jpg", jpeg_bytes(size=(80, 60)), content_type="application/octet-stream"
    )
    response = client_for(reporter).post(
        reverse("review:upload"), {"files": [upload], "source": "staff"}
    )
    assert response.status_code == 200, response.content

    asset = Asset.objects.get()
    [message] = published
    assert message.task == asset_check.name
    assert not message.in_atomic_block, "queued before the transaction committed"
    wait_until(
        lambda: status_of(asset) == AssetStatus.IN_REVIEW,
        what=f"asset {asset.pk} to reach in_review",
        worker=celery_worker,
    )
    assert celery_worker.result(message.id) == AssetStatus.IN_REVIEW

    asset.refresh_from_db()
    # The worker read the stored file: its sha256 matched and Pillow measured it.
    assert (asset.width, asset.height, asset.check_error) == (80, 60, "")
    checked = AuditEvent.objects.for_object(asset).get(action="asset.checked")
    assert checked.actor is None
    assert (checked.from_state, checked.to_state) == (AssetStatus.CHECKING, AssetStatus.IN_REVIEW)


def test_task_payload_is_plain_json(celery_worker, published, reporter):
    result = intake(reporter, "json.jpg")
    asset = result.asset

    [message] = published
    # Only ids cross the broker, never model instances: the worker loads the row itself.
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    args, kwargs, _embed = json.loads(json.dumps(message.body))
    assert (args, kwargs) == ([asset.pk], {})
    # ...and the worker, which accepts nothing but JSON, decoded and ran it.
    assert celery_worker.result(message.id) == AssetStatus.IN_REVIEW
    assert status_of(asset) == AssetStatus.IN_REVIEW


def test_check_runs_twice_harmlessly(celery_worker, published, reporter):
    # acks_late: a worker lost mid-task gets the message again.
    asset = intake(reporter, "twice.jpg").asset
    assert celery_worker.result(published[0].id) == AssetStatus.IN_REVIEW
    again = asset_check.delay(asset.pk)
    assert celery_worker.result(again.id) == AssetStatus.IN_REVIEW
    assert AuditEvent.objects.for_object(asset).filter(action="asset.checked").count() == 1


def _end_worker_connections() -> int:
    """What a database restart does to the worker: its connection is ended by the server."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [WORKER_APPLICATION_NAME],
        )
        (ended,) = cursor.fetchone()
    return int(ended)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only a database server can end a connection"
)
def test_the_worker_keeps_its_connection_and_replaces_one_the_server_ended(
    celery_worker, published, reporter
):
    first = intake(reporter, "first.jpg").asset
    assert celery_worker.result(published[-1].id) == AssetStatus.IN_REVIEW
    # Kept between tasks (CELERY_DB_REUSE_MAX), not closed after each one: there is one to end.
    assert _end_worker_connections() >= 1

    second = intake(reporter, "second.jpg").asset
    assert celery_worker.result(published[-1].id) == AssetStatus.IN_REVIEW
    assert (status_of(first), status_of(second)) == (AssetStatus.IN_REVIEW,) * 2


def test_check_for_a_withdrawn_asset_leaves_it_withdrawn(celery_worker, published, reporter):
    with transaction.atomic():
        asset = intake(reporter, "wrong.jpg").asset
        # The uploader withdraws it before the worker gets to it; the check is still queued
        # and goes out when this commits.
        asset_withdraw(asset_id=asset.pk, actor=reporter, note="Wrong file")
        assert published == []
    [message] = published

    assert celery_worker.result(message.id) == AssetStatus.WITHDRAWN
    asset.refresh_from_db()
    assert asset.status == AssetStatus.WITHDRAWN
    assert asset.width is None
    events = AuditEvent.objects.for_object(asset)
    assert not events.filter(action="asset.checked").exists()
    assert events.latest("seq").action == "asset.withdraw"


def test_a_relabel_is_re_signed_by_the_worker_after_commit(
    celery_worker, published, worker_signs, make_asset, editor, standards
):
    """The relabel decision commits the new label; the worker, another process with its own
    copy of the signing credentials, renders and signs the rendition for it."""
    asset = cleared_labeled_asset(make_asset, editor)
    incident = report_mislabeled(asset, editor)
    published.clear()
    relabel_as(incident, standards, "ai-illustration", "We relabeled this as an AI illustration.")
    label = Label.objects.filter(asset=asset).latest("version")
    renders = [m for m in published if m.task == rendition_render.name]
    assert len(renders) == 1 and not renders[0].in_atomic_block
    rendition_id = celery_worker.result(renders[0].id)
    rendition = Rendition.objects.get(pk=rendition_id)
    assert rendition.label == label and rendition.verification_state == "trusted"
    signed = AuditEvent.objects.for_object(asset).filter(action="label.rendition_signed")
    assert signed.count() == 2
