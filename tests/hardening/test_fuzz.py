"""Issue requirement: a Hypothesis fuzz test of the intake, signature and evidence paths with
mutated images, audio and video, bounded in time.

Each path gets valid seeds (made here, recorder output, real C2PA files from the shared corpus
read by path) mutated by byte flips, truncation, inserted, removed and repeated stretches,
integer fields set to edge values, another format's magic number, PNG and JPEG dimensions
rewritten (PNG with a valid CRC) and MP4/RIFF box sizes changed; uploads also get names and
Content-Types that lie. For every case the answer is never a 5xx (an exception raised in a
view fails the test too: the test client re-raises it), and either

- accepted, and what was stored is what was sent (a new row for each file, its hash, its bytes
  on disk, a media type the desk accepts; an upload's checks have run and moved it into
  review), or
- refused with a message shown to the person, and nothing changed: no row, no audit event,
  no file in media storage.

Derandomized, so CI runs the same cases every time; a failure prints (as a Hypothesis note)
the seed's name and the mutations (`fuzz_media.Mutant`), from which `.data` rebuilds the bytes.
The whole module runs in about 30 s.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import resource
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from consent.evidence.files import RELEASE_TYPES
from consent.models import ConsentLink, ConsentMethod, ConsentRecord, Party
from provenance.models import ProvenanceThumbnail
from review.intake import ALLOWED_MEDIA_TYPES
from review.models import Asset, AssetStatus
from tests.consent.test_remote_links import make_link, sign_form, sign_url
from tests.consent.test_views_desk import record_data, record_url
from tests.hardening.fuzz_media import (
    CORPUS,
    MULTIPART,
    DataUrl,
    FilePart,
    Mutant,
    Seed,
    client_names,
    data_urls,
    intake_seeds,
    multipart,
    mutants,
    recording_seeds,
    release_seeds,
    signature_seeds,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# Each test's examples share one database transaction (pytest-django's), so every property is
# checked as a difference: the counts and files before the example against those after it.
def fuzz(max_examples: int) -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,  # derandomized: no failures saved to replay
        print_blob=False,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Every case decodes at most a few megapixels; a hostile header that got a full decode (the
# 13000² PNG is 676 MB of RGBA) would push the process's peak far past this.
MAX_PEAK_GROWTH_BYTES = 400 * 1024 * 1024


@pytest.fixture(autouse=True)
def _memory_bound() -> Iterator[None]:
    """Function-scoped, so it wraps all of a test's examples: the process's peak resident
    memory may not grow by more than MAX_PEAK_GROWTH_BYTES while they run. (The peak only
    rises: this catches a spike past the earlier peak, which a bomb's decode would be.)"""
    before = _peak_rss()
    yield
    growth = _peak_rss() - before
    assert growth < MAX_PEAK_GROWTH_BYTES, f"peak memory grew by {growth // 2**20} MiB"


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    # Hundreds of posts from one address to the public page: the limits have their own tests.
    settings.REMOTE_CONSENT_RATE_LIMIT = "100000/m"
    settings.REMOTE_CONSENT_SIGN_RATE_LIMIT = "100000/m"


@dataclass(frozen=True)
class Snapshot:
    last_asset: int
    last_record: int
    audit_events: int
    files: frozenset[Path]

    @classmethod
    def take(cls, media_files: Callable[[], list[Path]]) -> Snapshot:
        return cls(
            last_asset=_last_pk(Asset),
            last_record=_last_pk(ConsentRecord),
            audit_events=AuditEvent.objects.count(),
            files=frozenset(media_files()),
        )


def _last_pk(model: Any) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0)


def assert_nothing_changed(before: Snapshot, media_files: Callable[[], list[Path]]) -> None:
    assert not Asset.objects.filter(pk__gt=before.last_asset).exists()
    assert not ConsentRecord.objects.filter(pk__gt=before.last_record).exists()
    assert AuditEvent.objects.count() == before.audit_events
    assert frozenset(media_files()) == before.files


