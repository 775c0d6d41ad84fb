"""The write layer: intake, the background checks, and one service per workflow transition."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from audit.verification import audit_verify_chain
from review.access import Action, ActionRefused
from review.intake import IntakeError, sha256_of_stream
from review.models import Asset, AssetStatus, Comment, MediaKind
from tests.factories import jpeg_bytes, png_bytes
from tests.readiness import make_ready_for_signoff, sign_off_directly
from workflow import pipeline, services, tasks
from workflow.pipeline import asset_run_checks
from workflow.services import (
    InvalidNote,
    asset_intake,
    asset_withdraw,
    comment_add,
)

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db

S = AssetStatus

# (action, a state it may start from, the state it leads to, who takes it)
TRANSITIONS = [
    (Action.APPROVE, S.IN_REVIEW, S.APPROVED, "editor"),
    (Action.REQUEST_CHANGES, S.IN_REVIEW, S.CHANGES_REQUESTED, "editor"),
    (Action.REJECT, S.IN_REVIEW, S.REJECTED, "editor"),
    (Action.REJECT, S.CHANGES_REQUESTED, S.REJECTED, "editor"),
    (Action.RESUBMIT, S.CHANGES_REQUESTED, S.IN_REVIEW, "reporter"),
    (Action.WITHDRAW, S.RECEIVED, S.WITHDRAWN, "reporter"),
    (Action.WITHDRAW, S.CHECKING, S.WITHDRAWN, "reporter"),
    (Action.WITHDRAW, S.IN_REVIEW, S.WITHDRAWN, "reporter"),
    (Action.WITHDRAW, S.CHANGES_REQUESTED, S.WITHDRAWN, "reporter"),
    (Action.WITHDRAW, S.APPROVED, S.WITHDRAWN, "reporter"),
    (Action.WITHDRAW, S.IN_REVIEW, S.WITHDRAWN, "editor"),
    (Action.MARK_PUBLISHED, S.APPROVED, S.PUBLISHED, "editor"),
    (Action.MARK_PUBLISHED, S.APPROVED, S.PUBLISHED, "standards"),
]
ALLOWED_FROM: dict[Action, set[str]] = {}
for _action, _from, _to, _who in TRANSITIONS:
    ALLOWED_FROM.setdefault(_action, set()).add(_from)
REFUSED = [
    (action, state, who)
    for action, _from, _to, who in TRANSITIONS
    for state in S
    if state not in ALLOWED_FROM[action]
]
REFUSED = sorted(set(REFUSED))


def _service(action):
    return services.TRANSITION_SERVICES[action]


def _events(asset):
    return list(AuditEvent.objects.for_object(asset).order_by("seq"))


def _events_after(asset, events):
    """The asset's events written since `events` (what it had before) were read."""
    last = events[-1].seq if events else 0
    return [event for event in _events(asset) if event.seq > last]


def _as_the_workflow_leaves_it(asset, action):
    """An approved asset carries the sign-off its approval recorded; an asset about to be
    approved has everything the sign-off gate asks for."""
    if asset.status == S.APPROVED:
        sign_off_directly(asset)
    elif action is Action.APPROVE:
        make_ready_for_signoff(asset)
    return asset


# The sign-off events a transition writes after its own (from the state in the key).
SIGNOFF_EVENTS: dict[tuple[Action, str], list[str]] = {
    (Action.APPROVE, S.IN_REVIEW): ["signoff.recorded"],
    (Action.WITHDRAW, S.APPROVED): ["signoff.voided"],
}


# --- transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "from_state", "to_state", "who"), TRANSITIONS)
def test_transition_from_allowed_state(request, make_asset, action, from_state, to_state, who):
    asset = _as_the_workflow_leaves_it(make_asset(status=from_state), action)
    actor = request.getfixturevalue(who)
    before = _events(asset)

    result = _service(action)(asset_id=asset.pk, actor=actor, note="Checked the original.")

    asset.refresh_from_db()
    assert result.status == asset.status == to_state
    written = _events_after(asset, before)
    assert [e.action for e in written] == [
        f"asset.{action.value}",
        *SIGNOFF_EVENTS.get((action, from_state), []),
    ]
    event = written[0]
    assert (event.action, event.from_state, event.to_state) == (
        f"asset.{action.value}",
        from_state,
        to_state,
    )
    assert event.actor == actor
    assert event.actor_name == actor.username
    comment = Comment.objects.get(asset=asset)
    assert (comment.author, comment.body) == (actor, "Checked the original.")
    assert event.details == {"note": "Checked the original.", "comment_id": comment.pk}


