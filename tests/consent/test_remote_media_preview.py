"""Audio and video on the remote signing page (issue 14, item 2: "a watermarked preview"): a
reduced copy made once with ffmpeg, marked in picture and sound, kept in storage and served only
through a link that can still be signed with; never the original file. When ffmpeg is missing,
fails or runs out of time, the page says plainly that there is no preview and whom to ask.

The inputs are made here with ffmpeg's own test sources: a plain green picture and silence,
so that anything else in the preview is the watermark."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consent.models import Party, PartyRole
from consent.remote import services as remote_services
from consent.remote.media_preview import STORAGE_FOLDER, preview_cache_key, preview_folder
from consent.remote.services import consent_link_cancel, consent_link_create
from consent.services import party_add
from newsroom.celery import app as celery_app
from review.models import MediaKind
from tests.consent.helpers import ALL_POINTS, default_statement, scope, signature_data_url

pytestmark = pytest.mark.django_db

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
GREEN = (40, 160, 60)
SECRET_TITLE = "INTERNAL minister deepfake v3"


@pytest.fixture(scope="session")
def tools() -> tuple[str, str]:
    if FFMPEG is None or FFPROBE is None:
        reason = "ffmpeg/ffprobe are missing (Debian package ffmpeg; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return FFMPEG, FFPROBE


def _ffmpeg(*args: str) -> bytes:
    assert FFMPEG is not None
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", *args],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def _probe(data: bytes, tmp_path: Path) -> dict[str, Any]:
    assert FFPROBE is not None
    path = tmp_path / "probed"
    path.write_bytes(data)
    done = subprocess.run(
        [FFPROBE, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _frame(data: bytes, tmp_path: Path, *, at: float, width: int, height: int) -> Image.Image:
    """One frame decoded to PNG, at the given size."""
    path = tmp_path / "frame-source"
    path.write_bytes(data)
    png = _ffmpeg(
        "-ss", str(at), "-i", str(path), "-frames:v", "1",
        "-vf", f"scale={width}:{height}", "-f", "image2", "-c:v", "png", "-",
    )  # fmt: skip
    return Image.open(io.BytesIO(png)).convert("RGB")


def _samples(data: bytes, tmp_path: Path, *, start: float, seconds: float) -> list[int]:
    """Decoded 16-bit mono samples of a stretch of sound."""
    path = tmp_path / "sound-source"
    path.write_bytes(data)
    raw = _ffmpeg(
        "-ss", str(start), "-t", str(seconds), "-i", str(path),
        "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-",
    )  # fmt: skip
    return [int.from_bytes(raw[i : i + 2], "little", signed=True) for i in range(0, len(raw), 2)]


@pytest.fixture(scope="session")
def green_video(tools, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """3 s of plain green, 1280×720, with silent stereo sound and a title in its metadata."""
    out = tmp_path_factory.mktemp("inputs") / "green.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "color=c=0x28a03c:s=1280x720:r=25:d=3",
        "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
        "-t", "3", "-metadata", f"title={SECRET_TITLE}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out),
    )  # fmt: skip
    return out.read_bytes()


@pytest.fixture(scope="session")
def silent_wav(tools, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """3 s of stereo silence, 44.1 kHz, with a title."""
    out = tmp_path_factory.mktemp("inputs") / "silence.wav"
    _ffmpeg(
        "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3",
        "-metadata", f"title={SECRET_TITLE}", str(out),
    )  # fmt: skip
    return out.read_bytes()


def _party(make_asset, reporter, person, *, kind: str, media_type: str, data: bytes) -> Party:
    asset = make_asset(
        media_kind=kind,
        media_type=media_type,
        original_filename="minister_fake_v3",
        file=ContentFile(data, name="upload"),
    )
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


@pytest.fixture
def video_party(make_asset, reporter, person, green_video) -> Party:
    return _party(
        make_asset, reporter, person, kind=MediaKind.VIDEO, media_type="video/mp4", data=green_video
    )


@pytest.fixture
def photo_asset_party(make_asset, reporter, person) -> Party:
    asset = make_asset()  # a JPEG: it gets the image preview, not this
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


@pytest.fixture
def audio_party(make_asset, reporter, person, silent_wav) -> Party:
    return _party(
        make_asset,
        reporter,
        person,
        kind=MediaKind.AUDIO,
        media_type="audio/x-wav",
        data=silent_wav,
    )


def make_link(party: Party, actor) -> tuple[Any, str]:
    return consent_link_create(
        party_id=party.pk,
        actor=actor,
        statement=default_statement(),
        scope=scope(),
        media_description="The interview, 12 May",
    )


def sign_url(token: str) -> str:
    return reverse("consent:remote_sign", args=[token])


def media_url(token: str) -> str:
    return reverse("consent:remote_media", args=[token])


def still_url(token: str) -> str:
    return reverse("consent:remote_preview", args=[token])


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def original(party: Party) -> bytes:
    with party.asset.file.open("rb") as handle:
        return bytes(handle.read())


def assert_private(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin"


def pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    data = image.convert("RGB").tobytes()
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def assert_marked(frame: Image.Image, plain: Image.Image) -> None:
    """The preview's frame against the original's at the same size: the original is plain
    green everywhere; the preview has a dark band at the bottom with light text in it, and
    text across the middle."""
    width, height = frame.size
    assert all(sum(abs(c - g) for c, g in zip(p, GREEN, strict=True)) < 30 for p in pixels(plain))
    band = pixels(frame.crop((0, height - height // 12, width, height)))
    assert len([p for p in band if max(p) < 40]) > len(band) // 2, "no dark band at the bottom"
    assert [p for p in band if min(p) > 200], "no text in the band"
    middle = (0, height * 2 // 5, width, height * 3 // 5)
    changed = sum(
        1
        for a, b in zip(pixels(frame.crop(middle)), pixels(plain.crop(middle)), strict=True)
        if sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 60
    )
    assert changed > 500, f"only {changed} pixels differ across the middle"


# --- video ------------------------------------------------------------------------------------


def test_a_video_is_played_as_a_small_marked_copy_never_the_original(
    client, reporter, video_party, tmp_path
):
    _, token = make_link(video_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert f'<source src="{media_url(token)}" type="video/mp4">' in html
    assert f'poster="{still_url(token)}"' in html
    assert "Consent preview – not for publication" in html
    assert reverse("review:asset_media", args=[video_party.asset_id]) not in html

    response = client.get(media_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert_private(response)
    served = body(response)
    source = original(video_party)
    assert served != source and source not in served
    found = _probe(served, tmp_path)
    video = next(s for s in found["streams"] if s["codec_type"] == "video")
    sound = next(s for s in found["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)
    assert int(video["bit_rate"]) < 600_000 and video["avg_frame_rate"] == "15/1"
    assert (sound["channels"], sound["sample_rate"]) == (1, "22050")
    assert SECRET_TITLE not in json.dumps(found)  # no metadata of the original
    assert abs(float(found["format"]["duration"]) - 3.0) < 0.3

    frame = _frame(served, tmp_path, at=1.5, width=640, height=360)
    plain = _frame(source, tmp_path, at=1.5, width=640, height=360)
    assert_marked(frame, plain)


def test_a_videos_sound_carries_a_tone_the_original_does_not_have(
    client, reporter, video_party, tmp_path
):
    _, token = make_link(video_party, reporter)
    client.get(sign_url(token))

    served = body(client.get(media_url(token)))

    assert max(map(abs, _samples(original(video_party), tmp_path, start=0, seconds=0.3))) == 0
    assert max(map(abs, _samples(served, tmp_path, start=0, seconds=0.3))) > 3000  # the tone
    assert max(map(abs, _samples(served, tmp_path, start=1, seconds=1))) < 200  # then quiet


def test_the_videos_still_is_marked_too(client, reporter, video_party, tmp_path):
    _, token = make_link(video_party, reporter)
    client.get(sign_url(token))

    response = client.get(still_url(token))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert_private(response)
    image = Image.open(io.BytesIO(body(response)))
    assert image.format == "JPEG" and image.size == (640, 360)
    assert not image.getexif()
    plain = _frame(original(video_party), tmp_path, at=1.0, width=640, height=360)
    assert_marked(image.convert("RGB"), plain)


def test_the_copy_is_made_once_and_kept_in_storage(client, settings, reporter, video_party):
    _, token = make_link(video_party, reporter)
    client.get(sign_url(token))
    first = body(client.get(media_url(token)))
    _, stored = default_storage.listdir(preview_folder(video_party.asset))
    assert sorted(stored) == ["manifest.json", "preview.mp4", "still.jpg"]

    # ffmpeg gone and the cache emptied: the kept copy is still served, nothing is made again.
    settings.FFMPEG_BINARY = settings.FFPROBE_BINARY = "/nonexistent/ffmpeg"
    cache.clear()
    html = Client().get(sign_url(token)).content.decode()
    assert f'<source src="{media_url(token)}"' in html
    assert body(Client().get(media_url(token))) == first
    # A second link to the same file uses the same copy.
    _, other = make_link(video_party, reporter)
    assert body(Client().get(media_url(other))) == first


def test_a_player_gets_the_byte_ranges_it_asks_for(client, reporter, video_party):
    _, token = make_link(video_party, reporter)
    client.get(sign_url(token))
    whole = body(client.get(media_url(token)))

    first = client.get(media_url(token), headers={"Range": "bytes=0-99"})
    tail = client.get(media_url(token), headers={"Range": "bytes=-50"})
    rest = client.get(media_url(token), headers={"Range": f"bytes={len(whole) - 10}-"})
    beyond = client.get(media_url(token), headers={"Range": f"bytes={len(whole)}-"})

    assert first.status_code == 206 and body(first) == whole[:100]
    assert first["Content-Range"] == f"bytes 0-99/{len(whole)}"
    assert tail.status_code == 206 and body(tail) == whole[-50:]
    assert rest.status_code == 206 and body(rest) == whole[-10:]
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(whole)}"
    assert_private(first)


def test_a_long_recording_is_cut_and_the_page_says_so(
    client, settings, reporter, video_party, tmp_path
):
    settings.CONSENT_PREVIEW_MAX_SECONDS = 1
    _, token = make_link(video_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert "It plays the first 1 second only." in html
    assert "To see the rest of it before you sign" in html
    served = body(client.get(media_url(token)))
    assert float(_probe(served, tmp_path)["format"]["duration"]) < 1.3


@pytest.mark.parametrize("problem", ["unknown", "cancelled", "used", "expired"])
def test_the_copy_needs_a_link_that_still_works(
    client, reporter, video_party, problem, time_machine, caplog
):
    caplog.set_level(logging.DEBUG)
    time_machine.move_to(timezone.now())
    link, token = make_link(video_party, reporter)
    assert client.get(sign_url(token)).status_code == 200  # the copy exists
    if problem == "unknown":
        token = "x" * 43
    elif problem == "cancelled":
        consent_link_cancel(link_id=link.pk, actor=reporter)
    elif problem == "used":
        form = {
            "acknowledged": ALL_POINTS,
            "signed_name": "Ada Subject",
            "signature": signature_data_url(),
            "shown_sha256": "",
            "language": "",
        }
        assert client.post(sign_url(token), form).status_code == 200
    else:
        time_machine.shift(timedelta(days=8))

    for url in (media_url(token), still_url(token)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"].startswith("text/plain")
    assert token not in caplog.text  # the path holds the token: never logged


# --- audio ------------------------------------------------------------------------------------


def test_audio_is_played_as_a_reduced_copy_with_a_tone(client, reporter, audio_party, tmp_path):
    _, token = make_link(audio_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert f'<source src="{media_url(token)}" type="audio/mpeg">' in html
    assert "a short tone every few seconds" in html
    assert still_url(token) not in html
    response = client.get(media_url(token))
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert_private(response)
    served = body(response)
    assert served != original(audio_party)
    found = _probe(served, tmp_path)
    (sound,) = found["streams"]
    assert (sound["codec_name"], sound["channels"], sound["sample_rate"]) == ("mp3", 1, "22050")
    assert int(sound["bit_rate"]) <= 48_000
    assert SECRET_TITLE not in json.dumps(found)
    assert max(map(abs, _samples(served, tmp_path, start=0, seconds=0.3))) > 3000
    assert max(map(abs, _samples(served, tmp_path, start=1, seconds=1))) < 200
    assert client.get(still_url(token)).status_code == 404


# --- when there is no copy --------------------------------------------------------------------


def assert_no_preview(html: str, token: str, kind: str) -> None:
    assert f"A preview of this {kind} is not available" in html
    assert 'href="mailto:consent@news.example"' in html
    assert media_url(token) not in html and "<video" not in html and "<audio" not in html


def test_without_ffmpeg_the_page_says_there_is_no_preview_and_whom_to_ask(
    client, settings, reporter, video_party, time_machine
):
    time_machine.move_to(timezone.now())
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    settings.FFMPEG_BINARY = settings.FFPROBE_BINARY = "/nonexistent/ffmpeg"
    _, token = make_link(video_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert_no_preview(html, token, "video")
    assert client.get(media_url(token)).status_code == 404
    assert client.get(still_url(token)).status_code == 404
    assert not default_storage.exists(STORAGE_FOLDER)

    # ffmpeg installed: the failure is remembered for a while, then it is tried again.
    settings.FFMPEG_BINARY, settings.FFPROBE_BINARY = FFMPEG, FFPROBE
    assert_no_preview(client.get(sign_url(token)).content.decode(), token, "video")
    time_machine.shift(timedelta(seconds=settings.CONSENT_PREVIEW_RETRY_SECONDS + 1))
    html = client.get(sign_url(token)).content.decode()
    assert f'<source src="{media_url(token)}"' in html


@pytest.fixture
def fake_ffmpeg(tmp_path: Path) -> Path:
    """A folder to put stand-ins for ffmpeg in."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def _script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_an_ffmpeg_that_hangs_is_stopped_at_the_timeout(
    client, settings, reporter, audio_party, fake_ffmpeg
):
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    settings.CONSENT_PREVIEW_TIMEOUT = 2
    pid_file = fake_ffmpeg / "pid"
    settings.FFMPEG_BINARY = _script(
        fake_ffmpeg / "ffmpeg", f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n"
    )
    _, token = make_link(audio_party, reporter)

    started = time.monotonic()
    html = client.get(sign_url(token)).content.decode()
    took = time.monotonic() - started

    assert took < 10, took
    assert_no_preview(html, token, "recording")
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left running
    assert client.get(media_url(token)).status_code == 404


