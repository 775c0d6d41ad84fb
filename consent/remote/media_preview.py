"""Audio and video as the person consenting sees and hears them: a copy made with ffmpeg, small
and marked, never the original file (the image counterpart is `consent.remote.preview`).

- A video becomes an H.264/AAC MP4 at most PREVIEW_EDGE px on its longer side, at a low
  bitrate, with "CONSENT PREVIEW – NOT FOR PUBLICATION" burned into every frame (large across
  the middle, smaller drifting across the upper part and again lower down, and on a solid band
  at the bottom), plus a JPEG still of one frame with the same marks (the player's poster, and
  what the page shows when the moving preview could not be made).
- Audio (and a video's sound) becomes mono, 22 kHz, at a low bitrate, with a short tone every
  BEEP_EVERY seconds mixed in: an audible mark that survives re-recording.
- Neither keeps the original's metadata or chapters.

Each preview is made once per version of the file (its sha256), in a background task
(`consent.remote.tasks.consent_preview_make`) queued when the desk makes a link to the asset, or
when the page finds none; it is kept in the asset's storage with a small manifest naming the
files, and requests only read it. Making it is bounded: one time budget
(CONSENT_PREVIEW_TIMEOUT) for every ffmpeg and ffprobe run together, `-nostdin`,
CONSENT_PREVIEW_THREADS threads, an output size cap (`-fs`), only the first
CONSENT_PREVIEW_MAX_SECONDS of the input, and the input's demuxer forced from the sniffed media
type with only the `file` protocol allowed, so that a crafted upload (an HLS playlist dressed as
a video, say) cannot make ffmpeg open anything else. argv lists only, never a shell.

When ffmpeg is missing or fails, nothing is served and the page says so; the failure is
remembered in the cache for a while (CONSENT_PREVIEW_RETRY_SECONDS) rather than retried on
every request, and a claim in the cache keeps two tasks from making the same preview at once.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from consent.remote.preview import WATERMARK, watermark_font
from review.models import Asset, MediaKind

logger = logging.getLogger(__name__)

PREVIEW_EDGE = 640  # px, the longer side: enough to recognise oneself, too small to publish
PREVIEW_FPS = 15
VIDEO_MAX_RATE = "500k"
AUDIO_RATE = 22050
AUDIO_BITRATE = "40k"
BEEP_EVERY = 6  # seconds between two tones
BEEP_SECONDS = 0.35
# The sine source is at 1/8 of full scale: 1.6 puts the tone at a fifth (-14 dBFS), plain to
# hear over speech without drowning it.
BEEP_GAIN = 1.6
# Changing how previews are made changes this, so that stored ones are made again.
FORMAT_VERSION = "v1"
STORAGE_FOLDER = "consent-previews"
# How long a claim to make a preview outlives the time a run may take (a task waiting in the
# broker's queue first).
CLAIM_MARGIN_SECONDS = 300

# ffmpeg's demuxer for each media type intake accepts (review.intake); anything else is refused.
DEMUXERS = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/x-m4v": "mov",
    "video/iso.segment": "mov",
    "audio/mp4": "mov",
    "audio/m4a": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "video/x-msvideo": "avi",
    "video/mpeg": "mpeg",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/x-flac": "flac",
    "audio/aac": "aac",
    "audio/x-aiff": "aiff",
}


class PreviewState(StrEnum):
    READY = "ready"  # the marked audio or video (a video with its still)
    STILL = "still"  # a video whose moving preview could not be made: its marked still only
    PREPARING = "preparing"  # queued or being made
    NOT_MADE = "not_made"  # nobody asked for it yet
    UNAVAILABLE = "unavailable"  # no ffmpeg, or it failed: nothing to show


@dataclass(frozen=True)
class AvPreview:
    state: PreviewState
    media_name: str = ""  # in the asset's storage
    media_type: str = ""
    still_name: str = ""
    # Set when the original is longer than CONSENT_PREVIEW_MAX_SECONDS: the preview's length.
    cut_at_seconds: int | None = None


class PreviewFailed(Exception):
    """ffmpeg is missing, ran out of time, or could not read the file."""


def plays_on_page(asset: Asset) -> bool:
    """Audio and video get a marked copy on the signing page unless REMOTE_CONSENT_PLAY_MEDIA
    is off (then the page shows only the desk's description)."""
    playable = asset.media_kind in (MediaKind.AUDIO, MediaKind.VIDEO)
    return playable and bool(settings.REMOTE_CONSENT_PLAY_MEDIA)


def av_preview(asset: Asset) -> AvPreview:
    """The asset's marked preview as it stands: made (READY or STILL), being made (PREPARING),
    failed or not wanted (UNAVAILABLE), or NOT_MADE (nobody has asked for it yet: see
    `consent.remote.services.consent_preview_prepare`). Reads only."""
    if not plays_on_page(asset):
        return AvPreview(PreviewState.UNAVAILABLE)
    stored = _stored(asset)
    if stored is not None:
        return stored
    key = preview_cache_key(asset)
    if cache.get(f"{key}:failed"):
        return AvPreview(PreviewState.UNAVAILABLE)
    if cache.get(f"{key}:making"):
        return AvPreview(PreviewState.PREPARING)
    return AvPreview(PreviewState.NOT_MADE)


def av_preview_claim(asset: Asset) -> bool:
    """Whether the caller is the one to have the preview made (then it queues
    `av_preview_make`): one claim per file at a time, across processes (the cache). The claim
    outlives a run, so a worker that died holding it does not block for ever."""
    lifetime = int(settings.CONSENT_PREVIEW_TIMEOUT) + CLAIM_MARGIN_SECONDS
    return bool(cache.add(f"{preview_cache_key(asset)}:making", "1", timeout=lifetime))


def av_preview_make(asset: Asset) -> AvPreview:
    """Make the marked preview (a background task, after `av_preview_claim`), then give up the
    claim. A failure is remembered for CONSENT_PREVIEW_RETRY_SECONDS."""
    key = preview_cache_key(asset)
    try:
        # Made already (a claim that expired while its task waited in the queue, say).
        return _stored(asset) or _make(asset)
    except PreviewFailed as exc:
        logger.warning("No consent preview for asset %s: %s", asset.pk, exc)
        cache.set(f"{key}:failed", "1", timeout=int(settings.CONSENT_PREVIEW_RETRY_SECONDS))
        return AvPreview(PreviewState.UNAVAILABLE)
    finally:
        cache.delete(f"{key}:making")


def preview_storage(asset: Asset) -> Storage:
    storage: Storage = asset.file.storage
    return storage


# --- stored previews --------------------------------------------------------------------------


def preview_cache_key(asset: Asset) -> str:
    return f"consent-av-preview:{asset.uid.hex}:{asset.sha256}:{FORMAT_VERSION}"


def preview_folder(asset: Asset) -> str:
    return f"{STORAGE_FOLDER}/{asset.uid.hex}/{asset.sha256[:16]}-{FORMAT_VERSION}"


def _stored(asset: Asset) -> AvPreview | None:
    """The manifest is written last, so a preview it names is complete."""
    storage = preview_storage(asset)
    name = f"{preview_folder(asset)}/manifest.json"
    try:
        with storage.open(name, "rb") as handle:
            manifest: dict[str, Any] = json.loads(handle.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    media = str(manifest.get("media") or "")
    still = str(manifest.get("still") or "")
    cut = manifest.get("cut_at_seconds")
    return AvPreview(
        PreviewState.READY if media else PreviewState.STILL,
        media_name=media,
        media_type=str(manifest.get("media_type") or ""),
        still_name=still,
        cut_at_seconds=int(cut) if cut is not None else None,
    )


def _save(storage: Storage, name: str, path: Path) -> str:
    with path.open("rb") as handle:
        return storage.save(name, File(handle))


# --- making one -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Probe:
    has_video: bool
    has_audio: bool
    duration: float | None


class _Budget:
    """One deadline for every run that makes a preview."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewFailed("out of time")
        return remaining


def _binary(setting: str) -> str:
    configured = str(getattr(settings, setting))
    found = shutil.which(configured)
    if found is None:
        raise PreviewFailed(f"{setting} {configured!r} not found")
    return found


def _run(argv: list[str], budget: _Budget) -> subprocess.CompletedProcess[bytes]:
    try:
        # run() kills the child when the timeout expires, then waits for it.
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=budget.left(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PreviewFailed(f"{Path(argv[0]).name} ran out of time") from None
    except OSError as exc:
        raise PreviewFailed(f"{Path(argv[0]).name} could not run: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise PreviewFailed(f"{Path(argv[0]).name} exited with {done.returncode}: {tail}")
    return done


def _input_options(asset: Asset) -> list[str]:
    demuxer = DEMUXERS.get(asset.media_type)
    if demuxer is None:
        raise PreviewFailed(f"no preview for {asset.media_type!r}")
    return ["-protocol_whitelist", "file", "-f", demuxer]


def _probe(asset: Asset, source: Path, budget: _Budget) -> _Probe:
    argv = [
        _binary("FFPROBE_BINARY"),
        "-v",
        "error",
        *_input_options(asset),
        "-show_entries",
        "stream=codec_type:format=duration",
        "-of",
        "json",
        "-i",
        str(source),
    ]
    try:
        found: dict[str, Any] = json.loads(_run(argv, budget).stdout)
    except ValueError as exc:
        raise PreviewFailed(f"ffprobe said something unreadable: {exc}") from None
    kinds = {stream.get("codec_type") for stream in found.get("streams", [])}
    try:
        duration: float | None = float(found.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = None
    return _Probe("video" in kinds, "audio" in kinds, duration)


def _quoted(value: str) -> str:
    """A value inside a filter graph, quoted for ffmpeg's filter parser."""
    if any(char in value for char in "'\\\n"):
        raise PreviewFailed("a value the filter graph cannot quote")
    return f"'{value}'"


def _marks(font: Path) -> str:
    """The video filters: scale down, then the watermark four times over."""
    text = _quoted(WATERMARK)
    face = _quoted(str(font))

    def draw(options: str) -> str:
        return f"drawtext=fontfile={face}:text={text}:expansion=none:{options}"

    # The text runs about 25 font sizes wide: a size of w/27 fits it across any frame.
    return ",".join(
        [
            # Fewer frames to mark and encode: enough to recognise a scene and a voice.
            f"fps={PREVIEW_FPS}",
            # The longer edge at most PREVIEW_EDGE, the aspect kept, even sides for H.264.
            f"scale=w='min({PREVIEW_EDGE},iw)':h='min({PREVIEW_EDGE},ih)'"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2",
            # Across the middle, where a face usually is: no crop keeps the picture without it.
            draw(
                "fontsize='w/27':fontcolor=white@0.6:borderw=2:bordercolor=black@0.5:"
                "x='(w-text_w)/2':y='(h-text_h)/2'"
            ),
            # Drifting across the upper part, so no single region is always clean.
            draw(
                "fontsize='w/34':fontcolor=white@0.5:borderw=1:bordercolor=black@0.4:"
                "x='w-mod(t*50,w+text_w)':y='h/4'"
            ),
            draw(
                "fontsize='w/34':fontcolor=white@0.45:borderw=1:bordercolor=black@0.4:"
                "x='(w-text_w)/2':y='h*7/10'"
            ),
            # A solid band at the bottom, plain to read.
            "drawbox=x=0:y='ih-ih/10':w=iw:h='ih/10':color=0x0b0c0c@1:t=fill",
            draw("fontsize='min(h/24,w/30)':fontcolor=white:x='(w-text_w)/2':y='h-h/20-text_h/2'"),
        ]
    )


def _audio_marks(source_label: str) -> str:
    beep = (
        f"sine=frequency=880:sample_rate={AUDIO_RATE},"
        f"volume=volume='{BEEP_GAIN}*lt(mod(t,{BEEP_EVERY}),{BEEP_SECONDS})':eval=frame[beep]"
    )
    return (
        f"{source_label}aformat=channel_layouts=mono,aresample={AUDIO_RATE}[voice];{beep};"
        "[voice][beep]amix=inputs=2:duration=first:normalize=0[a]"
    )


def _common(asset: Asset, source: Path, *, seek: float = 0.0) -> list[str]:
    threads = str(int(settings.CONSENT_PREVIEW_THREADS))
    head = [_binary("FFMPEG_BINARY"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    seeking = ["-ss", f"{seek:.3f}"] if seek else []
    return [
        *head,
        "-threads",
        threads,
        *_input_options(asset),
        *seeking,
        "-t",
        str(int(settings.CONSENT_PREVIEW_MAX_SECONDS)),
        "-i",
        str(source),
        "-filter_complex_threads",
        "1",
        "-threads",
        threads,
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-fs",
        str(int(settings.CONSENT_PREVIEW_MAX_BYTES)),
    ]


def _still(
    asset: Asset, source: Path, probe: _Probe, font: Path, out: Path, budget: _Budget
) -> None:
    # A second in (or a third of a short clip): the first frame is often black.
    seek = min(1.0, probe.duration / 3) if probe.duration else 0.0
    argv = [
        *_common(asset, source, seek=seek),
        "-filter_complex",
        f"[0:v:0]{_marks(font)}[v]",
        "-map",
        "[v]",
        "-frames:v",
        "1",
        "-c:v",
        "mjpeg",
        "-q:v",
        "6",
        "-f",
        "image2",
        str(out),
    ]
    _run(argv, budget)


def _video(
    asset: Asset, source: Path, probe: _Probe, font: Path, out: Path, budget: _Budget
) -> None:
    graph = f"[0:v:0]{_marks(font)}[v]"
    maps = ["-map", "[v]"]
    sound = ["-an"]
    if probe.has_audio:
        graph += ";" + _audio_marks("[0:a:0]")
        maps += ["-map", "[a]"]
        sound = ["-c:a", "aac", "-b:a", "48k", "-ac", "1"]
    argv = [
        *_common(asset, source),
        "-filter_complex",
        graph,
        *maps,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "30",
        "-maxrate",
        VIDEO_MAX_RATE,
        "-bufsize",
        "1000k",
        "-pix_fmt",
        "yuv420p",
        *sound,
        # The index first, so the phone's player starts before the whole file arrives.
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(out),
    ]
    _run(argv, budget)


def _audio(asset: Asset, source: Path, out: Path, budget: _Budget) -> None:
    argv = [
        *_common(asset, source),
        "-filter_complex",
        _audio_marks("[0:a:0]"),
        "-map",
        "[a]",
        "-c:a",
        "libmp3lame",
        "-b:a",
        AUDIO_BITRATE,
        "-ar",
        str(AUDIO_RATE),
        "-ac",
        "1",
        # No ID3 tag and no Xing header naming the encoder: bare frames.
        "-id3v2_version",
        "0",
        "-write_xing",
        "0",
        "-f",
        "mp3",
        str(out),
    ]
    _run(argv, budget)


def _local_copy(asset: Asset, folder: Path) -> Path:
    """ffmpeg reads a local file: the stored one itself when storage is a local folder, or a
    temporary copy (object storage)."""
    try:
        return Path(asset.file.path)
    except NotImplementedError:
        pass
    target = folder / "original"
    with asset.file.open("rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, length=1024 * 1024)
    return target


def _make(asset: Asset) -> AvPreview:
    budget = _Budget(float(settings.CONSENT_PREVIEW_TIMEOUT))
    font = watermark_font()
    if font is None:
        raise PreviewFailed("no font for the watermark (fonts-dejavu-core)")
    storage = preview_storage(asset)
    folder_name = preview_folder(asset)
    with tempfile.TemporaryDirectory(prefix="proofdesk-preview-") as work:
        folder = Path(work)
        source = _local_copy(asset, folder)
        probe = _probe(asset, source, budget)
        manifest: dict[str, Any] = {"media": "", "media_type": "", "still": ""}
        if probe.has_video:
            # The still first: it is quick, and if the moving preview then runs out of time
            # the still is something marked to look at.
            still = folder / "still.jpg"
            video = folder / "preview.mp4"
            failures: list[PreviewFailed] = []
            try:
                _still(asset, source, probe, font, still, budget)
                manifest["still"] = _save(storage, f"{folder_name}/still.jpg", still)
            except PreviewFailed as exc:
                failures.append(exc)
            try:
                _video(asset, source, probe, font, video, budget)
                manifest["media"] = _save(storage, f"{folder_name}/preview.mp4", video)
                manifest["media_type"] = "video/mp4"
            except PreviewFailed as exc:
                failures.append(exc)
            if not manifest["media"] and not manifest["still"]:
                raise PreviewFailed("; ".join(str(failure) for failure in failures))
            for failure in failures:
                logger.warning("Consent preview of asset %s is partial: %s", asset.pk, failure)
        elif probe.has_audio:
            sound = folder / "preview.mp3"
            _audio(asset, source, sound, budget)
            manifest["media"] = _save(storage, f"{folder_name}/preview.mp3", sound)
            manifest["media_type"] = "audio/mpeg"
        else:
            raise PreviewFailed("neither a picture nor a sound in the file")
    cap = int(settings.CONSENT_PREVIEW_MAX_SECONDS)
    manifest["cut_at_seconds"] = cap if probe.duration and probe.duration > cap + 0.5 else None
    storage.save(f"{folder_name}/manifest.json", ContentFile(json.dumps(manifest).encode("utf-8")))
    stored = _stored(asset)
    if stored is None:
        raise PreviewFailed("the manifest could not be read back")
    return stored
