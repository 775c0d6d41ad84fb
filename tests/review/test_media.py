"""Private media: served only after the access check, as the sniffed type, never runnable."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from review.models import Asset
from tests.factories import png_bytes
from tests.review.helpers import upload_file

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db


@pytest.fixture
def png_asset(reporter_client, post_upload, django_capture_on_commit_callbacks):
    """A PNG uploaded under a .jpg name with a lying content type, through the real upload."""
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(
            reporter_client, upload_file("not a jpeg ü.jpg", png_bytes(), content_type="image/jpeg")
        )
    return Asset.objects.get()


def media_url(asset):
    return reverse("review:asset_media", args=[asset.pk])


def body_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        response.close()


@pytest.mark.parametrize(
    "client_fixture", ["reporter_client", "editor_client", "legal_client", "standards_client"]
)
def test_media_served_with_sniffed_type_and_safety_headers(request, png_asset, client_fixture):
    response = request.getfixturevalue(client_fixture).get(media_url(png_asset))

    assert response.status_code == 200
    assert body_of(response) == png_bytes()
    assert response["Content-Type"] == "image/png"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "inline; filename*=UTF-8''not%20a%20jpeg%20%C3%BC.jpg"
    )
    assert response["Cache-Control"].startswith("private")


def test_x_accel_mode_hands_the_path_to_nginx(settings, png_asset, editor_client):
    settings.MEDIA_SERVE_MODE = "x-accel"
    response = editor_client.get(media_url(png_asset))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + png_asset.file.name
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body_of(response) == b""


def test_x_sendfile_mode_hands_the_path_to_the_server(
    settings, png_asset, editor_client, _media_root
):
    settings.MEDIA_SERVE_MODE = "x-sendfile"
    response = editor_client.get(media_url(png_asset))
    assert response.status_code == 200
    sent = Path(response["X-Sendfile"])
    assert sent.is_absolute()
    assert sent.is_relative_to(_media_root)
    assert sent.read_bytes() == png_bytes()
    assert body_of(response) == b""


@pytest.mark.parametrize("mode", ["django", "x-accel", "x-sendfile"])
@pytest.mark.parametrize(
    ("client_fixture", "status"), [("other_reporter_client", 404), ("outsider_client", 403)]
)
def test_unauthorised_user_gets_no_bytes(
    request, settings, png_asset, mode, client_fixture, status
):
    settings.MEDIA_SERVE_MODE = mode
    response = request.getfixturevalue(client_fixture).get(media_url(png_asset))
    assert response.status_code == status
    assert png_bytes() not in body_of(response)
    assert not response.has_header("X-Accel-Redirect")
    assert not response.has_header("X-Sendfile")


def test_anonymous_gets_login_redirect_and_no_bytes(client, png_asset):
    response = client.get(media_url(png_asset))
    assert response.status_code == 302
    assert png_bytes() not in body_of(response)


def test_media_is_never_under_a_public_url(png_asset, editor_client):
    """The page links the access-checked view, never the storage path."""
    page = editor_client.get(reverse("review:asset_detail", args=[png_asset.pk])).content
    assert media_url(png_asset).encode() in page
    assert png_asset.file.name.encode() not in page


def test_a_file_missing_from_storage_is_a_clear_404_not_a_crash(png_asset, editor_client, caplog):
    png_asset.file.storage.delete(png_asset.file.name)
    response = editor_client.get(media_url(png_asset))
    assert response.status_code == 404
    assert "missing from storage" in caplog.text