def test_a_video_that_cannot_be_encoded_shows_its_marked_still(
    client, settings, reporter, video_party, fake_ffmpeg, tmp_path
):
    """The still is made first and quickly; when the moving copy then fails (here: an ffmpeg
    whose H.264 encoder fails), the page shows the marked still and whom to ask for the rest."""
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    settings.FFMPEG_BINARY = _script(
        fake_ffmpeg / "ffmpeg",
        f'#!/bin/sh\ncase "$*" in *libx264*) echo "encoder broke" >&2; exit 1;; esac\n'
        f'exec {FFMPEG} "$@"\n',
    )
    _, token = make_link(video_party, reporter)

    html = client.get(sign_url(token)).content.decode()

    assert f'<img src="{still_url(token)}" alt="A still frame of the video' in html
    assert "The video itself could not be prepared" in html
    assert "To see the whole video before you sign, ask" in html
    assert 'href="mailto:consent@news.example"' in html
    assert "<video" not in html
    assert client.get(media_url(token)).status_code == 404
    still = client.get(still_url(token))
    assert still.status_code == 200
    plain = _frame(original(video_party), tmp_path, at=1.0, width=640, height=360)
    assert_marked(Image.open(io.BytesIO(body(still))).convert("RGB"), plain)


# --- made in the background -------------------------------------------------------------------