ALERT = re.compile(r'<(p|div|li)\b[^>]*\brole="alert"[^>]*>(.*?)</\1>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def shown_alerts(response: Response) -> list[str]:
    """The text of the page's alerts (role="alert"), the way every form here shows an error."""
    found = ALERT.findall(response.content.decode())
    texts = [" ".join(html.unescape(TAG.sub(" ", body)).split()) for _, body in found]
    return [text for text in texts if text]


def assert_refused(response: Response, *messages: str) -> None:
    """A 400 whose page says why, in an alert; with `messages`, those are what it says."""
    assert response.status_code == 400, response.status_code
    if refused_by_django(response):
        return
    alerts = shown_alerts(response)
    assert alerts, "refused without saying why"
    for message in messages:
        assert message.strip(), "refused with an empty message"
        assert any(" ".join(message.split()) in alert for alert in alerts), (message, alerts)


def refused_by_django(response: Response) -> bool:
    """Django's own 400 for a body it cannot parse, before any view runs: a multipart part
    whose file name sanitizes to nothing ("clip/", "..") is skipped without being read, and
    its bytes are then parsed as the next part's headers. No browser sends such a name. The
    page (templates/400.html) still says what happened and that nothing was saved."""
    return response.status_code == 400 and b"Nothing was saved." in response.content


def new_files(before: Snapshot, media_files: Callable[[], list[Path]]) -> set[Path]:
    return set(media_files()) - before.files


def corpus_required() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"The C2PA corpus is missing at {CORPUS} (set C2PA_CORPUS).")
        pytest.skip(f"no C2PA corpus at {CORPUS} (set C2PA_CORPUS); CI fails instead")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- intake: the upload page, then the checks it queues ------------------------------------------


@st.composite
def upload_parts(draw: st.DrawFn) -> FilePart:
    mutant = draw(mutants(intake_seeds()))
    filename, content_type = draw(client_names(mutant.seed))
    note(f"file {filename!r} ({content_type!r}): {mutant!r}")
    return FilePart("files", filename, content_type, mutant.data)


@fuzz(max_examples=80)
@given(parts=st.lists(upload_parts(), min_size=1, max_size=3))
def test_intake_of_mutated_media_is_stored_whole_or_refused_cleanly(
    reporter_client: Client,
    media_files: Callable[[], list[Path]],
    django_capture_on_commit_callbacks: Any,
    parts: list[FilePart],
) -> None:
    sent = {_sha256(part.content): part.content for part in parts}
    before = Snapshot.take(media_files)

    # The checks the upload queues run too (after commit, as in `make run`): re-hash, decode
    # the header, read the Content Credentials of each mutant.
    body = multipart({"source": "staff"}, *parts)
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(reverse("review:upload"), body, content_type=MULTIPART)

    assert response.status_code < 500
    if response.status_code != 200:
        event("refused")
        if not refused_by_django(response):
            context = response.context
            rejected = [r.reason for r in context["rejected"]]
            assert_refused(response, *rejected, *context["form"].non_field_errors())
        assert_nothing_changed(before, media_files)
        return

    # A batch may be accepted in part: each file stored is one that was sent, whole; each
    # file refused is named with its reason; nothing else is written.
    created = list(Asset.objects.filter(pk__gt=before.last_asset))
    rejected = response.context["rejected"]
    event(f"accepted {len(created)} of {len(parts)}")
    assert created
    assert len(created) + len(rejected) <= len(parts)
    page = response.content.decode()
    for reason in rejected:
        assert html.escape(reason.reason) in page
    for asset in created:
        content = sent[asset.sha256]
        assert ALLOWED_MEDIA_TYPES[asset.media_type] == asset.media_kind
        assert asset.size_bytes == len(content)
        with asset.file.open("rb") as handle:
            assert handle.read() == content
        assert reverse("review:asset_detail", args=[asset.pk]) in page
        # Whatever the file holds, its checks finish: a damaged file is a finding shown to
        # the editor, and the provenance reader never crashes on it.
        assert asset.status == AssetStatus.IN_REVIEW
        assert "provenance check failed" not in asset.check_error
    # The uploads, and the thumbnails their credentials carry (stored once per image: an
    # earlier example may have stored one already).
    uploaded = {Path(asset.file.path) for asset in created}
    thumbnails = ProvenanceThumbnail.objects.filter(report__asset__in=created)
    assert (
        uploaded
        <= new_files(before, media_files)
        <= uploaded | {Path(thumbnail.file.path) for thumbnail in thumbnails}
    )
    assert AuditEvent.objects.count() > before.audit_events