@pytest.mark.parametrize(("action", "state", "who"), REFUSED)
def test_transition_refused_from_other_states(request, make_asset, action, state, who):
    asset = make_asset(status=state)
    actor = request.getfixturevalue(who)

    with pytest.raises(ActionRefused) as refused:
        _service(action)(asset_id=asset.pk, actor=actor, note="A reason.")

    assert refused.value.denial.kind == "state"
    asset.refresh_from_db()
    assert asset.status == state
    assert _events(asset) == []
    assert not Comment.objects.exists()


def test_approve_without_note_writes_no_comment(asset, editor):
    make_ready_for_signoff(asset)
    before = _events(asset)
    services.asset_approve(asset_id=asset.pk, actor=editor)
    written = _events_after(asset, before)
    assert [e.action for e in written] == ["asset.approve", "signoff.recorded"]
    event = written[0]
    assert event.details == {"note": "", "comment_id": None}
    assert not Comment.objects.exists()


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT, Action.WITHDRAW])
@pytest.mark.parametrize("note", ["", "   \n\t "])
def test_note_required(asset, editor, action, note):
    with pytest.raises(InvalidNote, match="a note is required"):
        _service(action)(asset_id=asset.pk, actor=editor, note=note)
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert _events(asset) == []
    assert not Comment.objects.exists()


def test_note_too_long_is_refused(asset, editor):
    with pytest.raises(InvalidNote, match="too long"):
        services.asset_reject(asset_id=asset.pk, actor=editor, note="x" * 5001)
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW


def test_note_at_the_limit_is_kept_whole(asset, editor):
    services.asset_reject(asset_id=asset.pk, actor=editor, note="x" * 5000)
    assert Comment.objects.get().body == "x" * 5000


def test_reporter_approving_is_refused_for_role_and_nothing_changes(asset, reporter):
    with pytest.raises(ActionRefused) as refused:
        services.asset_approve(asset_id=asset.pk, actor=reporter, note="looks fine")
    assert refused.value.denial.kind == "role"
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert _events(asset) == []
    assert not Comment.objects.exists()


def test_state_refusal_names_who_acted_and_when(asset, editor, second_editor):
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 11, 12, tzinfo=dt.UTC), tick=False):
        # Made ready on the same day: the consent must already count when it is approved.
        make_ready_for_signoff(asset)
        services.asset_approve(asset_id=asset.pk, actor=second_editor)
    with pytest.raises(ActionRefused) as refused:
        services.asset_reject(asset_id=asset.pk, actor=editor, note="Too late")
    assert refused.value.denial.kind == "state"
    assert str(refused.value) == (
        "This asset is approved, so it cannot be rejected now. "
        "erin_editor made it approved at 10:11:12."
    )


def test_status_changed_at_moves_with_each_transition(asset, editor):
    moment = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        make_ready_for_signoff(asset)
        services.asset_approve(asset_id=asset.pk, actor=editor)
    asset.refresh_from_db()
    assert asset.status_changed_at == moment


# --- comments ------------------------------------------------------------------------------


def test_comment_add_writes_comment_and_audit_event(asset, legal):
    comment = comment_add(asset_id=asset.pk, author=legal, body="  Consent form is missing.  ")
    assert comment.body == "Consent form is missing."
    [event] = _events(asset)
    assert event.action == "comment.added"
    assert (event.from_state, event.to_state) == ("", "")
    assert event.details == {"comment_id": comment.pk, "body": "Consent form is missing."}


def test_comment_add_refuses_someone_who_cannot_see_the_asset(asset, other_reporter):
    with pytest.raises(ActionRefused) as refused:
        comment_add(asset_id=asset.pk, author=other_reporter, body="hello")
    assert refused.value.denial.kind == "role"
    assert not Comment.objects.exists()
    assert _events(asset) == []


def test_comment_add_needs_a_body(asset, editor):
    with pytest.raises(InvalidNote):
        comment_add(asset_id=asset.pk, author=editor, body="   ")
    assert not Comment.objects.exists()


# --- intake --------------------------------------------------------------------------------


def _intake(user, content: bytes, name: str = "photo.jpg", **kwargs):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return asset_intake(
        uploaded_by=user,
        content=upload,
        sha256=sha256_of_stream(upload),
        original_filename=name,
        **kwargs,
    )


