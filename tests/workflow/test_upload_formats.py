"""Issue 15.4 on the desk's pages: the formats the C2PA reader knows go through the upload
form, a .c2pa sidecar goes in with the file of its name, and the asset page previews only
what a browser can show (never an SVG), offering a download for the rest."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from review.models import Asset, AssetStatus, MediaKind
from tests.factories import jpeg_bytes
from tests.provenance import formats
from tests.provenance.media import make_signer
from tests.review.helpers import upload_file

pytestmark = pytest.mark.django_db

NO_PREVIEW = "No preview for this format in the browser; download to view."


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Upload Agency")


def test_a_sidecar_uploaded_with_its_file_is_kept_with_the_asset(
    reporter_client, post_upload, signer, django_capture_on_commit_callbacks
):
    photo, store = formats.sidecar(signer, jpeg_bytes((3, 2, 1)), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=False):
        response = post_upload(
            reporter_client,
            upload_file("photo.jpg", photo, content_type="image/jpeg"),
            upload_file("photo.c2pa", store),
        )

    assert response.status_code == 200
    asset = Asset.objects.get()  # one asset: the sidecar is not one
    assert asset.original_filename == "photo.jpg"
    assert asset.sidecar_manifest_bytes() == store
    assert "with its sidecar manifest" in response.content.decode()
    received = AuditEvent.objects.for_object(asset).get(action="asset.received")
    assert received.details["sidecar_sha256"] == hashlib.sha256(store).hexdigest()


def test_a_sidecar_without_its_file_is_refused(reporter_client, post_upload, signer, media_files):
    _, store = formats.sidecar(signer, jpeg_bytes(), "image/jpeg")
    response = post_upload(reporter_client, upload_file("photo.c2pa", store))
    assert response.status_code == 400
    assert "<strong>photo.c2pa</strong>: A sidecar manifest goes with the file it describes" in (
        response.content.decode()
    )
    assert not Asset.objects.exists()
    assert media_files() == []


def test_a_sidecar_that_is_no_manifest_keeps_its_file_out(
    reporter_client, post_upload, media_files
):
    response = post_upload(
        reporter_client,
        upload_file("photo.jpg", jpeg_bytes()),
        upload_file("photo.jpg.c2pa", b"<html>not a manifest</html>"),
    )
    assert response.status_code == 400
    assert "<strong>photo.jpg</strong>: This .c2pa file is not a C2PA manifest store" in (
        response.content.decode()
    )
    assert not Asset.objects.exists()
    assert not AuditEvent.objects.exists()
    assert media_files() == []


def test_the_form_accepts_sidecars_and_says_how_to_send_one(reporter_client):
    page = reporter_client.get(reverse("review:upload")).content.decode()
    assert 'accept="image/*,video/*,audio/*,.c2pa"' in page
    assert "<code>photo.c2pa</code>" in page


@pytest.mark.parametrize(
    ("name", "make", "media_type", "kind"),
    [
        ("drawing.png", lambda: formats.SVG, "image/svg+xml", MediaKind.IMAGE),
        ("take.jxl", formats.jxl_container, "image/jxl", MediaKind.IMAGE),
        ("take2.bin", lambda: formats.JXL_CODESTREAM, "image/jxl", MediaKind.IMAGE),
        ("tone.mp3", formats.flac, "audio/x-flac", MediaKind.AUDIO),
        ("raw.tif", formats.dng, "image/x-adobe-dng", MediaKind.IMAGE),
    ],
)
def test_new_formats_are_accepted_by_their_content(
    reporter_client, post_upload, name, make, media_type, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_upload(reporter_client, upload_file(name, make()))
    assert response.status_code == 200
    asset = Asset.objects.get()
    assert (asset.media_type, asset.media_kind) == (media_type, kind)


# --- the asset page's preview -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("media_type", "kind", "element"),
    [
        ("image/jpeg", MediaKind.IMAGE, "<img src"),
        ("image/webp", MediaKind.IMAGE, "<img src"),
        ("image/avif", MediaKind.IMAGE, "<img src"),
        ("video/mp4", MediaKind.VIDEO, "<video"),
        ("video/webm", MediaKind.VIDEO, "<video"),
        ("audio/x-flac", MediaKind.AUDIO, "<audio"),
        ("audio/mpeg", MediaKind.AUDIO, "<audio"),
        ("audio/x-wav", MediaKind.AUDIO, "<audio"),
        ("audio/mp4", MediaKind.AUDIO, "<audio"),
    ],
)
def test_formats_a_browser_shows_are_previewed(
    editor_client, make_asset, media_type, kind, element
):
    asset = make_asset(media_type=media_type, media_kind=kind)
    page = editor_client.get(reverse("review:asset_detail", args=[asset.pk])).content.decode()
    media_url = reverse("review:asset_media", args=[asset.pk])
    assert f"{element} " in page or f"{element}=" in page
    assert f'src="{media_url}"' in page
    assert NO_PREVIEW not in page


@pytest.mark.parametrize(
    ("media_type", "kind"),
    [
        ("image/svg+xml", MediaKind.IMAGE),
        ("image/jxl", MediaKind.IMAGE),
        ("image/tiff", MediaKind.IMAGE),
        ("image/x-adobe-dng", MediaKind.IMAGE),
        ("image/heic", MediaKind.IMAGE),
        ("video/quicktime", MediaKind.VIDEO),
        ("video/x-msvideo", MediaKind.VIDEO),
        ("video/iso.segment", MediaKind.VIDEO),
    ],
)
def test_other_formats_get_no_preview_and_a_download(editor_client, make_asset, media_type, kind):
    asset = make_asset(media_type=media_type, media_kind=kind)
    page = editor_client.get(reverse("review:asset_detail", args=[asset.pk])).content.decode()
    media_url = reverse("review:asset_media", args=[asset.pk])
    assert NO_PREVIEW in page
    assert f'<a href="{media_url}" download>Download the original file</a>' in page
    # The original is never put in an element that renders it (an SVG could run script).
    assert f'src="{media_url}"' not in page


@pytest.mark.parametrize(
    ("name", "make"),
    [("drawing.svg", lambda: formats.SVG), ("take.jxl", formats.jxl_container)],
)
def test_formats_never_decoded_are_checked_without_a_decoding_problem(
    reporter_client, post_upload, name, make, django_capture_on_commit_callbacks
):
    # Intake's checks run on commit (inline here: no broker); before, every SVG and JPEG XL
    # was reported as "The image could not be decoded".
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(reporter_client, upload_file(name, make()))
    assert response.status_code == 200
    asset = Asset.objects.get()
    assert asset.status == AssetStatus.IN_REVIEW
    assert "could not be decoded" not in (asset.check_error or "")
