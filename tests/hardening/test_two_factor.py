"""Issue 13, item 3: optional two-factor sign-in with an authenticator app (TOTP), which
TWO_FACTOR_REQUIRED_ROLES makes required for legal and admin. Codes are computed here from the
device's key as an authenticator app would (RFC 6238); the clock is moved between codes because
a code, once used, is never accepted again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from audit.models import AuditEvent
from review.models import Asset
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
QUEUE = "/queue/"
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 10**6:06d}"


def signed_in(username: str, role: str) -> Client:
    UserFactory(username=username, roles=[role], password=PASSWORD)
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def set_up(client: Client, clock) -> TOTPDevice:
    assert client.get(reverse("two_factor_setup")).status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 302
    clock.shift(timedelta(seconds=31))
    return TOTPDevice.objects.get(pk=device.pk, confirmed=True)


def test_it_is_optional_by_default(clock):
    client = signed_in("ed", Role.EDITOR)
    assert client.get(QUEUE).status_code == 200


def test_setting_it_up_shows_a_qr_code_and_takes_a_code_from_the_app(clock):
    client = signed_in("ed", Role.EDITOR)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page and 'class="segno"' in page  # drawn inline, no image service
    device = TOTPDevice.objects.get()
    assert not device.confirmed
    assert "otpauth://" not in page  # the key travels inside the QR code and as typed text only

    refused = client.post(reverse("two_factor_setup"), {"code": wrong_code(device)})
    assert refused.status_code == 400
    assert "That code did not match" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    clock.shift(timedelta(seconds=2))  # a wrong code makes the next one wait a second

    spaced = code_for(device)[:3] + " " + code_for(device)[3:]  # as many apps show it
    done = client.post(reverse("two_factor_setup"), {"code": spaced, "next": QUEUE})
    assert done.status_code == 302 and done["Location"] == QUEUE
    device.refresh_from_db()
    assert device.confirmed
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["account.two_factor_failed", "account.two_factor_enabled"]


def test_after_the_password_every_page_waits_for_the_code(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    client.post(reverse("logout"))

    client.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?next={QUEUE}"
    # An htmx request is sent there too, and a POST does nothing on a password alone.
    htmx = client.get(QUEUE, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith(reverse("two_factor_verify"))
    upload = client.post(reverse("review:upload"), {})
    assert upload.status_code == 403 and not Asset.objects.exists()

    refused = client.post(reverse("two_factor_verify"), {"code": wrong_code(device), "next": QUEUE})
    assert refused.status_code == 400
    assert client.get(QUEUE).status_code == 302
    clock.shift(timedelta(seconds=2))
    accepted = client.post(reverse("two_factor_verify"), {"code": code_for(device), "next": QUEUE})
    assert accepted.status_code == 302 and accepted["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_used_code_is_not_accepted_again(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    code = code_for(device)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302

    other = Client()
    other.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    assert other.post(reverse("two_factor_verify"), {"code": code}).status_code == 400


def test_wrong_codes_are_throttled_and_audited(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    for _ in range(3):
        client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
        clock.shift(timedelta(seconds=3))
    # Throttled: even the right code waits (each failure doubles the wait: 1, 2, then 4 s).
    throttled = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert throttled.status_code == 400
    assert "3 wrong codes in a row: try again in 1 s." in throttled.content.decode()
    failures = AuditEvent.objects.filter(action="account.two_factor_failed")
    assert failures.count() == 3
    # Guessing fast gets nowhere: a million codes at one try per doubling wait.
    clock.shift(timedelta(seconds=2))
    assert client.post(reverse("two_factor_verify"), {"code": code_for(device)}).status_code == 302


def test_the_next_address_must_be_ours(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("review:queue")


@pytest.mark.parametrize("role", [Role.LEGAL, Role.ADMIN])
def test_a_required_role_sets_it_up_before_anything_else(settings, clock, role):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["legal", "admin"]
    client = signed_in("lee", role)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_setup')}?next={QUEUE}"
    assert (
        "Your role requires two-factor sign-in" in client.get(response["Location"]).content.decode()
    )
    set_up(client, clock)
    assert client.get(QUEUE).status_code == 200
    # And it cannot be turned off.
    device = TOTPDevice.objects.get()
    refused = client.post(reverse("two_factor_disable"), {"code": code_for(device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(confirmed=True).exists()


def test_other_roles_are_not_forced(settings, clock):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["legal", "admin"]
    assert signed_in("rita", Role.REPORTER).get(QUEUE).status_code == 200


def test_turning_it_off_takes_a_current_code(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    refused = client.post(reverse("two_factor_disable"), {"code": wrong_code(device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    clock.shift(timedelta(seconds=2))
    done = client.post(reverse("two_factor_disable"), {"code": code_for(device)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.exists()
    assert AuditEvent.objects.filter(action="account.two_factor_disabled").count() == 1


def test_after_an_administrator_resets_a_lost_phone_the_password_is_enough_again(clock):
    client = signed_in("ed", Role.EDITOR)
    set_up(client, clock)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ed", "password": PASSWORD})
    assert client.get(QUEUE).status_code == 302  # waits for the code
    TOTPDevice.objects.all().delete()  # what the administrator does in the admin
    response = client.get(reverse("two_factor_verify"), {"next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200  # no loop back to the code page


def test_an_administrator_resets_a_device_in_the_admin_without_seeing_its_key(clock):
    client = signed_in("ed", Role.EDITOR)
    device = set_up(client, clock)
    admin_user = cast(User, UserFactory(username="ada", roles=[Role.ADMIN], password=PASSWORD))
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert "ed" in page and device.key not in page and "otpauth" not in page
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
