"""E-mail to everyone who decides incidents when one is reported: staff, the public form, the
desk itself. After the commit, one per recipient, never to the reporter, never the description."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notice
from accounts.notifications import notification_settings_update
from incidents.models import HarmCategory, Incident
from incidents.services import (
    IncidentRefused,
    incident_emergency_takedown,
    incident_open_for_consent_lapse,
    public_report_receive,
)
from review.models import AssetStatus

pytestmark = pytest.mark.django_db

SITE = "https://desk.example.test"
SECRET = "The caption presents a generated scene as a photograph of the rally."


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_staff_report_tells_each_decider_but_not_the_reporter(
    published, editor, standards, admin_user, legal, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(published, editor)

    assert _recipients() == sorted([standards.email, admin_user.email])
    assert all(len(message.to) == 1 and not message.bcc for message in mail.outbox)
    message = next(m for m in mail.outbox if m.to == [standards.email])
    assert message.subject == f"Incident reported on asset #{published.pk} (High)"
    assert (
        f"reported on asset #{published.pk} (story {published.story_ref}) by eddie_editor."
        in message.body
    )
    assert "Severity: High" in message.body
    assert HarmCategory.DISINFORMATION.label in message.body
    assert f"{SITE}/assets/{published.pk}/incidents/" in message.body
    assert f"{SITE}/account/" in message.body
    # The description may name the people depicted: it stays on the desk.
    assert SECRET not in message.body
    assert incident.description == SECRET


def test_the_decider_who_reports_is_not_told_of_their_own_report(
    published, standards, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident_emergency_takedown(
            asset_id=published.pk,
            actor=standards,
            harm_category=HarmCategory.DISINFORMATION,
            description=SECRET,
        )
    assert _recipients() == [admin_user.email]
    assert "Already decided: Takedown" in mail.outbox[0].body


def test_a_report_from_the_public_form_is_announced_without_the_readers_address(
    published, standards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        public_report_receive(
            url="https://news.example.test/story",
            harm_category=HarmCategory.IMPERSONATION,
            description=SECRET,
            email="reader@example.org",
            asset_id=published.pk,
        )
    [message] = mail.outbox
    assert message.to == [standards.email]
    assert "by a member of the public" in message.body
    assert "reader@example.org" not in message.body and SECRET not in message.body


def test_a_public_report_that_opens_no_incident_sends_nothing(
    make_asset, standards, django_capture_on_commit_callbacks
):
    in_review = make_asset(status=AssetStatus.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        public_report_receive(
            url="https://news.example.test/story",
            harm_category=HarmCategory.OTHER,
            description="",
            email="",
            asset_id=in_review.pk,
        )
    assert not Incident.objects.exists()
    assert mail.outbox == []


def test_an_incident_the_desk_opens_itself_is_announced(
    published, standards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        incident_open_for_consent_lapse(asset_id=published.pk, kind="revoked", lapse_id=1)
    [message] = mail.outbox
    assert message.to == [standards.email]
    assert "a consent on the published asset lapsed" in message.body


def test_settings_off_means_no_mail(
    published, editor, standards, admin_user, report, django_capture_on_commit_callbacks
):
    notification_settings_update(user=standards, choices={Notice.INCIDENT_REPORTED: False})
    with django_capture_on_commit_callbacks(execute=True):
        report(published, editor)
    assert _recipients() == [admin_user.email]


def test_a_refused_report_sends_nothing(
    make_asset, editor, standards, report, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IncidentRefused),
    ):
        report(make_asset(status=AssetStatus.IN_REVIEW), editor)
    assert callbacks == []
    assert mail.outbox == []


def test_inactive_deciders_and_those_without_an_address_are_skipped(
    published, editor, standards, admin_user, report, django_capture_on_commit_callbacks
):
    standards.is_active = False
    standards.save()
    admin_user.email = ""
    admin_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(published, editor)
    assert mail.outbox == []
