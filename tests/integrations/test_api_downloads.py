"""Download links for the signed rendition: no token needed, but the link is signed over the
rendition and the part, works for ten minutes, and stops working when the clearance goes."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from integrations.downloads import Part, download_signature
from signoff.services import signoff_void
from tests.integrations.api_helpers import assert_problem, cleared_labeled_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def labeled(make_asset, editor, signing_keys):
    return cleared_labeled_asset(make_asset, editor)


def download_url(api, asset_id: int) -> str:
    data = json.loads(api.get(f"/api/v1/assets/{asset_id}").content)
    url: str = data["rendition"]["download_url"]
    return url.removeprefix("http://testserver")


def fetch(url: str):
    # A plain client: the CMS's fetcher sends no token.
    return Client().get(url)


def test_the_link_serves_the_signed_rendition_without_a_token(labeled, reader_api):
    rendition = labeled.renditions.get()
    response = fetch(download_url(reader_api, labeled.pk))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == rendition.sha256
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response["Cache-Control"] == "private, no-store"


def test_the_link_works_for_ten_minutes_and_not_after(labeled, reader_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        url = download_url(reader_api, labeled.pk)
        data = json.loads(reader_api.get(f"/api/v1/assets/{labeled.pk}").content)
    assert data["rendition"]["links_expire_at"].startswith(
        (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    )
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        assert fetch(url).status_code == 200
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        problem = assert_problem(fetch(url), 403, "download-link-invalid")
        assert "expired" in problem["detail"]


def test_a_tampered_link_is_refused(labeled, reader_api):
    url = download_url(reader_api, labeled.pk)
    rendition_id = labeled.renditions.get().pk
    path, query = url.split("?")
    sig = parse_qs(query)["sig"][0]
    timestamp, signature = sig.split(":")
    forged = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (
        f"{path}?part=file&sig={timestamp}:{forged}",
        f"{path}?part=sidecar&sig={sig}",  # signed for the file, not the sidecar
        f"/api/v1/renditions/{rendition_id + 1}/download?part=file&sig={sig}",
        f"{path}?part=file&sig=",
        f"{path}?part=file&sig=garbage",
    ):
        problem = assert_problem(fetch(bad), 403, "download-link-invalid")
        assert problem["detail"] == "The download link is not valid."
    assert_problem(fetch(path), 400, "malformed-request")  # no signature at all
    assert_problem(fetch(f"{path}?part=original&sig={sig}"), 400, "malformed-request")


def test_a_missing_part_is_a_404(labeled):
    rendition = labeled.renditions.get()
    sig = download_signature(rendition.pk, Part.SIDECAR)  # embedded: there is no sidecar
    url = f"/api/v1/renditions/{rendition.pk}/download?part=sidecar&sig={sig}"
    assert_problem(fetch(url), 404, "not-found")


def test_a_link_stops_working_when_the_clearance_goes(labeled, reader_api):
    url = download_url(reader_api, labeled.pk)
    signoff_void(asset_id=labeled.pk, reason="Label edited.")
    problem = assert_problem(fetch(url), 409, "not-cleared")
    assert problem["detail"] == f"Asset {labeled.pk} is no longer cleared."
    assert problem["reasons"][0] == "The asset has not been approved by an editor."


def test_a_link_for_a_rendition_nobody_approved_is_refused(labeled, editor):
    from labeling.models import Rendition

    approved = labeled.renditions.get()
    newer = Rendition.objects.create(
        asset=labeled,
        label=approved.label,
        file=approved.file.name,
        sha256="0" * 64,
        media_type=approved.media_type,
        size_bytes=approved.size_bytes,
        placement=approved.placement,
        badge=approved.badge,
        verification_state="trusted",
        signer_fingerprint=approved.signer_fingerprint,
    )
    sig = download_signature(newer.pk, Part.FILE)
    problem = assert_problem(
        fetch(f"/api/v1/renditions/{newer.pk}/download?part=file&sig={sig}"), 409, "not-cleared"
    )
    assert "not the one the sign-off approved" in problem["detail"]


def test_only_get_is_allowed(labeled, reader_api):
    url = download_url(reader_api, labeled.pk)
    response = Client().post(url)
    assert_problem(response, 405, "method-not-allowed")
    assert urlsplit(url).path.endswith("/download")
