"""The upload page: who may use it, and every kind of bad input from the issue. Each bad input
gets a clear message and leaves no rows and no files behind."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from audit.models import AuditEvent
from review.demo import demo_audio
from review.intake import HashingUploadHandler
from review.models import Asset, AssetStatus, MediaKind
from tests.factories import jpeg_bytes, png_bytes
from tests.review.helpers import ELF_BYTES, MP4_BYTES, TEXT_BYTES, WAV_BYTES, upload_file
from workflow import services

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db

UPLOAD_URL = "/assets/upload/"


def assert_nothing_stored(media_files):
    assert not Asset.objects.exists()
    assert not AuditEvent.objects.exists()
    assert media_files() == []


def test_upload_url_is_stable():
    assert reverse("review:upload") == UPLOAD_URL


# --- who may upload --------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client"])
def test_uploaders_get_the_form(request, client_fixture):
    response = request.getfixturevalue(client_fixture).get(UPLOAD_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'type="file" name="files"' in content
    assert "multiple" in content
    assert 'name="intake_token"' in content
    # Every visible field has a label pointing at it.
    for field_id in ["id_files", "id_source", "id_story_ref", "id_description"]:
        assert f'for="{field_id}"' in content


@pytest.mark.parametrize("client_fixture", ["legal_client", "standards_client"])
def test_roles_without_upload_permission_get_403(request, client_fixture, post_upload, media_files):
    client = request.getfixturevalue(client_fixture)
    assert client.get(UPLOAD_URL).status_code == 403
    response = post_upload(client, upload_file("a.jpg", jpeg_bytes()))
    assert response.status_code == 403
    assert b"Your role cannot upload media." in response.content
    assert_nothing_stored(media_files)


def test_each_upload_form_gets_a_fresh_token(reporter_client):
    first = reporter_client.get(UPLOAD_URL).context["form"]["intake_token"].value()
    second = reporter_client.get(UPLOAD_URL).context["form"]["intake_token"].value()
    assert uuid.UUID(str(first)) != uuid.UUID(str(second))


# --- good input ------------------------------------------------------------------------------


def test_upload_creates_asset_with_sniffed_type(
    reporter, reporter_client, post_upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_upload(
            reporter_client,
            upload_file("beach.jpg", png_bytes(), content_type="image/jpeg"),
            source="agency",
            story_ref="floods-2026",
            description="Aerial view",
        )

    assert response.status_code == 200
    asset = Asset.objects.get()
    assert (asset.media_type, asset.media_kind) == ("image/png", MediaKind.IMAGE)
    assert (asset.source, asset.story_ref, asset.description) == (
        "agency",
        "floods-2026",
        "Aerial view",
    )
    assert asset.uploaded_by == reporter
    assert asset.status == AssetStatus.IN_REVIEW
    assert len(callbacks) == 1
    content = response.content.decode()
    assert f'href="{reverse("review:asset_detail", args=[asset.pk])}"' in content
    # The form is ready for the next batch, with a new token and the same story.
    next_form = response.context["form"]
    assert next_form.initial["story_ref"] == "floods-2026"
    assert next_form.initial["intake_token"] != asset.intake_token


@pytest.mark.parametrize(
    ("name", "content", "media_type", "kind"),
    [
        ("clip.mp4", MP4_BYTES, "video/mp4", MediaKind.VIDEO),
        ("interview.wav", WAV_BYTES, "audio/x-wav", MediaKind.AUDIO),
        ("sound.jpg", WAV_BYTES, "audio/x-wav", MediaKind.AUDIO),
    ],
)
def test_video_and_audio_are_accepted_by_content(
    reporter_client,
    post_upload,
    django_capture_on_commit_callbacks,
    name,
    content,
    media_type,
    kind,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(reporter_client, upload_file(name, content))
    assert response.status_code == 200
    asset = Asset.objects.get()
    assert (asset.media_type, asset.media_kind) == (media_type, kind)
    assert asset.status == AssetStatus.IN_REVIEW


def test_upload_stores_the_exact_bytes_and_their_sha256(
    reporter_client, post_upload, django_capture_on_commit_callbacks
):
    content = jpeg_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(reporter_client, upload_file("x.jpg", content))
    asset = Asset.objects.get()
    assert asset.sha256 == hashlib.sha256(content).hexdigest()
    with asset.file.open("rb") as handle:
        assert handle.read() == content


def test_htmx_upload_returns_the_panel_fragment(
    reporter_client, post_upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(
            reporter_client, upload_file("a.jpg", jpeg_bytes()), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="upload-panel">')
    assert "Received" in content


# --- bad input -----------------------------------------------------------------------------


def test_no_file_is_400_with_clear_message(reporter_client, post_upload, media_files):
    response = post_upload(reporter_client)
    assert response.status_code == 400
    assert b"Choose at least one file to upload." in response.content
    assert_nothing_stored(media_files)


def test_empty_file_is_400(reporter_client, post_upload, media_files):
    response = post_upload(reporter_client, upload_file("empty.jpg", b""))
    assert response.status_code == 400
    content = response.content.decode()
    assert "empty.jpg</strong>: The file is empty." in content
    assert_nothing_stored(media_files)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "holiday.jpg",
            ELF_BYTES,
            "This is not an image, video or audio file the desk accepts: "
            "its content is application/x-executable.",
        ),
        (
            "notes.jpg",
            TEXT_BYTES,
            "This is not an image, video or audio file: its content matches no media format.",
        ),
        (
            "report.png",
            b"%PDF-1.4\n" + b"x" * 100,
            "This is not an image, video or audio file the desk accepts: "
            "its content is application/pdf.",
        ),
    ],
)
def test_non_media_renamed_as_image_is_refused(
    reporter_client, post_upload, media_files, name, content, message
):
    response = post_upload(reporter_client, upload_file(name, content, content_type="image/jpeg"))
    assert response.status_code == 400
    assert f"<strong>{name}</strong>: {message}" in response.content.decode()
    assert_nothing_stored(media_files)


def test_file_over_the_limit_is_refused_with_the_limit(
    settings, reporter_client, post_upload, media_files
):
    settings.MAX_UPLOAD_SIZE = 2048
    big = jpeg_bytes() + b"\x00" * 2048

    response = post_upload(reporter_client, upload_file("huge.jpg", big))

    assert response.status_code == 400
    content = response.content.decode()
    assert "<strong>huge.jpg</strong>: The file is larger than the 2.0\xa0KB limit." in content
    assert_nothing_stored(media_files)


def test_size_limit_boundary(settings, reporter_client, post_upload, media_files):
    content = jpeg_bytes()
    settings.MAX_UPLOAD_SIZE = len(content)
    assert post_upload(reporter_client, upload_file("fits.jpg", content)).status_code == 200

    settings.MAX_UPLOAD_SIZE = len(content) - 1
    response = post_upload(reporter_client, upload_file("one-byte-over.jpg", content))
    assert response.status_code == 400
    assert list(Asset.objects.values_list("original_filename", flat=True)) == ["fits.jpg"]
    assert len(media_files()) == 1


# --- streaming -------------------------------------------------------------------------------

CHUNK = 64 * 1024  # Django's TemporaryFileUploadHandler.chunk_size


@pytest.fixture
def upload_temp_dir(settings, tmp_path):
    """Uploads stream to this folder, so what is left in it afterwards can be counted."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture
def streamed_chunks(monkeypatch):
    """Every chunk the upload handler receives, with the temporary file it was writing to:
    proof the file came through in pieces rather than whole."""
    seen: list[tuple[int, str]] = []
    original = HashingUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        path = self.file.temporary_file_path()
        assert Path(path).is_file()  # on disk while it streams, not in memory
        seen.append((len(raw_data), path))
        return original(self, raw_data, start)

    monkeypatch.setattr(HashingUploadHandler, "receive_data_chunk", spy)
    return seen


def test_large_upload_is_streamed_in_chunks_and_hashed_on_the_way(
    reporter_client, post_upload, upload_temp_dir, streamed_chunks, media_files
):
    content = demo_audio(seconds=10.0)  # a real WAV of about 313 KiB
    assert len(content) > 4 * CHUNK

    response = post_upload(reporter_client, upload_file("interview.wav", content))

    assert response.status_code == 200
    sizes = [size for size, _ in streamed_chunks]
    # The parser's chunks do not line up with the file (the multipart headers share the
    # first), so count at least the whole chunks in it, none bigger than a chunk.
    assert len(sizes) >= len(content) // CHUNK >= 4
    assert max(sizes) == CHUNK and sum(sizes) == len(content)
    assert {Path(path).parent for _, path in streamed_chunks} == {upload_temp_dir}
    asset = Asset.objects.get()
    # The digest the handler computed while the chunks went by, before any check re-reads it.
    assert asset.sha256 == hashlib.sha256(content).hexdigest()
    assert (asset.size_bytes, asset.media_type) == (len(content), "audio/x-wav")
    with asset.file.open("rb") as handle:
        assert handle.read() == content
    assert len(media_files()) == 1
    assert list(upload_temp_dir.iterdir()) == []


