"""Provenance on the desk: verification on upload, the panel on the asset page, re-running a
check, the trust lists and their re-checks, the periodic sweep of stuck checks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from provenance.models import DetectorRun, ProvenanceReport, ReportReason, TrustList
from provenance.reader import remote_fetch_permitted
from provenance.services import provenance_verify_asset
from provenance.states import ProvenanceState
from review.models import Asset, AssetStatus
from tests.factories import jpeg_bytes
from tests.provenance.media import make_signer, signed_jpeg, tamper, xmp_only_jpeg
from tests.review.helpers import new_asset, upload_file
from workflow.tasks import sweep_stuck_checks

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Desk Test Agency")


@pytest.fixture
def upload(post_upload, django_capture_on_commit_callbacks):
    """Upload through the page and run what it queues after commit (the checks), as
    `make run` does in-process."""

    def run(client, name: str, data: bytes) -> Asset:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_upload(client, upload_file(name, data))
        assert response.status_code == 200, response.content.decode()[:500]
        return Asset.objects.get(original_filename=name)

    return run


def detail(client, asset: Asset) -> str:
    response = client.get(reverse("review:asset_detail", args=[asset.pk]))
    assert response.status_code == 200
    page: str = response.content.decode()
    return page


def shown_state(page: str) -> str:
    match = re.search(r'class="prov-state" data-state="(\w+)"', page)
    assert match, "no provenance state on the page"
    return match.group(1)


# --- on upload ---------------------------------------------------------------------------


def test_upload_verifies_and_moves_the_asset_into_review(
    reporter_client, editor_client, upload, signer
):
    data = signed_jpeg(signer, source_type="trainedAlgorithmicMedia", software_agent="Imagen 4")
    asset = upload(reporter_client, "generated.jpg", data)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    report = asset.provenance_reports.get()
    assert report.state == ProvenanceState.VALID
    assert report.codes == ["signingCredential.untrusted"]
    assert report.digital_source_types == ["trainedAlgorithmicMedia"]
    assert report.reason == ReportReason.INTAKE
    assert report.library_version.startswith("c2pa-python")
    assert report.manifest_store  # the raw store is kept
    assert AuditEvent.objects.filter(action="provenance.verified", object_id=str(asset.pk)).exists()

    page = detail(editor_client, asset)
    assert shown_state(page) == "valid"
    assert "Desk Test Agency" in page
    assert "generative AI made or changed this file" in page
    assert "Imagen 4" in page
    assert "signingCredential.untrusted" in page
    # The detector's verdict is shown and stored per detector version.
    run = DetectorRun.objects.get(asset=asset)
    assert run.verdict == "synthetic" and run.report_id == report.pk
    assert run.detector_version in page


def test_unsigned_file_reads_no_credentials_not_fake(reporter_client, editor_client, upload):
    asset = upload(reporter_client, "plain.jpg", jpeg_bytes((10, 200, 10)))
    page = detail(editor_client, asset)
    assert shown_state(page) == "no_manifest"
    assert "No Content Credentials" in page
    # Absence of credentials is not evidence of manipulation.
    assert "not evidence" in page or "does not mean" in page


def test_tampered_file_reads_invalid_with_a_hint(reporter_client, editor_client, upload, signer):
    asset = upload(reporter_client, "tampered.jpg", tamper(signed_jpeg(signer)))
    page = detail(editor_client, asset)
    assert shown_state(page) == "invalid"
    assert "assertion.dataHash.mismatch" in page
    assert "What to do:" in page


def test_xmp_only_file_records_metadata_and_flags_a_conflict(
    reporter_client, editor_client, upload, signer
):
    xmp_asset = upload(reporter_client, "xmp.jpg", xmp_only_jpeg())
    report = xmp_asset.provenance_reports.get()
    assert report.state == ProvenanceState.NO_MANIFEST
    assert report.xmp_digital_source_type == "trainedAlgorithmicMedia"
    assert report.xmp["creator_tool"] == "Midjourney v7"
    assert "IPTC metadata (unsigned) says generative AI" in detail(editor_client, xmp_asset)

    # Credentials say camera, metadata says AI: the page flags the conflict.
    base = xmp_only_jpeg(source_type="trainedAlgorithmicMedia")
    data = signed_jpeg(signer, source_type="digitalCapture", base=base)
    conflicting = upload(reporter_client, "conflict.jpg", data)
    report = conflicting.provenance_reports.get()
    assert report.conflict
    assert "Metadata conflict" in detail(editor_client, conflicting)


def test_ingredient_tree_and_thumbnails_are_shown_and_access_checked(
    reporter_client, editor_client, other_reporter_client, upload, signer
):
    parent = signed_jpeg(signer, source_type="trainedAlgorithmicMedia", title="parent.jpg")
    asset = upload(reporter_client, "edit.jpg", signed_jpeg(signer, parent=parent))
    report = asset.provenance_reports.get()
    assert report.ingredient_count == 1
    page = detail(editor_client, asset)
    assert "Made from (1)" in page
    thumbs = re.findall(r'src="(/provenance/thumbnails/\d+)"', page)
    assert thumbs, "the ingredient's thumbnail is shown"
    response = editor_client.get(thumbs[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    # Another reporter may not see this asset, nor its thumbnails.
    assert other_reporter_client.get(thumbs[0]).status_code == 404


def test_oversized_file_is_recorded_unreadable_with_the_reason(asset, settings):
    settings.C2PA_MAX_VERIFY_BYTES = 10
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert "verification cap" in report.error


def test_verification_past_its_time_limit_is_recorded_unreadable(asset, settings, monkeypatch):
    import time

    from provenance.reader import verify_stream

    settings.C2PA_VERIFY_TIMEOUT = 0.05

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return verify_stream(*args, **kwargs)

    monkeypatch.setattr("provenance.isolated.verify_stream", slow)
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert "abandoned" in report.error


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 200, id="truncated-jpeg"),
        pytest.param(b"\xff\xd8\xff\xeb" + b"\xff\xff" + b"JP" * 5000, id="bogus-jumbf"),
    ],
)
def test_hostile_media_never_crashes_the_check(make_asset, data):
    from django.core.files.base import ContentFile

    asset = make_asset(status=AssetStatus.IN_REVIEW, file=ContentFile(data, name="bad.jpg"))
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state in {ProvenanceState.UNREADABLE, ProvenanceState.NO_MANIFEST}


def test_missing_file_is_recorded_unreadable(asset):
    asset.file.storage.delete(asset.file.name)
    report = provenance_verify_asset(asset_id=asset.pk)
    assert report.state == ProvenanceState.UNREADABLE
    assert "missing" in report.error


def test_failing_and_unloadable_detectors_are_recorded_and_block_nothing(asset, settings):
    settings.PROVENANCE_DETECTORS = [
        "provenance.detectors.CredentialSignalsDetector",
        "tests.provenance.test_desk.BrokenDetector",
        "no.such.Detector",
    ]
    report = provenance_verify_asset(asset_id=asset.pk)
    runs = {run.detector: run for run in report.detector_runs.all()}
    assert runs["credential-signals"].status == "ok"
    assert runs["broken"].status == "failed"
    assert "RuntimeError: model file missing" in runs["broken"].explanation
    assert runs["no.such.Detector"].status == "failed"


class BrokenDetector:
    name = "broken"
    version = "0.1"

    def detect(self, facts):
        raise RuntimeError("model file missing")


# --- re-running a check -------------------------------------------------------------------


def test_editor_reruns_a_check_and_the_page_shows_the_new_report(
    editor_client, asset, django_capture_on_commit_callbacks
):
    provenance_verify_asset(asset_id=asset.pk)
    url = reverse("review:recheck_provenance", args=[asset.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    # Without a broker the task runs at commit, before the answer is rendered (the test's
    # transaction defers it here): the message says the report is there.
    assert "Provenance check re-run: the new report is below." in response.content.decode()
    reports = list(asset.provenance_reports.order_by("pk"))
    assert [r.reason for r in reports] == [ReportReason.INTAKE, ReportReason.RERUN]
    assert "2 checks so far" in detail(editor_client, asset)


def test_with_a_broker_the_rerun_says_it_is_queued(editor_client, asset):
    from newsroom.celery import app

    app.conf.task_always_eager = False  # the autouse fixture puts it back after the test
    response = editor_client.post(
        reverse("review:recheck_provenance", args=[asset.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "reload this page in a moment" in response.content.decode()


def test_reporter_cannot_rerun_a_check(reporter_client, asset):
    response = reporter_client.post(reverse("review:recheck_provenance", args=[asset.pk]))
    assert response.status_code == 403
    assert not asset.provenance_reports.exists()


PAGE_QUERIES = 14 + 1 + 2 * 5


def test_asset_page_query_count_does_not_grow_with_reports_or_ingredients(
    editor_client, make_asset, signer, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    parent = signed_jpeg(signer, parent=signed_jpeg(signer))
    data = signed_jpeg(signer, parent=parent)
    asset = make_asset(file=ContentFile(data, name="deep.jpg"))
    provenance_verify_asset(asset_id=asset.pk)
    url = reverse("review:asset_detail", args=[asset.pk])
    # 14 for the page and its provenance panel, then 11 for sign-off: the sign-off in force,
    # and twice (for Approve, and for the checklist) the gate's latest report, its
    # acknowledgement, the classification, the label and the parties.
    with django_assert_max_num_queries(PAGE_QUERIES) as one:
        editor_client.get(url)
    for _ in range(4):
        provenance_verify_asset(asset_id=asset.pk)
    with django_assert_max_num_queries(PAGE_QUERIES) as five:
        editor_client.get(url)
    assert len(one) == len(five)


# --- trust lists -----------------------------------------------------------------------------


def pem_upload(pem: str, name: str = "root.pem"):
    return upload_file(name, pem.encode(), "application/x-pem-file")


def test_signed_file_reads_valid_before_its_root_is_uploaded_and_trusted_after(
    reporter_client,
    standards_client,
    editor_client,
    upload,
    signer,
    django_capture_on_commit_callbacks,
):
    asset = upload(reporter_client, "signed.jpg", signed_jpeg(signer))
    assert shown_state(detail(editor_client, asset)) == "valid"

    with django_capture_on_commit_callbacks(execute=True):
        response = standards_client.post(
            reverse("provenance:trust"),
            {"kind": "anchors", "name": "Test root", "bundle": pem_upload(signer.certs.root_pem)},
        )
    assert response.status_code == 302
    bundle = TrustList.objects.get()
    assert bundle.certificate_count == 1 and bundle.active
    latest = asset.provenance_reports.latest("pk")
    assert latest.reason == ReportReason.TRUST_CHANGE
    assert latest.state == ProvenanceState.TRUSTED
    assert shown_state(detail(editor_client, asset)) == "trusted"
    page = standards_client.get(reverse("provenance:trust")).content.decode()
    assert "1/1" in page and "Desk Test Agency" in page

    # Retiring the bundle makes the same file read valid again, and the bundle stays on record.
    with django_capture_on_commit_callbacks(execute=True):
        standards_client.post(reverse("provenance:trust_retire", args=[bundle.pk]))
    assert asset.provenance_reports.latest("pk").state == ProvenanceState.VALID
    assert TrustList.objects.filter(pk=bundle.pk, active=False).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"trust.uploaded", "trust.retired"} <= actions


def test_trust_change_reverifies_only_assets_still_in_review(
    standards, make_asset, signer, django_capture_on_commit_callbacks
):
    from provenance.services import trust_list_upload

    waiting = make_asset(status=AssetStatus.IN_REVIEW)
    published = make_asset(status=AssetStatus.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        _, run = trust_list_upload(
            kind="anchors", name="root", raw=signer.certs.root_pem.encode(), uploaded_by=standards
        )
    run.refresh_from_db()
    assert (run.total, run.done) == (1, 1) and run.finished_at is not None
    assert waiting.provenance_reports.count() == 1
    assert not published.provenance_reports.exists()


def test_malformed_trust_bundle_is_refused_and_changes_nothing(standards_client):
    response = standards_client.post(
        reverse("provenance:trust"),
        {"kind": "anchors", "name": "junk", "bundle": pem_upload("not a certificate")},
    )
    assert response.status_code == 400
    assert "certificate" in response.content.decode().lower()
    assert not TrustList.objects.exists()


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client", "legal_client"])
def test_only_standards_and_admins_manage_trust(request, client_fixture, signer):
    client = request.getfixturevalue(client_fixture)
    assert client.get(reverse("provenance:trust")).status_code == 403
    response = client.post(
        reverse("provenance:trust"),
        {"kind": "anchors", "name": "x", "bundle": pem_upload(signer.certs.root_pem)},
    )
    assert response.status_code == 403
    assert not TrustList.objects.exists()


def remote_fetch_allowed(url: str) -> bool:
    from django.conf import settings

    return remote_fetch_permitted(
        url,
        enabled=settings.C2PA_REMOTE_MANIFEST_FETCH,
        hosts=settings.C2PA_REMOTE_MANIFEST_HOSTS,
    )


def test_remote_manifest_fetching_is_off_unless_configured_and_host_allowed(settings):
    url = "https://cdn.example.org/manifest.c2pa"
    assert not remote_fetch_allowed(url)
    settings.C2PA_REMOTE_MANIFEST_FETCH = True
    settings.C2PA_REMOTE_MANIFEST_HOSTS = ["cdn.example.org"]
    assert remote_fetch_allowed(url)
    assert not remote_fetch_allowed("https://evil.example.com/m.c2pa")
    assert not remote_fetch_allowed("http://cdn.example.org/manifest.c2pa")
    assert not remote_fetch_allowed("")


# --- stuck checks ---------------------------------------------------------------------------


def test_sweep_requeues_checks_stuck_past_their_limit(settings):
    settings.CHECK_STUCK_AFTER_SECONDS = 600
    stuck = new_asset(status=AssetStatus.CHECKING)
    Asset.objects.filter(pk=stuck.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=601)
    )
    fresh = new_asset(status=AssetStatus.CHECKING)
    Asset.objects.filter(pk=fresh.pk).update(status_changed_at=timezone.now())

    assert sweep_stuck_checks() == [stuck.pk]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == AssetStatus.IN_REVIEW
    assert ProvenanceReport.objects.get(asset=stuck).reason == ReportReason.SWEEP
    assert fresh.status == AssetStatus.CHECKING
    # Run twice, the check is not repeated: the asset is no longer checking.
    assert sweep_stuck_checks() == []