def test_intake_queues_exactly_one_check_task_after_commit(
    reporter, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.asset_check, "delay", lambda asset_id: queued.append(asset_id))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = _intake(reporter, jpeg_bytes(), story_ref=" story-9 ", description=" A street ")

    asset = result.asset
    assert result.created is True
    # Nothing is queued until the transaction commits.
    assert queued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [asset.pk]
    asset.refresh_from_db()
    assert asset.status == S.CHECKING
    assert (asset.story_ref, asset.description) == ("story-9", "A street")
    assert [(e.action, e.from_state, e.to_state) for e in _events(asset)] == [
        ("asset.received", "", S.RECEIVED),
        ("asset.check_started", S.RECEIVED, S.CHECKING),
    ]


def test_intake_then_checks_move_the_asset_into_review(
    reporter, django_capture_on_commit_callbacks
):
    content = jpeg_bytes(size=(40, 30))
    with django_capture_on_commit_callbacks(execute=True):
        result = _intake(reporter, content)

    asset = Asset.objects.get(pk=result.asset.pk)
    assert asset.status == S.IN_REVIEW
    assert (asset.width, asset.height) == (40, 30)
    assert asset.check_error == ""
    assert asset.size_bytes == len(content)
    assert asset.file.read() == content
    checked = _events(asset)[-1]
    assert (checked.action, checked.from_state, checked.to_state) == (
        "asset.checked",
        S.CHECKING,
        S.IN_REVIEW,
    )
    assert checked.actor is None
    assert checked.actor_name == "system"
    assert checked.details["sha256_verified"] is True
    assert audit_verify_chain().intact


def test_intake_sniffs_type_from_content_not_name(reporter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        asset = _intake(reporter, png_bytes(), name="holiday.jpg").asset
    assert (asset.media_type, asset.media_kind) == ("image/png", MediaKind.IMAGE)
    assert asset.original_filename == "holiday.jpg"


def test_intake_keeps_only_the_last_path_segment_of_the_name(
    reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        asset = _intake(reporter, jpeg_bytes(), name="../../etc/passwd.jpg").asset
    assert asset.original_filename == "passwd.jpg"
    assert ".." not in asset.file.name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "its content is application/x-executable"),
        (b"just some words\n" * 10, "its content matches no media format"),
    ],
)
def test_intake_refuses_non_media_and_stores_nothing(reporter, media_files, content, message):
    with pytest.raises(IntakeError, match=message):
        _intake(reporter, content)
    assert not Asset.objects.exists()
    assert not AuditEvent.objects.exists()
    assert media_files() == []


def test_intake_refuses_unknown_source(reporter, media_files):
    with pytest.raises(IntakeError, match="Unknown source"):
        _intake(reporter, jpeg_bytes(), source="tabloid")
    assert not Asset.objects.exists()
    assert media_files() == []


def test_intake_failure_in_the_database_leaves_no_row_and_no_file(
    reporter, media_files, monkeypatch
):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError, match="database went away"):
        _intake(reporter, jpeg_bytes())
    assert not Asset.objects.exists()
    assert not AuditEvent.objects.exists()
    assert media_files() == []


def test_intake_same_token_twice_gives_the_same_asset(
    reporter, media_files, django_capture_on_commit_callbacks
):
    token = "6f0e6a2c-3c55-4d4a-9d0f-0c1a2b3c4d5e"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _intake(reporter, jpeg_bytes(), intake_token=token)
        second = _intake(reporter, jpeg_bytes(), intake_token=token)
    assert first.created is True
    assert second.created is False
    assert second.asset.pk == first.asset.pk
    assert Asset.objects.count() == 1
    assert len(media_files()) == 1
    assert len(callbacks) == 1  # checks queued once


def test_intake_token_race_past_the_lookup_still_gives_one_asset(
    reporter, media_files, monkeypatch, django_capture_on_commit_callbacks
):
    """A second submit that passed the token lookup before the first one's row existed hits
    the unique constraint; it must answer with the first asset and remove its own file."""
    token = "0b7c2a9e-1d2f-4e5a-8b6c-7d8e9f0a1b2c"
    with django_capture_on_commit_callbacks(execute=True):
        first = _intake(reporter, jpeg_bytes(), intake_token=token)

    real_lookup = services._asset_for_token
    calls = []

    def lookup_misses_first_time(user, tok, filename):
        calls.append(tok)
        return None if len(calls) == 1 else real_lookup(user, tok, filename)

    monkeypatch.setattr(services, "_asset_for_token", lookup_misses_first_time)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _intake(reporter, jpeg_bytes(), intake_token=token)

    assert len(calls) == 2
    assert second.created is False
    assert second.asset.pk == first.asset.pk
    assert Asset.objects.count() == 1
    assert len(media_files()) == 1
    assert callbacks == []