def test_intake_fuzzing_reads_the_c2pa_corpus() -> None:
    """The corpus seeds are in the intake fuzzing wherever the corpus is (CI included)."""
    corpus_required()
    names = {seed.name for seed in intake_seeds()}
    assert {"corpus:C.jpg", "corpus:dashinit.mp4"} <= names


# --- signatures: the public remote link and the desk's signature pad ------------------------------


def _assert_signature_stored(record: ConsentRecord, url: DataUrl) -> None:
    png = url.png
    assert png is not None, f"a malformed data URL was accepted: {url.text[:60]!r}"
    assert record.signature_sha256 == _sha256(png)
    with record.signature_image.open("rb") as handle:
        assert handle.read() == png


@fuzz(max_examples=50)
@given(url=data_urls())
def test_remote_signature_of_mutated_png_is_stored_whole_or_refused_cleanly(
    reporter: Any,
    subject_party: Party,
    media_files: Callable[[], list[Path]],
    url: DataUrl,
) -> None:
    note(repr(url))
    link, token = make_link(subject_party, reporter)
    before = Snapshot.take(media_files)

    response = Client().post(sign_url(token), sign_form(signature=url.text))

    assert response.status_code < 500
    link.refresh_from_db()
    if response.status_code != 200:
        event("refused")
        assert_refused(response)
        assert_nothing_changed(before, media_files)
        assert link.used_at is None
        return

    event("accepted")
    record = ConsentRecord.objects.get(pk__gt=before.last_record)
    assert record.method == ConsentMethod.SIGNED_REMOTELY
    _assert_signature_stored(record, url)
    assert new_files(before, media_files) == {Path(record.signature_image.path)}
    assert link.used_at is not None
    assert ConsentLink.objects.get(pk=link.pk).used_at is not None


def _latest_pk(party: Party) -> str:
    latest = party.consent_records.order_by("-version").first()
    return str(latest.pk) if latest else ""


def _desk_post(
    client: Client, party: Party, *, htmx: bool, evidence: FilePart | None = None, **fields: object
) -> tuple[Response, bool]:
    """Post the in-person form; the answer and whether it was accepted."""
    data = record_data(supersedes=_latest_pk(party), **fields)
    body = multipart(data, *([evidence] if evidence else []))
    headers = HTMX if htmx else {}
    response = client.post(record_url(party), body, content_type=MULTIPART, headers=headers)
    accepted = response.status_code == 302 or "HX-Redirect" in response
    return response, accepted


@fuzz(max_examples=40)
@given(url=data_urls(), htmx=st.booleans())
def test_desk_signature_of_mutated_png_is_stored_whole_or_refused_cleanly(
    reporter_client: Client,
    subject_party: Party,
    media_files: Callable[[], list[Path]],
    url: DataUrl,
    htmx: bool,
) -> None:
    note(repr(url))
    before = Snapshot.take(media_files)

    response, accepted = _desk_post(reporter_client, subject_party, htmx=htmx, signature=url.text)

    assert response.status_code < 500
    if not accepted:
        event("refused")
        assert_refused(response)
        assert_nothing_changed(before, media_files)
        return
    event("accepted")
    record = ConsentRecord.objects.get(pk__gt=before.last_record)
    assert record.method == ConsentMethod.SIGNED_IN_PERSON
    _assert_signature_stored(record, url)
    assert new_files(before, media_files) == {Path(record.signature_image.path)}