def test_the_copy_is_made_when_the_desk_makes_the_link(
    client, settings, reporter, video_party, photo_asset_party, django_capture_on_commit_callbacks
):
    """Queued after the link's commit, so the person finds it ready (here the task runs
    in-process, as without a broker); nothing is queued for an image."""
    with django_capture_on_commit_callbacks(execute=True) as queued:
        _, token = make_link(video_party, reporter)
    assert len(queued) == 1
    _, stored = default_storage.listdir(preview_folder(video_party.asset))
    assert "preview.mp4" in stored

    settings.FFMPEG_BINARY = settings.FFPROBE_BINARY = "/nonexistent/ffmpeg"
    html = client.get(sign_url(token)).content.decode()
    assert f'<source src="{media_url(token)}" type="video/mp4">' in html

    with django_capture_on_commit_callbacks(execute=True) as queued:
        make_link(photo_asset_party, reporter)
    assert queued == []


class Broker:
    """A broker's queue: the task is sent, and runs later (when the test says)."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def delay(self, asset_id: int) -> None:
        self.sent.append(asset_id)


def test_with_a_broker_the_page_says_it_is_being_prepared_until_the_task_ran(
    client, monkeypatch, reporter, video_party
):
    broker = Broker()
    monkeypatch.setattr(remote_services, "consent_preview_make", broker)
    _, token = make_link(video_party, reporter)

    first = client.get(sign_url(token)).content.decode()
    again = client.get(sign_url(token)).content.decode()

    assert broker.sent == [video_party.asset_id]  # queued once for both visits
    for html in (first, again):
        assert "is being prepared" in html and "<video" not in html
    assert client.get(media_url(token)).status_code == 404

    # The worker runs it (the real task, by its registered name).
    celery_app.tasks["consent.remote.tasks.consent_preview_make"](broker.sent[0])

    html = client.get(sign_url(token)).content.decode()
    assert f'<source src="{media_url(token)}" type="video/mp4">' in html
    assert client.get(media_url(token)).status_code == 200
    assert broker.sent == [video_party.asset_id]


WORKER_START = """
import django
django.setup()
from newsroom.celery import app
app.loader.import_default_modules()  # what a worker does as it starts
print(sorted(app.tasks))
"""


def test_a_worker_finds_the_task_under_its_name():
    """In a fresh interpreter, as a worker starts (this test process imported the task
    already)."""
    done = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings_test"},
    )
    assert "'consent.remote.tasks.consent_preview_make'" in done.stdout, done.stderr[-2000:]


def test_while_another_request_makes_the_copy_the_page_says_so(client, reporter, video_party):
    _, token = make_link(video_party, reporter)
    cache.add(f"{preview_cache_key(video_party.asset)}:making", "1", timeout=60)

    html = client.get(sign_url(token)).content.decode()

    assert "is being prepared" in html and f'href="{sign_url(token)}"' in html
    assert client.get(media_url(token)).status_code == 404


def test_a_file_of_a_type_without_a_demuxer_is_not_handed_to_ffmpeg(
    client, settings, reporter, make_asset, person, green_video, fake_ffmpeg
):
    """The demuxer is forced from the sniffed type: anything else is refused before ffmpeg
    runs (here an ffmpeg that would leave a mark if it ran)."""
    settings.CONSENT_CONTACT_EMAIL = "consent@news.example"
    ran = fake_ffmpeg / "ran"
    settings.FFMPEG_BINARY = settings.FFPROBE_BINARY = _script(
        fake_ffmpeg / "ffmpeg", f"#!/bin/sh\ntouch {ran}\nexit 1\n"
    )
    party = _party(
        make_asset,
        reporter,
        person,
        kind=MediaKind.VIDEO,
        media_type="application/vnd.apple.mpegurl",
        data=green_video,
    )
    _, token = make_link(party, reporter)

    assert_no_preview(client.get(sign_url(token)).content.decode(), token, "video")
    assert not ran.exists()
