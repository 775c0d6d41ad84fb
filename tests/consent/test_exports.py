"""Bulk consent exports (a ZIP built in the background) and the export_consents command."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from consent.exports import build as exports_module
from consent.exports import pdf as consent_pdf
from consent.exports.services import ExportFilters, consent_export_request, export_assets
from consent.models import ConsentExport, ExportStatus, PartyRole
from consent.services import consent_revoke, party_add, person_create
from review.models import AssetStatus
from tests.conftest import client_for
from tests.consent.export_helpers import consent_scenario, flat, pdf_text
from tests.consent.helpers import record_consent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORTS = reverse("consent:exports")


def _with_consent(asset, reporter, name: str, **scope):
    person = person_create(actor=reporter, full_name=name)
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    return record_consent(party, collected_by=reporter, **scope)


def _zip(export: ConsentExport) -> zipfile.ZipFile:
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def _events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("seq")


@pytest.fixture
def story(asset, make_asset, reporter, legal):
    """Two assets of story-1 with consent on record, one of another story, one of story-1 with
    nobody on record: the export of story-1 holds the first two."""
    consent_scenario(asset, reporter, legal)
    second = make_asset(story_ref="story-1")
    _with_consent(second, reporter, "Bea Bystander")
    _with_consent(make_asset(story_ref="story-2"), reporter, "Otto Other")
    make_asset(story_ref="story-1")
    return [asset, second]


@pytest.fixture
def built(legal, django_capture_on_commit_callbacks):
    """Request an export as legal and run its build as the commit would (the test's own
    transaction never commits)."""

    def build(**filters) -> ConsentExport:
        with django_capture_on_commit_callbacks(execute=True):
            export = consent_export_request(actor=legal, filters=ExportFilters(**filters))
        export.refresh_from_db()
        return export

    return build


# --- the bulk export -----------------------------------------------------------------------------


def test_story_export_builds_a_zip_whose_manifest_matches_its_files(
    legal, legal_client, story, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = legal_client.post(EXPORTS, {"story_ref": " story-1 ", "status": ""})
    assert response.status_code == 302 and response["Location"] == EXPORTS
    export = ConsentExport.objects.get()
    # Queued after the commit, not run yet.
    assert len(callbacks) == 1
    assert (export.status, export.total, export.done) == (ExportStatus.QUEUED, 2, 0)
    assert export.requested_by == legal and export.filters["story_ref"] == "story-1"
    [requested] = _events("consent.export_requested")
    assert requested.details["assets"] == 2 and requested.details["ip"] == "127.0.0.1"

    callbacks[0]()  # the task, in-process (tests run Celery eagerly)

    export.refresh_from_db()
    assert (export.status, export.done, export.total, export.error) == ("done", 2, 2, "")
    assert export.finished_at is not None
    with export.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == export.sha256
    archive = _zip(export)
    manifest = json.loads(archive.read("manifest.json"))
    names = [f"asset-{a.pk}-consent.pdf" for a in story]
    assert sorted(archive.namelist()) == sorted([*names, "manifest.json"])
    assert [f["name"] for f in manifest["files"]] == names
    for entry, asset in zip(manifest["files"], story, strict=True):
        member = archive.read(entry["name"])
        assert member.startswith(b"%PDF-")
        assert hashlib.sha256(member).hexdigest() == entry["sha256"]
        assert (entry["size"], entry["asset_id"], entry["asset_sha256"]) == (
            len(member),
            asset.pk,
            asset.sha256,
        )
    assert manifest["export_id"] == export.pk and manifest["skipped_asset_ids"] == []
    # Each PDF that left the desk is on its asset's audit trail, with the same hash.
    exported = list(_events("consent.exported"))
    assert [(e.object_id, e.details["sha256"]) for e in exported] == [
        (str(f["asset_id"]), f["sha256"]) for f in manifest["files"]
    ]
    assert all(
        e.actor == legal and e.details["via"] == f"bulk export {export.pk}" for e in exported
    )
    [built] = _events("consent.export_built")
    assert built.details["sha256"] == export.sha256


def test_each_pdf_in_the_zip_is_the_full_consent_pdf(built, story, tmp_path):
    export = built(story_ref="story-1")
    assert export.status == ExportStatus.DONE
    member = _zip(export).read(f"asset-{story[0].pk}-consent.pdf")
    words = flat(pdf_text(member, tmp_path))
    assert "Satire or parody" in words and story[0].sha256 in words


def test_expiring_within_30_days_selects_current_consents_ending_soon(make_asset, reporter, legal):
    today = timezone.localdate()
    soon, later, revoked, superseded = (make_asset() for _ in range(4))
    _with_consent(soon, reporter, "Soon Ending", valid_until=today + timedelta(days=10))
    _with_consent(later, reporter, "Long Lasting", valid_until=today + timedelta(days=365))
    gone = _with_consent(revoked, reporter, "Rev Oked", valid_until=today + timedelta(days=5))
    consent_revoke(record_id=gone.pk, actor=legal, how="Letter")
    old = _with_consent(superseded, reporter, "Re Newed", valid_until=today + timedelta(days=5))
    record_consent(
        old.party, collected_by=reporter, supersedes=old, valid_until=today + timedelta(days=400)
    )

    assert list(export_assets(ExportFilters(expiring=True))) == [soon]
    assert list(export_assets(ExportFilters(expiring=True, status=AssetStatus.APPROVED))) == []


def test_status_narrows_a_story(legal, story):
    assert list(export_assets(ExportFilters(story_ref="story-1"))) == story
    filters = ExportFilters(story_ref="story-1", status=AssetStatus.PUBLISHED)
    assert list(export_assets(filters)) == []


def test_export_needs_a_filter_and_a_match(legal_client):
    response = legal_client.post(EXPORTS, {"story_ref": "", "status": ""})
    assert response.status_code == 400
    assert "Choose a story" in response.content.decode()
    response = legal_client.post(EXPORTS, {"story_ref": "no-such-story"})
    assert response.status_code == 400
    assert "No media item with consent on record" in response.content.decode()
    response = legal_client.post(EXPORTS, {"story_ref": "story-1", "status": "bogus"})
    assert response.status_code == 400
    assert not ConsentExport.objects.exists()
    assert not _events("consent.export_requested").exists()


@pytest.mark.parametrize("who", ["reporter", "editor", "standards"])
def test_only_legal_exports(request, who, story):
    client = request.getfixturevalue(f"{who}_client")
    assert client.get(EXPORTS).status_code == 403
    assert client.post(EXPORTS, {"story_ref": "story-1"}).status_code == 403
    assert not ConsentExport.objects.exists()


def test_a_failed_build_says_why_and_stores_nothing(built, story, monkeypatch, media_files):
    def broken(asset):
        raise RuntimeError("renderer out of paper")

    monkeypatch.setattr(consent_pdf, "asset_dossier", broken)
    before = media_files()
    export = built(story_ref="story-1")
    assert export.status == ExportStatus.FAILED
    assert export.error == "RuntimeError: renderer out of paper"
    assert not export.file and export.finished_at is not None
    assert media_files() == before
    assert _events("consent.export_failed").count() == 1


def test_a_finished_export_is_never_rebuilt(built, story):
    export = built(story_ref="story-1")
    assert exports_module.consent_export_build(export_id=export.pk, asset_ids=[]) == "done"
    assert ConsentExport.objects.get().sha256 == export.sha256


# --- the page, its progress fragment and the download --------------------------------------------


def test_exports_page_lists_exports_in_a_fixed_number_of_queries(legal, legal_client, story, built):
    built(story_ref="story-1")
    with CaptureQueriesContext(connection) as one:
        response = legal_client.get(EXPORTS)
    assert response.status_code == 200
    assert "Download the ZIP" in response.content.decode()
    for _ in range(3):
        ConsentExport.objects.create(requested_by=legal, description="Queued", total=3)
    with CaptureQueriesContext(connection) as four:
        response = legal_client.get(EXPORTS)
    assert len(four.captured_queries) == len(one.captured_queries)
    body = response.content.decode()
    assert body.count('hx-trigger="every 2s"') == 3
    assert 'aria-label="Progress of export' in body


def test_progress_fragment_for_htmx_and_the_page_otherwise(legal, legal_client):
    export = ConsentExport.objects.create(requested_by=legal, description="Story x", total=4)
    ConsentExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, done=1)
    url = reverse("consent:export_progress", args=[export.pk])
    response = legal_client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'value="1" max="4"' in body and 'hx-trigger="every 2s"' in body
    assert response["Vary"] == "HX-Request, Cookie"
    ConsentExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error="Boom")
    body = legal_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "The export failed: Boom" in body and "hx-trigger" not in body
    assert legal_client.get(url).status_code == 302


def test_download_for_legal_only_and_audited(legal, legal_client, story, reporter_client, built):
    export = built(story_ref="story-1")
    url = reverse("consent:export_download", args=[export.pk])
    other_legal = UserFactory(username="lou_legal", roles=[Role.LEGAL])

    # Not theirs: as if there were no such export (a 403 would tell which ids exist).
    assert reporter_client.get(url).status_code == 404
    assert reporter_client.get(
        reverse("consent:export_progress", args=[export.pk])
    ).status_code == (404)
    for user in (legal, other_legal):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]
        content = response.getvalue()
        assert hashlib.sha256(content).hexdigest() == export.sha256
    downloads = list(_events("consent.export_downloaded"))
    assert [e.actor for e in downloads] == [legal, other_legal]
    assert downloads[0].details == {"sha256": export.sha256, "ip": "127.0.0.1"}
    assert legal_client.post(url).status_code == 405


def test_unfinished_export_cannot_be_downloaded(legal, legal_client):
    export = ConsentExport.objects.create(requested_by=legal, description="Queued", total=3)
    url = reverse("consent:export_download", args=[export.pk])
    assert legal_client.get(url).status_code == 404
    assert legal_client.get(reverse("consent:export_download", args=[999])).status_code == 404
    assert not _events("consent.export_downloaded").exists()


# --- the command ---------------------------------------------------------------------------------


def test_command_writes_the_asset_pdf_and_audits_it(asset, story, tmp_path, capsys):
    out = tmp_path / "asset.pdf"
    call_command("export_consents", "--asset", str(asset.pk), "--out", str(out))
    data = out.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert data.startswith(b"%PDF-")
    printed = capsys.readouterr().out
    assert str(out) in printed and digest in printed
    [event] = _events("consent.exported")
    assert event.actor is None and event.actor_name == "system"
    assert event.details["sha256"] == digest and event.details["via"] == "command line"
    assert asset.sha256 in pdf_text(data, tmp_path / "read")


def test_command_writes_a_person_pdf(story, tmp_path, capsys):
    person = story[1].parties.get().person
    out = tmp_path / "person.pdf"
    call_command("export_consents", "--person", str(person.pk), "--out", str(out))
    assert "Bea Bystander" in flat(pdf_text(out.read_bytes(), tmp_path / "read"))
    [event] = _events("consent.exported")
    assert (event.object_type, event.object_id) == ("consent.person", str(person.pk))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--asset", "999"], "No asset #999."),
        (["--person", "999"], "No person #999."),
        (["--asset", "1", "--person", "1"], "not allowed with argument"),
        ([], "one of the arguments --asset --person is required"),
    ],
)
def test_command_refuses_bad_ids_and_flags(asset, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("export_consents", *args, "--out", str(out))
    assert not out.exists()
    assert not _events("consent.exported").exists()


def test_command_refuses_a_missing_folder(asset, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "export_consents", "--asset", str(asset.pk), "--out", str(tmp_path / "a/b.pdf")
        )