# --- evidence: signed releases and recordings of verbal consent ----------------------------------

RELEASE, VERBAL = ConsentMethod.UPLOADED_RELEASE, ConsentMethod.VERBAL

evidence_cases = st.one_of(
    st.tuples(st.just(RELEASE), mutants(release_seeds())),
    st.tuples(st.just(VERBAL), mutants(recording_seeds())),
    # The wrong kind for the method, or media a release never is.
    st.tuples(st.sampled_from([RELEASE, VERBAL]), mutants(intake_seeds(), max_mutations=1)),
)


@fuzz(max_examples=70)
@given(case=evidence_cases, htmx=st.booleans(), data=st.data())
def test_evidence_of_mutated_media_is_stored_whole_or_refused_cleanly(
    reporter_client: Client,
    subject_party: Party,
    media_files: Callable[[], list[Path]],
    case: tuple[str, Mutant],
    htmx: bool,
    data: st.DataObject,
) -> None:
    method, mutant = case
    filename, content_type = data.draw(client_names(mutant.seed), label="client's name, type")
    note(f"{method}: file {filename!r} ({content_type!r}): {mutant!r}")
    content = mutant.data
    before = Snapshot.take(media_files)

    response, accepted = _desk_post(
        reporter_client,
        subject_party,
        htmx=htmx,
        method=method,
        signature="",
        evidence=FilePart("evidence", filename, content_type, content),
    )

    assert response.status_code < 500
    if not accepted:
        event("refused")
        assert_refused(response)
        assert_nothing_changed(before, media_files)
        return
    event("accepted")
    record = ConsentRecord.objects.get(pk__gt=before.last_record)
    assert record.method == method
    if method == RELEASE:
        assert record.evidence_media_type in RELEASE_TYPES
    else:
        assert record.evidence_media_type.startswith(("audio/", "video/"))
    assert record.evidence_sha256 == _sha256(content)
    with record.evidence_file.open("rb") as handle:
        assert handle.read() == content
    assert 0 < len(record.evidence_filename) <= 255
    assert not record.signature_image
    assert new_files(before, media_files) == {Path(record.evidence_file.path)}


# --- the seeds themselves -------------------------------------------------------------------------
# A fuzz test whose seeds are already refused only ever tests the refusal.


@pytest.mark.parametrize("seed", intake_seeds(), ids=lambda seed: seed.name)
def test_every_intake_seed_is_accepted_as_is(
    reporter_client: Client, django_capture_on_commit_callbacks: Any, seed: Seed
) -> None:
    body = multipart({"source": "staff"}, FilePart("files", seed.filename, "", seed.data))
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(reverse("review:upload"), body, content_type=MULTIPART)
    assert response.status_code == 200
    asset = Asset.objects.get()
    assert (asset.sha256, asset.status) == (_sha256(seed.data), AssetStatus.IN_REVIEW)
    assert "could not be decoded" not in asset.check_error


@pytest.mark.parametrize(
    ("method", "seed"),
    [(RELEASE, seed) for seed in release_seeds()] + [(VERBAL, seed) for seed in recording_seeds()],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_every_evidence_seed_is_accepted_as_is(
    reporter_client: Client, subject_party: Party, method: str, seed: Seed
) -> None:
    part = FilePart("evidence", seed.filename, seed.content_type, seed.data)
    response, accepted = _desk_post(
        reporter_client, subject_party, htmx=True, method=method, signature="", evidence=part
    )
    assert accepted, shown_alerts(response)
    assert ConsentRecord.objects.get().evidence_sha256 == _sha256(seed.data)


@pytest.mark.parametrize("seed", signature_seeds()[:1], ids=lambda seed: seed.name)
def test_the_signature_seed_is_accepted_as_is(
    reporter_client: Client, subject_party: Party, seed: Seed
) -> None:
    url = DataUrl(Mutant(seed, ()))
    response, accepted = _desk_post(reporter_client, subject_party, htmx=True, signature=url.text)
    assert accepted, shown_alerts(response)
