"""Issue 13, item 6: after a server killed mid-check (tasks in-process, no beat to sweep), the
assets it left `checking` are checked again at start-up and by `manage.py recover` (cron), the
desk's re-check finishes such a check, stale upload temporary files are removed, and a killed
worker's message comes back within the check's time limit rather than Redis's hour."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from review.models import Asset, AssetStatus
from tests.conftest import client_for
from workflow.tasks import asset_check

pytestmark = pytest.mark.django_db


def stuck(asset: Asset, *, minutes_ago: int) -> Asset:
    """As a killed server leaves it: `checking`, since then."""
    Asset.objects.filter(pk=asset.pk).update(
        status=AssetStatus.CHECKING,
        status_changed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return asset


def status_of(asset: Asset) -> str:
    return Asset.objects.values_list("status", flat=True).get(pk=asset.pk)


def recover(*args: str) -> str:
    out = io.StringIO()
    call_command("recover", *args, stdout=out)
    return out.getvalue()


def test_recover_finishes_checks_stuck_past_the_limit(make_asset):
    old = stuck(make_asset(), minutes_ago=60)
    recent = stuck(make_asset(), minutes_ago=1)
    output = recover()
    assert f"assets {old.pk})" in output
    assert status_of(old) == AssetStatus.IN_REVIEW
    # A recent one may still be in a worker's hands: left for the next run.
    assert status_of(recent) == AssetStatus.CHECKING


def test_at_startup_in_process_every_checking_asset_is_stuck(make_asset):
    recent = stuck(make_asset(), minutes_ago=1)
    recover("--startup")
    assert status_of(recent) == AssetStatus.IN_REVIEW


def test_make_run_recovers_before_serving():
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") :].split("\n\n")[0]
    assert run.index("recover --startup") < run.index("runserver")


def test_the_desks_recheck_finishes_a_stuck_check(make_asset, editor):
    asset = stuck(make_asset(), minutes_ago=30)
    response = client_for(editor).post(reverse("review:recheck_provenance", args=[asset.pk]))
    assert response.status_code in {200, 302}
    assert status_of(asset) == AssetStatus.IN_REVIEW


def test_stale_upload_files_are_removed_and_nothing_else(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    old = tmp_path / "tmpa1b2c3d4.upload.mp4"
    fresh = tmp_path / "tmpe5f6g7h8.upload.jpg"
    other = tmp_path / "someone-elses-file.tmp"
    for path in (old, fresh, other):
        path.write_bytes(b"x" * 1024)
    long_ago = time.time() - (settings.UPLOAD_TEMP_MAX_AGE_HOURS + 1) * 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))
    output = recover()
    assert "Stale upload files removed: 1." in output
    assert not old.exists() and fresh.exists() and other.exists()


def test_a_killed_workers_check_comes_back_before_the_sweep_would_call_it_stuck():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert asset_check.time_limit is not None
    assert asset_check.time_limit < visibility <= settings.CHECK_STUCK_AFTER_SECONDS + 60
    # A countdown longer than the visibility timeout would be handed out twice by Redis.
    assert visibility > settings.WEBHOOK_COUNTDOWN_MAX_SECONDS
    assert visibility < 3600
