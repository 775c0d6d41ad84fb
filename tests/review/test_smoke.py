from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.models import Asset, AssetStatus
from tests.factories import jpeg_bytes


def test_reporter_upload_lands_in_review(reporter_client, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("street.jpg", jpeg_bytes(), content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = reporter_client.post(
            reverse("review:upload"), {"files": [upload], "source": "staff"}
        )
    assert response.status_code == 200, response.content
    asset = Asset.objects.get()
    assert len(callbacks) == 1
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.media_type == "image/jpeg"
    assert asset.width == 64
