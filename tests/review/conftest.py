"""Fixtures for the review desk tests: more clients, assets in any state, upload helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from review.models import AssetStatus
from tests.accounts.role_groups import restore_for_transactional_tests
from tests.conftest import client_for
from tests.review.helpers import new_asset


@pytest.fixture(autouse=True)
def _role_groups_for_transactional_tests(request):
    restore_for_transactional_tests(request)


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
def make_asset(reporter):
    """Make an asset in any state, by default the reporter's, without running the services."""

    def make(status: str = AssetStatus.IN_REVIEW, uploaded_by=None, **fields):
        return new_asset(status=status, uploaded_by=uploaded_by or reporter, **fields)

    return make


@pytest.fixture
def asset(make_asset):
    """The reporter's asset, waiting for review."""
    return make_asset()


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
