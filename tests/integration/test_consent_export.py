"""A bulk consent export built by a real worker: the task leaves after the commit with plain
ids, the worker renders the PDFs (WeasyPrint in the worker process) and stores the ZIP, and the
desk sees it finished."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from consent.models import ConsentExport, ExportStatus, PartyRole
from consent.services import party_add, person_create
from consent.tasks import consent_export_run
from tests.conftest import client_for
from tests.consent.helpers import record_consent
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_bulk_export_is_built_by_the_worker(celery_worker, published, legal, make_asset, reporter):
    assets = [make_asset(story_ref="story-7") for _ in range(2)]
    for n, asset in enumerate(assets):
        person = person_create(actor=reporter, full_name=f"Worker Person {n}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.CREATOR, person=person)
        record_consent(party, collected_by=reporter)

    response = client_for(legal).post(reverse("consent:exports"), {"story_ref": "story-7"})
    assert response.status_code == 302

    export = ConsentExport.objects.get()
    [message] = [m for m in published if m.task == consent_export_run.name]
    assert not message.in_atomic_block, "queued before the transaction committed"
    args, kwargs, _embed = json.loads(json.dumps(message.body))
    assert (args, kwargs) == ([export.pk, [a.pk for a in assets]], {})

    assert celery_worker.result(message.id, timeout=120) == ExportStatus.DONE
    wait_until(
        lambda: ConsentExport.objects.get(pk=export.pk).status == ExportStatus.DONE,
        what=f"export {export.pk} to finish",
        worker=celery_worker,
    )
    export.refresh_from_db()
    assert export.done == export.total == 2
    with export.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == export.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert [f["asset_id"] for f in manifest["files"]] == [a.pk for a in assets]
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
