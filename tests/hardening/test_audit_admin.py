"""Issue 13, item 8: the admin role, refused on the consent pages, read signers' names and IP
addresses in the audit log's admin. Now the personal values of an event's details are masked
for anyone who may not see consent evidence; legal (given the admin's view) sees them."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import Permission, User

from accounts.roles import Role
from audit.services import audit_record
from tests.conftest import client_for
from tests.factories import UserFactory
from workflow.admin import MASK, masked

pytestmark = pytest.mark.django_db

DETAILS = {
    "record_id": 7,
    "method": "signed_remotely",
    "signed_name": "Ada Subject",
    "ip_address": "198.51.100.9",
    "user_agent": "Phone/1.0",
    "nested": [{"email": "ada@example.org", "role": "subject"}],
}


@pytest.fixture
def event(asset):
    return audit_record(actor=None, action="consent.recorded", obj=asset, details=DETAILS)


def staff_with_audit_view(username: str, role: str) -> User:
    user = cast(User, UserFactory(username=username, roles=[role]))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_auditevent")
    )
    return user


def page_of(user, event) -> str:
    response = client_for(user).get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_role_sees_the_event_without_personal_data(event):
    html = page_of(staff_with_audit_view("ada_admin", Role.ADMIN), event)
    for secret in ("Ada Subject", "198.51.100.9", "Phone/1.0", "ada@example.org"):
        assert secret not in html
    assert "signed_remotely" in html and "subject" in html  # what happened stays readable
    assert "personal: legal only" in html


def test_legal_sees_the_whole_event(event):
    html = page_of(staff_with_audit_view("lee_legal", Role.LEGAL), event)
    assert "Ada Subject" in html and "198.51.100.9" in html


def test_the_admin_cannot_find_events_by_a_persons_name(event):
    admin = staff_with_audit_view("ada_admin", Role.ADMIN)
    listing = client_for(admin).get("/admin/audit/auditevent/", {"q": "Ada Subject"})
    assert listing.status_code == 200
    assert f"/admin/audit/auditevent/{event.pk}/change/" not in listing.content.decode()


def test_masking_reaches_every_depth_and_keeps_empty_values():
    assert masked({"a": {"ip": "1.2.3.4", "n": 1}, "b": [{"email": ""}]}) == {
        "a": {"ip": MASK, "n": 1},
        "b": [{"email": ""}],
    }


@pytest.mark.parametrize(
    ("meta_key", "recorded"),
    [
        # No proxy configured: a header the client wrote is not believed.
        ("REMOTE_ADDR", "10.0.0.1"),
        # Behind the documented proxy, the header it sets is the client's address.
        ("HTTP_X_REAL_IP", "203.0.113.9"),
    ],
)
def test_the_address_recorded_with_a_remote_consent(
    settings, reporter, subject_party, meta_key, recorded
):
    from django.test import Client

    from consent.models import ConsentRecord
    from tests.consent.test_remote_links import make_link, sign_form, sign_url

    settings.CLIENT_IP_META_KEY = meta_key
    _, token = make_link(subject_party, reporter)
    response = Client().post(
        sign_url(token), sign_form(), REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9"
    )
    assert response.status_code == 200
    assert ConsentRecord.objects.get().ip_address == recorded
