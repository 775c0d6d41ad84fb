"""Issue 13, item 3: wrong passwords are counted per user name and address and locked out
after AXES_FAILURE_LIMIT (it was 30 in 12 s with no delay and the right password working right
after), each failure is recorded, and a forgotten password is reset by e-mail."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def ana(db):
    return UserFactory(
        username="ana", email="ana@newsroom.example", roles=[Role.EDITOR], password=PASSWORD
    )


def log_in(client: Client, password: str, username: str = "ana", address: str = "198.51.100.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_pair_out_and_are_recorded(ana, settings):
    client = Client()
    answers = [log_in(client, f"wrong-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Locked: even the right password is refused now, with a page that says what to do.
    locked = log_in(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert reverse("password_reset") in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Every failure is kept, the refused right password included.
    failures = AccessFailureLog.objects.filter(username="ana")
    assert failures.count() == settings.AXES_FAILURE_LIMIT + 1
    assert failures.filter(locked_out=True).exists()
    assert set(failures.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_a_lockout_does_not_lock_the_user_out_from_elsewhere(ana, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), f"wrong-{n}", address="203.0.113.66")
    # The attacker's address is locked; Ana at her desk is not.
    assert log_in(Client(), PASSWORD, address="198.51.100.7").status_code == 302


def test_the_lockout_ends_after_the_cooloff(ana, settings):
    import time_machine
    from django.utils import timezone

    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), f"wrong-{n}")
    assert log_in(Client(), PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME, tick=False):
        assert log_in(Client(), PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="ana").exists()


def test_the_lockout_counts_the_proxys_client_header(ana, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("login"),
            {"username": "ana", "password": f"wrong-{n}"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP="203.0.113.9",
        )
    assert AccessAttempt.objects.get(username="ana").ip_address == "203.0.113.9"


def test_a_forgotten_password_is_reset_by_e_mail(ana):
    client = Client()
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    sent = client.post(reverse("password_reset"), {"email": "ana@newsroom.example"})
    assert sent.status_code == 302
    [message] = mail.outbox
    assert message.to == ["ana@newsroom.example"]
    found = re.search(r"https?://[^/]+(/password/reset/[^\s]+/)", str(message.body))
    assert found is not None
    link = found.group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a much longer passphrase 2026"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Your new password is set" in done.content.decode()
    assert log_in(Client(), new).status_code == 302
    # The link worked once.
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(ana):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_requests_are_rate_limited_per_address(ana, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    answers = [
        Client().post(reverse("password_reset"), {"email": "ana@newsroom.example"}).status_code
        for _ in range(3)
    ]
    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2
