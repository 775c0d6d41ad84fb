"""Shared fixtures: named personas for every role, private media in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.plugin import blocking_manager_key

from accounts.roles import Role
from review.models import AssetStatus
from tests.accounts.role_groups import is_transactional, restore_role_groups
from tests.factories import AssetFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (and anything else cached) start at zero in every test: the
    strangers' pages count requests per address, and every test client is 127.0.0.1."""
    cache.clear()
    yield
    cache.clear()


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


_TEST_DATABASE = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _role_groups_for_transactional_tests(request):
    """Transactional tests (and the live server's) end with a flush that drops the groups the
    data migration made: put them back before such a test, and after it (below) for the tests
    that run later."""
    if not is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    restore_role_groups()
    request.node.stash[_TEST_DATABASE] = connection.settings_dict["NAME"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # Only while the connection still points at this test's database: after the last test
    # the test database is gone and the connection points at the real one again.
    if (
        nextitem is not None
        and item.stash.get(_TEST_DATABASE, None) == (connection.settings_dict["NAME"])
    ):
        with item.config.stash[blocking_manager_key].unblock():
            restore_role_groups()
    return result


@pytest.fixture
def legal_client(legal):
    return client_for(legal)


@pytest.fixture
def standards_client(standards):
    return client_for(standards)


@pytest.fixture
def other_reporter_client(other_reporter):
    return client_for(other_reporter)


@pytest.fixture
def media_files(_media_root):
    """Every file under this test's media folder, as a sorted list (directories left out)."""

    def list_files() -> list[Path]:
        if not _media_root.exists():
            return []
        return sorted(path for path in _media_root.rglob("*") if path.is_file())

    return list_files


@pytest.fixture
def post_upload():
    """POST files to the upload page the way the form does (multipart, a source chosen)."""

    def post(client, *files, headers=None, **fields):
        data = {"source": "staff", **fields}
        if files:
            data["files"] = list(files)
        return client.post(reverse("review:upload"), data, headers=headers or {})

    return post


@pytest.fixture
def make_asset(reporter):
    """Make an asset in any state, by default the reporter's, without running the services."""

    def make(status: str = AssetStatus.IN_REVIEW, uploaded_by=None, **fields):
        return AssetFactory(status=status, uploaded_by=uploaded_by or reporter, **fields)

    return make


@pytest.fixture
def asset(make_asset):
    """The reporter's asset, waiting for review."""
    return make_asset()
