"""Two people acting on the same asset at the same moment, for real: two threads, each with its
own database connection, released together by a barrier. Exactly one transition wins; the other
request is refused with a 409 that names who acted.

These tests commit (transaction=True); the role groups the flush before them removed are put
back by an autouse fixture in this folder's conftest."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections
from django.urls import reverse

from audit.models import AuditEvent
from audit.verification import audit_verify_chain
from review.models import Asset, AssetStatus, Comment
from signoff.models import SignOff
from tests.conftest import client_for
from tests.factories import jpeg_bytes
from tests.readiness import make_ready_for_signoff
from tests.review.helpers import new_asset, upload_file

pytestmark = pytest.mark.django_db(transaction=True)

S = AssetStatus


def run_together(*requests):
    """Run each zero-argument callable in its own thread, all released at once. Returns their
    results (or the exception each raised) in the same order."""
    barrier = threading.Barrier(len(requests), timeout=30)
    results: list[object] = [None] * len(requests)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported to the test, not lost in the thread
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, call), daemon=True)
        for i, call in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a racing request never finished"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def ready_asset(uploaded_by):
    """In review with everything the sign-off gate asks for, so an approval can win the race."""
    return make_ready_for_signoff(new_asset(uploaded_by=uploaded_by, status=S.IN_REVIEW))


def post_action(client, asset, action, note=""):
    url = reverse("review:asset_action", args=[asset.pk, action])
    return lambda: client.post(url, {"note": note})


def test_two_editors_approving_at_once_exactly_one_wins(reporter, editor, second_editor):
    asset = ready_asset(reporter)
    clients = {
        editor.username: client_for(editor),
        second_editor.username: client_for(second_editor),
    }

    responses = dict(
        zip(
            clients,
            run_together(*(post_action(c, asset, "approve") for c in clients.values())),
            strict=True,
        )
    )

    statuses = sorted(r.status_code for r in responses.values())
    assert statuses == [302, 409]
    [winner] = [name for name, r in responses.items() if r.status_code == 302]
    [loser] = [r for r in responses.values() if r.status_code == 409]
    message = loser.content.decode()
    assert "This asset is approved, so it cannot be approved now." in message
    assert f"{winner} made it approved at" in message

    asset.refresh_from_db()
    assert asset.status == S.APPROVED
    [event] = AuditEvent.objects.for_object(asset).filter(action="asset.approve")
    assert event.actor_name == winner
    # One approval, so one sign-off: the winner's.
    assert SignOff.objects.get(asset=asset).approved_by.username == winner
    assert audit_verify_chain().intact


def test_approve_and_reject_at_once_exactly_one_wins(reporter, editor, second_editor):
    asset = ready_asset(reporter)
    approver, rejecter = client_for(editor), client_for(second_editor)

    approved, rejected = run_together(
        post_action(approver, asset, "approve"),
        post_action(rejecter, asset, "reject", note="Manipulated sky"),
    )

    asset.refresh_from_db()
    assert sorted([approved.status_code, rejected.status_code]) == [302, 409]
    if approved.status_code == 302:
        assert asset.status == S.APPROVED
        assert b"eddie_editor made it approved" in rejected.content
        # The refused rejection left its note nowhere.
        assert not Comment.objects.exists()
        assert SignOff.objects.get(asset=asset).voided_at is None
    else:
        assert asset.status == S.REJECTED
        assert b"erin_editor made it rejected" in approved.content
        assert Comment.objects.get().body == "Manipulated sky"
        assert not SignOff.objects.exists()
    transitions = AuditEvent.objects.for_object(asset).exclude(to_state="")
    assert transitions.count() == 1
    assert audit_verify_chain().intact


def test_uploader_withdraws_while_editor_approves(reporter, editor):
    asset = ready_asset(reporter)
    last_seq = (
        AuditEvent.objects.for_object(asset).order_by("seq").values_list("seq", flat=True).last()
    )

    approved, withdrawn = run_together(
        post_action(client_for(editor), asset, "approve"),
        post_action(client_for(reporter), asset, "withdraw", note="Wrong photo"),
    )

    asset.refresh_from_db()
    # Withdrawing is allowed from approved too, so whichever goes first the asset ends
    # withdrawn; only the approval can be refused (when the withdrawal went first).
    assert asset.status == S.WITHDRAWN
    assert withdrawn.status_code == 302
    assert approved.status_code in {302, 409}
    written = list(
        AuditEvent.objects.for_object(asset)
        .filter(seq__gt=last_seq)
        .values_list("action", flat=True)
    )
    if approved.status_code == 302:
        # Approved first: the withdrawal then voided the sign-off the approval recorded.
        assert written == [
            "asset.approve",
            "signoff.recorded",
            "asset.withdraw",
            "signoff.voided",
        ]
        assert SignOff.objects.get(asset=asset).voided_at is not None
    else:
        assert written == ["asset.withdraw"]
        assert not SignOff.objects.exists()
    assert audit_verify_chain().intact


def test_double_clicked_upload_racing_itself_creates_one_asset(reporter, _media_root):
    token = str(uuid.uuid4())
    content = jpeg_bytes()
    first_client, second_client = client_for(reporter), client_for(reporter)

    def submit(client):
        return lambda: client.post(
            reverse("review:upload"),
            {
                "files": [upload_file("street.jpg", content)],
                "source": "staff",
                "intake_token": token,
            },
        )

    first, second = run_together(submit(first_client), submit(second_client))

    assert first.status_code == second.status_code == 200
    asset = Asset.objects.get()
    assert asset.status == S.IN_REVIEW  # checks ran in-process after commit
    assert AuditEvent.objects.filter(action="asset.received").count() == 1
    assert [p for p in _media_root.rglob("*") if p.is_file()] == [_media_root / asset.file.name]
    assert audit_verify_chain().intact
