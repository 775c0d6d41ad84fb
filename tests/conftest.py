"""Shared fixtures: named personas for every role, private media in a temp folder."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads to its own folder, so orphan files can be counted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def reporter(db):
    return UserFactory(username="rita_reporter", roles=[Role.REPORTER])


@pytest.fixture
def other_reporter(db):
    return UserFactory(username="oscar_reporter", roles=[Role.REPORTER])


@pytest.fixture
def editor(db):
    return UserFactory(username="eddie_editor", roles=[Role.EDITOR])


@pytest.fixture
def second_editor(db):
    return UserFactory(username="erin_editor", roles=[Role.EDITOR])


@pytest.fixture
def legal(db):
    return UserFactory(username="lena_legal", roles=[Role.LEGAL])


@pytest.fixture
def standards(db):
    return UserFactory(username="sam_standards", roles=[Role.STANDARDS])


@pytest.fixture
def outsider(db):
    """Logged in, but holds no newsroom role."""
    return UserFactory(username="olga_outsider")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reporter_client(reporter):
    return client_for(reporter)


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


@pytest.fixture
def second_editor_client(second_editor):
    return client_for(second_editor)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run tasks in-process (after commit, as in `make run`) even where CI has set a
    broker; tests marked `integration` talk to the real broker and worker instead."""
    from newsroom.celery import app

    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
