"""Log in, log out (POST only), change password."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_has_labelled_fields(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'for="id_username"' in content
    assert 'for="id_password"' in content


def test_login_goes_to_the_queue(client, editor):
    response = client.post("/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/queue/"
    assert client.session[SESSION_KEY] == str(editor.pk)
    assert client.get("/queue/").status_code == 200


def test_login_follows_next(client, editor):
    response = client.post(
        "/login/?next=/assets/upload/",
        {"username": editor.username, "password": PASSWORD, "next": "/assets/upload/"},
    )
    assert response["Location"] == "/assets/upload/"


def test_login_refuses_off_site_next(client, editor):
    response = client.post(
        "/login/", {"username": editor.username, "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == "/queue/"


def test_wrong_password_is_refused(client, editor):
    response = client.post("/login/", {"username": editor.username, "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content
    assert SESSION_KEY not in client.session


def test_logged_in_user_visiting_login_is_sent_on(editor_client):
    response = editor_client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/queue/"


def test_logout_is_post_only(editor_client):
    assert editor_client.get("/logout/").status_code == 405
    assert editor_client.get("/queue/").status_code == 200

    response = editor_client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert SESSION_KEY not in editor_client.session
    assert editor_client.get("/queue/").status_code == 302


def test_logout_button_is_a_form_with_csrf(editor_client):
    content = editor_client.get("/queue/").content.decode()
    assert '<form method="post" action="/logout/"' in content
    assert "csrfmiddlewaretoken" in content


def test_password_change(client, editor):
    client.force_login(editor)
    page = client.get("/password/")
    assert page.status_code == 200
    assert b'name="old_password"' in page.content

    new = "a much longer passphrase 42"
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response["Location"] == "/password/done/"
    assert client.get("/password/done/").status_code == 200
    editor.refresh_from_db()
    assert editor.check_password(new)
    # The session survives the change.
    assert client.get("/queue/").status_code == 200


def test_password_change_with_wrong_old_password(client, editor):
    client.force_login(editor)
    response = client.post(
        "/password/",
        {
            "old_password": "wrong",
            "new_password1": "x" * 20 + "9a",
            "new_password2": "x" * 20 + "9a",
        },
    )
    assert response.status_code == 200
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_password_change_needs_login(client, db):
    response = client.get("/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
