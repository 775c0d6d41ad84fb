"""Issue 13, item 4: a body sent without a session is refused before Django reads it (a 200 MB
multipart POST to the upload URL was spooled to a temporary file before the redirect to the
login page); the few views strangers may post to take small, file-less bodies only."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HUGE = 200 * 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def post_unread(client: Client, path: str, *, length: int | None, content_type: str):
    """A POST whose body cannot be read, announcing `length` bytes (None: sent in chunks)."""
    extra: dict[str, Any] = {"wsgi.input": UnreadableBody()}
    if length is None:
        extra |= {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"}
    else:
        extra["CONTENT_LENGTH"] = str(length)
    return client.generic("POST", path, b"x", content_type=content_type, **extra)


MULTIPART = "multipart/form-data; boundary=----proofdesk"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "path",
    ["/assets/upload/", "/incidents/", "/integrations/", "/desk/policies/", "/admin/login/x"],
)
def test_a_strangers_body_to_the_desk_is_sent_to_log_in_unread(path):
    response = post_unread(Client(), path, length=HUGE, content_type=MULTIPART)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response["Connection"] == "close"


def test_a_strangers_chunked_body_to_the_desk_is_sent_to_log_in_unread():
    response = post_unread(Client(), "/assets/upload/", length=None, content_type=MULTIPART)
    assert response.status_code == 302


def test_a_logged_in_upload_is_still_read(reporter):
    # The same post with a session reaches the view (which reads, and fails on, the body).
    with pytest.raises(AssertionError, match="the body was read"):
        post_unread(client_for(reporter), "/assets/upload/", length=HUGE, content_type=MULTIPART)


@pytest.fixture
def remote_path(subject_party, reporter):
    from tests.consent.test_remote_links import make_link, sign_url

    return sign_url(make_link(subject_party, reporter)[1])


@pytest.mark.parametrize(
    "where", ["/report/", "/login/", "remote", "/api/v1/assets/1/publications"]
)
def test_the_strangers_forms_take_small_bodies_only(where, remote_path):
    path = remote_path if where == "remote" else where
    too_big = post_unread(Client(), path, length=settings.ANONYMOUS_MAX_BODY + 1, content_type=FORM)
    assert too_big.status_code == 413
    big_file = post_unread(Client(), path, length=HUGE, content_type=MULTIPART)
    assert big_file.status_code == 413
    chunked = post_unread(Client(), path, length=None, content_type=FORM)
    assert chunked.status_code == 411


def test_the_strangers_forms_still_work(remote_path):
    from tests.consent.test_remote_links import sign_form

    assert Client().post(remote_path, sign_form()).status_code == 200
    report = Client().post(
        "/report/", {"url": "", "harm_category": "other", "description": "Something is wrong."}
    )
    assert report.status_code in {200, 302}
    UserFactory(username="ana", roles=[Role.EDITOR], password="correct horse battery staple")
    login = Client().post(
        reverse("login"), {"username": "ana", "password": "correct horse battery staple"}
    )
    assert login.status_code == 302