def test_intake_same_bytes_new_token_is_a_flagged_duplicate(
    reporter, editor, django_capture_on_commit_callbacks
):
    content = jpeg_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        first = _intake(reporter, content, name="a.jpg")
        second = _intake(editor, content, name="b.jpg")
    assert second.created is True
    assert second.asset.pk != first.asset.pk
    assert second.duplicates == [first.asset]
    assert first.asset.file.name != second.asset.file.name


# --- checks --------------------------------------------------------------------------------


@pytest.fixture
def checking_asset(reporter, django_capture_on_commit_callbacks):
    """An asset whose checks were queued but have not run."""
    with django_capture_on_commit_callbacks(execute=False):
        return _intake(reporter, jpeg_bytes()).asset


def test_run_checks_is_idempotent(checking_asset):
    first = asset_run_checks(asset_id=checking_asset.pk)
    events_after_first = _events(checking_asset)
    second = asset_run_checks(asset_id=checking_asset.pk)
    assert first is not None
    assert second is not None

    assert first.status == second.status == S.IN_REVIEW
    assert _events(checking_asset) == events_after_first
    assert [e.action for e in events_after_first].count("asset.checked") == 1


def test_run_checks_for_missing_asset_returns_none(db):
    assert asset_run_checks(asset_id=987654) is None


def test_task_loads_by_id_and_returns_status(checking_asset):
    assert tasks.asset_check(checking_asset.pk) == S.IN_REVIEW
    assert tasks.asset_check(987654) is None


def test_withdrawn_while_checking_stays_withdrawn(checking_asset, reporter):
    asset_withdraw(asset_id=checking_asset.pk, actor=reporter, note="Wrong file")

    asset_run_checks(asset_id=checking_asset.pk)

    checking_asset.refresh_from_db()
    assert checking_asset.status == S.WITHDRAWN
    assert "asset.checked" not in [e.action for e in _events(checking_asset)]


def test_withdrawn_while_file_is_being_read_stays_withdrawn(checking_asset, reporter, monkeypatch):
    """The file is read outside the transaction; a withdrawal landing meanwhile must win."""
    real_inspect = pipeline._inspect_file

    def inspect_then_withdraw(asset):
        outcome = real_inspect(asset)
        asset_withdraw(asset_id=asset.pk, actor=reporter, note="Pulled it")
        return outcome

    monkeypatch.setattr(pipeline, "_inspect_file", inspect_then_withdraw)
    result = asset_run_checks(asset_id=checking_asset.pk)
    assert result is not None

    assert result.status == S.WITHDRAWN
    checking_asset.refresh_from_db()
    assert checking_asset.status == S.WITHDRAWN
    assert "asset.checked" not in [e.action for e in _events(checking_asset)]


def test_checks_report_a_file_altered_in_storage(checking_asset):
    path = checking_asset.file.path
    with open(path, "r+b") as handle:
        handle.seek(-10, 2)
        handle.write(b"\x00" * 10)

    asset = asset_run_checks(asset_id=checking_asset.pk)
    assert asset is not None

    assert "no longer matches" in asset.check_error
    assert asset.status == S.IN_REVIEW
    assert _events(asset)[-1].details["sha256_verified"] is False


def test_checks_report_a_missing_file(checking_asset):
    checking_asset.file.storage.delete(checking_asset.file.name)
    asset = asset_run_checks(asset_id=checking_asset.pk)
    assert asset is not None
    assert asset.check_error == "The stored file is missing."


def test_checks_report_an_image_that_does_not_decode(reporter, django_capture_on_commit_callbacks):
    # A JPEG header followed by garbage: sniffed as JPEG, but Pillow cannot read it.
    broken = jpeg_bytes()[:20] + b"\x00" * 200
    with django_capture_on_commit_callbacks(execute=True):
        asset = _intake(reporter, broken).asset
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert "could not be decoded" in asset.check_error
    assert asset.width is None


def test_state_refusal_names_who_acted_even_after_later_comments(
    asset, editor, second_editor, legal
):
    make_ready_for_signoff(asset)
    services.asset_approve(asset_id=asset.pk, actor=second_editor)
    comment_add(asset_id=asset.pk, author=legal, body="Consent is on file.")
    with pytest.raises(ActionRefused) as refused:
        services.asset_approve(asset_id=asset.pk, actor=editor)
    assert "erin_editor made it approved at" in str(refused.value)