def test_upload_crossing_the_limit_part_way_is_refused_and_leaves_nothing(
    settings, reporter_client, post_upload, upload_temp_dir, streamed_chunks, media_files
):
    content = demo_audio(seconds=10.0)
    settings.MAX_UPLOAD_SIZE = 150 * 1024  # passed during the third chunk

    response = post_upload(reporter_client, upload_file("long-interview.wav", content))

    assert response.status_code == 400
    assert (
        "<strong>long-interview.wav</strong>: The file is larger than the 150.0\xa0KB limit."
        in response.content.decode()
    )
    # Two chunks were written before the third crossed the limit; the rest of the file never
    # reached the handler.
    sizes = [size for size, _ in streamed_chunks]
    assert len(sizes) == 3 and max(sizes) <= CHUNK
    assert sum(sizes[:2]) <= settings.MAX_UPLOAD_SIZE < sum(sizes) < len(content)
    temp_path = Path(streamed_chunks[0][1])
    assert temp_path.parent == upload_temp_dir
    assert not temp_path.exists()
    assert list(upload_temp_dir.iterdir()) == []
    assert_nothing_stored(media_files)


def test_several_files_with_one_bad_keeps_the_good_ones(
    settings, reporter_client, post_upload, media_files, django_capture_on_commit_callbacks
):
    settings.MAX_UPLOAD_SIZE = 4096
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_upload(
            reporter_client,
            upload_file("one.jpg", jpeg_bytes((10, 10, 10))),
            upload_file("program.jpg", ELF_BYTES),
            # A JPEG with trailing padding: valid media, just too big.
            upload_file("huge.jpg", jpeg_bytes() + b"\x00" * 4096),
            upload_file("two.png", png_bytes()),
        )

    assert response.status_code == 200
    names = set(Asset.objects.values_list("original_filename", flat=True))
    assert names == {"one.jpg", "two.png"}
    assert len(callbacks) == 2
    assert len(media_files()) == 2
    rejected = {item.filename: item.reason for item in response.context["rejected"]}
    assert set(rejected) == {"program.jpg", "huge.jpg"}
    assert "application/x-executable" in rejected["program.jpg"]
    assert "limit" in rejected["huge.jpg"]
    content = response.content.decode()
    assert "Not uploaded" in content
    assert "Received" in content


def test_double_submit_with_same_token_creates_one_asset(
    reporter_client, post_upload, media_files, django_capture_on_commit_callbacks
):
    token = str(uuid.uuid4())
    content = jpeg_bytes()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = post_upload(reporter_client, upload_file("a.jpg", content), intake_token=token)
        second = post_upload(reporter_client, upload_file("a.jpg", content), intake_token=token)

    assert first.status_code == second.status_code == 200
    asset = Asset.objects.get()
    assert str(asset.intake_token) == token
    assert len(callbacks) == 1
    assert len(media_files()) == 1
    assert b"already received from this form; not uploaded twice" in second.content
    assert b"already received" not in first.content
    assert AuditEvent.objects.filter(action="asset.received").count() == 1


def test_same_token_for_two_different_files_in_one_form_makes_two_assets(
    reporter_client, post_upload, django_capture_on_commit_callbacks
):
    token = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(
            reporter_client,
            upload_file("a.jpg", jpeg_bytes((1, 1, 1))),
            upload_file("b.jpg", jpeg_bytes((2, 2, 2))),
            intake_token=token,
        )
    assert Asset.objects.count() == 2


def test_same_bytes_under_new_token_is_flagged_as_duplicate_with_link(
    reporter_client, post_upload, django_capture_on_commit_callbacks
):
    content = jpeg_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(reporter_client, upload_file("first.jpg", content), intake_token=uuid.uuid4())
        response = post_upload(
            reporter_client, upload_file("again.jpg", content), intake_token=uuid.uuid4()
        )

    first, second = Asset.objects.order_by("pk")
    assert first.sha256 == second.sha256
    content_html = response.content.decode()
    assert "The same file is already on the desk as" in content_html
    assert f'href="{reverse("review:asset_detail", args=[first.pk])}">#{first.pk} first.jpg' in (
        content_html
    )


def test_intake_failure_in_database_leaves_no_row_and_no_file(
    reporter_client, post_upload, media_files, monkeypatch
):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError, match="database went away"):
        post_upload(reporter_client, upload_file("a.jpg", jpeg_bytes()))
    assert_nothing_stored(media_files)


def test_invalid_source_is_400(reporter_client, post_upload, media_files):
    response = post_upload(reporter_client, upload_file("a.jpg", jpeg_bytes()), source="rumour")
    assert response.status_code == 400
    assert response.context["form"].errors["source"]
    assert_nothing_stored(media_files)


def test_duplicate_of_an_asset_the_reporter_may_not_open_is_flagged_without_a_link(
    reporter_client, other_reporter, post_upload, make_asset
):
    content = jpeg_bytes((9, 9, 9))
    theirs = make_asset(
        uploaded_by=other_reporter,
        file=ContentFile(content, name="theirs.jpg"),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    response = post_upload(reporter_client, upload_file("mine.jpg", content))
    page = response.content.decode()
    assert response.status_code == 200
    assert "A colleague has already put the same file on the desk" in page
    assert "theirs.jpg" not in page
    assert reverse("review:asset_detail", args=[theirs.pk]) not in page
