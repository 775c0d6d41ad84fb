"""E-mails about an editor's decision: to the uploader (changes requested, approved, rejected)
and to those who give the second approval, after the commit, one per recipient."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from accounts.models import Notice, NotificationSettings
from accounts.notifications import notification_settings_update
from review.models import AssetStatus
from signoff.services import signoff_second_approve
from tests.factories import UserFactory
from tests.readiness import make_ready_for_signoff
from workflow import services

pytestmark = pytest.mark.django_db

SITE = "https://desk.example.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "desk@example.test"


@pytest.fixture
def in_review(make_asset):
    return make_asset(status=AssetStatus.IN_REVIEW, story_ref="harbour-fire")


def _act(capture, service, asset, actor, note=""):
    with capture(execute=True) as callbacks:
        service(asset_id=asset.pk, actor=actor, note=note)
    return callbacks


def test_changes_requested_tells_the_uploader_with_the_note_and_a_link(
    in_review, reporter, editor, django_capture_on_commit_callbacks
):
    callbacks = _act(
        django_capture_on_commit_callbacks,
        services.asset_request_changes,
        in_review,
        editor,
        "Crop the watermark out.\nAnd name the agency.",
    )

    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == [reporter.email]
    assert message.from_email == "desk@example.test"
    assert message.subject == f"Changes requested on your upload, asset #{in_review.pk}"
    assert "eddie_editor sent asset #" in message.body
    assert "(story harbour-fire)" in message.body
    assert "> Crop the watermark out.\n> And name the agency." in message.body
    assert f"{SITE}/assets/{in_review.pk}/" in message.body
    assert f"{SITE}/account/" in message.body


def test_nothing_is_sent_before_the_commit(in_review, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.asset_request_changes(asset_id=in_review.pk, actor=editor, note="Crop it.")
    assert mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_rejection_tells_the_uploader_why(
    in_review, reporter, editor, django_capture_on_commit_callbacks
):
    _act(
        django_capture_on_commit_callbacks,
        services.asset_reject,
        in_review,
        editor,
        "Staged scene.",
    )
    [message] = mail.outbox
    assert message.to == [reporter.email]
    assert "rejected" in message.subject
    assert "> Staged scene." in message.body


def test_an_approval_that_clears_says_so_and_tells_no_second_approver(
    settings, in_review, reporter, editor, legal, standards, django_capture_on_commit_callbacks
):
    settings.SIGNOFF_SECOND_APPROVAL = "never"
    make_ready_for_signoff(in_review)
    _act(django_capture_on_commit_callbacks, services.asset_approve, in_review, editor)

    [message] = mail.outbox
    assert message.to == [reporter.email]
    assert message.subject == f"Your upload was approved and cleared, asset #{in_review.pk}"
    assert "cleared for publication" in message.body
    assert "pending" not in message.body


def test_an_approval_waiting_for_a_second_tells_the_uploader_and_each_second_approver(
    settings, in_review, reporter, editor, legal, standards, django_capture_on_commit_callbacks
):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    make_ready_for_signoff(in_review)
    _act(django_capture_on_commit_callbacks, services.asset_approve, in_review, editor, "Fine.")

    by_recipient = {tuple(m.to): m for m in mail.outbox}
    # One message per person: nobody sees who else was told.
    assert sorted(by_recipient) == sorted([(reporter.email,), (legal.email,), (standards.email,)])
    uploader = by_recipient[(reporter.email,)]
    assert "a second approval is pending" in uploader.subject
    assert "requires a second approval for every asset" in uploader.body
    assert "> Fine." in uploader.body
    for person in (legal, standards):
        message = by_recipient[(person.email,)]
        assert message.subject == f"Asset #{in_review.pk} waits for a second approval"
        assert f"Hello {person.username}," in message.body
        assert f"{SITE}/assets/{in_review.pk}/" in message.body
        assert message.bcc == [] and message.cc == []


def test_the_approver_is_not_asked_for_their_own_second_approval(
    settings, in_review, reporter, legal, django_capture_on_commit_callbacks
):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    editor_and_lawyer = UserFactory(username="dual_role", roles=["editor", "legal"])
    make_ready_for_signoff(in_review)
    _act(django_capture_on_commit_callbacks, services.asset_approve, in_review, editor_and_lawyer)

    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([reporter.email, legal.email])


def test_settings_off_means_no_mail(
    settings, in_review, reporter, editor, legal, django_capture_on_commit_callbacks
):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    notification_settings_update(
        user=reporter, choices={Notice.CHANGES_REQUESTED: False, Notice.UPLOAD_DECIDED: False}
    )
    notification_settings_update(user=legal, choices={Notice.SECOND_APPROVAL: False})
    _act(
        django_capture_on_commit_callbacks,
        services.asset_request_changes,
        in_review,
        editor,
        "Crop it.",
    )
    assert mail.outbox == []
    services.asset_resubmit(asset_id=in_review.pk, actor=reporter)
    make_ready_for_signoff(in_review)
    _act(django_capture_on_commit_callbacks, services.asset_approve, in_review, editor)
    assert mail.outbox == []


def test_one_setting_off_leaves_the_other_on(
    in_review, reporter, editor, django_capture_on_commit_callbacks
):
    notification_settings_update(user=reporter, choices={Notice.UPLOAD_DECIDED: False})
    _act(django_capture_on_commit_callbacks, services.asset_reject, in_review, editor, "No.")
    assert mail.outbox == []
    assert NotificationSettings.objects.get(user=reporter).changes_requested is True


@pytest.mark.parametrize("change", ["inactive", "no_email"])
def test_an_inactive_uploader_or_one_without_an_address_is_skipped(
    in_review, reporter, editor, change, django_capture_on_commit_callbacks
):
    if change == "inactive":
        reporter.is_active = False
    else:
        reporter.email = ""
    reporter.save()
    _act(django_capture_on_commit_callbacks, services.asset_reject, in_review, editor, "No.")
    assert mail.outbox == []


def test_resubmitting_and_withdrawing_send_nothing(
    make_asset, reporter, django_capture_on_commit_callbacks
):
    asset = make_asset(status=AssetStatus.CHANGES_REQUESTED)
    callbacks = _act(django_capture_on_commit_callbacks, services.asset_resubmit, asset, reporter)
    callbacks += _act(
        django_capture_on_commit_callbacks, services.asset_withdraw, asset, reporter, "Dup."
    )
    assert callbacks == []
    assert mail.outbox == []


def test_a_mail_server_that_is_down_is_logged_and_the_action_stands(
    monkeypatch, caplog, in_review, editor, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("accounts.notifications.send_mail", refuse)
    _act(
        django_capture_on_commit_callbacks,
        services.asset_request_changes,
        in_review,
        editor,
        "Crop it.",
    )

    in_review.refresh_from_db()
    assert in_review.status == AssetStatus.CHANGES_REQUESTED
    assert mail.outbox == []
    assert "could not e-mail user" in caplog.text


def test_the_second_approval_tells_the_uploader_it_is_cleared(
    settings, in_review, reporter, editor, legal, django_capture_on_commit_callbacks
):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    make_ready_for_signoff(in_review)
    _act(django_capture_on_commit_callbacks, services.asset_approve, in_review, editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signoff_second_approve(asset_id=in_review.pk, actor=legal, note="")
    assert [m.to for m in mail.outbox] == [[reporter.email]]
    message = mail.outbox[0]
    assert message.subject == f"Your upload is cleared for publication, asset #{in_review.pk}"
    assert f"{legal.username} gave the second approval" in message.body
    assert f"{SITE}/assets/{in_review.pk}/" in message.body
