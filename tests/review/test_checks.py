"""The media serving check: X-Sendfile needs local file paths, so with S3 storage `manage.py
check` (which migrate and runserver run first) stops with review.E001 instead of the first
media request failing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from review.checks import media_serve_mode

S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    # Never contacted: the check only asks the backend whether it has local paths.
    "OPTIONS": {"bucket_name": "proofdesk-media", "default_acl": "private"},
}


@pytest.fixture
def s3_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "default": S3}


def test_x_sendfile_with_s3_is_an_error(settings, s3_storage):
    settings.MEDIA_SERVE_MODE = "x-sendfile"
    [error] = media_serve_mode(None)
    assert error.id == "review.E001"
    assert error.is_serious()
    assert "storages.backends.s3.S3Storage" in error.msg
    assert "MEDIA_SERVE_MODE=django" in str(error.hint)


def test_manage_py_check_refuses_x_sendfile_with_s3(settings, s3_storage):
    settings.MEDIA_SERVE_MODE = "x-sendfile"
    with pytest.raises(SystemCheckError, match=r"review\.E001.*has no local files"):
        call_command("check")


def test_x_sendfile_with_filesystem_storage_passes(settings):
    settings.MEDIA_SERVE_MODE = "x-sendfile"
    assert media_serve_mode(None) == []


@pytest.mark.parametrize("mode", ["django", "x-accel"])
def test_other_modes_do_not_need_local_paths(settings, s3_storage, mode):
    settings.MEDIA_SERVE_MODE = mode
    assert media_serve_mode(None) == []


def test_the_check_runs_from_the_environment_at_startup():
    """As a deployment configures it: the real settings module, the variables the README
    documents, `manage.py migrate` refusing to start."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "a-test-secret-that-is-long-enough",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "proofdesk-media",
        "MEDIA_SERVE_MODE": "x-sendfile",
        # Never reached: the checks stop migrate before it opens the database.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert "review.E001" in completed.stderr
    assert "has no local files" in completed.stderr
