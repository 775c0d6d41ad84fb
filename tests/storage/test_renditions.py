"""Signed renditions on object storage: rendered from the original in the bucket, written back
to it (with the sidecar manifest where the format needs one), and served from it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from labeling.models import ManifestPlacement, Rendition
from labeling.services import rendition_create
from review.models import MediaKind
from tests.factories import jpeg_bytes
from tests.labeling.test_renditions import read_back
from tests.readiness import label_as_ai_generated
from tests.review.helpers import new_asset
from tests.storage.conftest import Bucket

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def served(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    # Read to the end, the test client closes the response (and the stream from the bucket).
    return b"".join(response.streaming_content)


def test_the_render_button_reads_the_original_from_the_bucket_and_stores_the_rendition_there(
    reporter, editor, editor_client, s3_storage: Bucket, signing_keys: Path
):
    original = jpeg_bytes((30, 90, 160), size=(640, 480))
    asset = label_as_ai_generated(
        new_asset(uploaded_by=reporter, file=ContentFile(original, name="generated.jpg")), editor
    )

    response = editor_client.post(reverse("labeling:render", args=[asset.pk]), headers=HTMX)

    assert response.status_code == 200
    rendition = Rendition.objects.get()
    assert sorted(s3_storage.object_keys()) == sorted([asset.file.name, rendition.file.name])
    stored = s3_storage.read(rendition.file.name)
    assert stored != original  # the badge is burned in and the manifest embedded
    assert hashlib.sha256(stored).hexdigest() == rendition.sha256
    # What the bucket holds is what the desk downloads and previews.
    assert served(editor_client, reverse("labeling:rendition", args=[rendition.pk])) == stored
    preview = reverse("labeling:rendition_preview", args=[rendition.pk])
    assert served(editor_client, preview) == stored
    # And it is signed: the original in the bucket is its parent ingredient.
    store = read_back(stored, "image/jpeg", signing_keys / "root.pem")
    assert store["validation_state"] == "Trusted"


def test_a_sidecar_manifest_is_stored_beside_its_rendition_and_served(
    reporter, editor, editor_client, s3_storage: Bucket, signing_keys: Path
):
    webm = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096
    asset = label_as_ai_generated(
        new_asset(
            uploaded_by=reporter,
            file=ContentFile(webm, name="clip.webm"),
            media_type="video/webm",
            media_kind=MediaKind.VIDEO,
        ),
        editor,
    )

    rendition = rendition_create(asset_id=asset.pk, actor=editor)

    assert rendition.placement == ManifestPlacement.SIDECAR
    keys = s3_storage.object_keys()
    for part in (rendition.file, rendition.sidecar, rendition.slate):
        assert part.name in keys
    sidecar = s3_storage.read(rendition.sidecar.name)
    assert served(editor_client, reverse("labeling:sidecar", args=[rendition.pk])) == sidecar
    slate = served(editor_client, reverse("labeling:slate", args=[rendition.pk]))
    assert slate == s3_storage.read(rendition.slate.name)
    assert slate.startswith(b"\x89PNG")
    store = read_back(
        s3_storage.read(rendition.file.name), "video/webm", signing_keys / "root.pem", sidecar
    )
    assert store["validation_state"] == "Trusted"
