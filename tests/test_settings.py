"""newsroom/settings.py read from the environment, each case in a fresh interpreter with an
environment this test controls (the running suite's settings are already loaded and cannot be
re-read in-process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)

# A developer's .env beside manage.py would fill in whatever a case leaves out; the child skips
# reading it so that each case sees only the variables given here.
PRELUDE = """
import json, environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
"""

REPORT = (
    PRELUDE
    + """
from newsroom.celery import app

@app.task
def add(x, y):
    return x + y

# Only without a broker: with one, delay() would try to reach it.
result = add.delay(2, 3) if settings.CELERY_TASK_ALWAYS_EAGER else None
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_always_eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "task_result": result.get(timeout=5) if result is not None else None,
    "task_result_type": type(result).__name__,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "max_upload_size": settings.MAX_UPLOAD_SIZE,
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE", 0),
    "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
}))
"""
)


def run_settings(env: dict[str, str], code: str = REPORT) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(env: dict[str, str]) -> dict[str, Any]:
    completed = run_settings(env)
    assert completed.returncode == 0, completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return data


PRODUCTION = {"SECRET_KEY": "a-test-secret-that-is-long-enough"}


@pytest.mark.parametrize("debug", [None, "0", "false"])
def test_debug_off_without_secret_key_fails_clearly(debug):
    env = {} if debug is None else {"DEBUG": debug}
    completed = run_settings(env, PRELUDE)
    assert completed.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in completed.stderr


def test_debug_off_with_an_empty_secret_key_fails_clearly():
    completed = run_settings({"SECRET_KEY": ""}, PRELUDE)
    assert completed.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in completed.stderr


def test_debug_on_needs_no_secret_key():
    assert report({"DEBUG": "1"})["debug"] is True


def test_no_database_url_means_a_sqlite_file_under_var():
    data = report(PRODUCTION)
    assert data["engine"] == "django.db.backends.sqlite3"
    assert data["db_name"] == str(BASE_DIR / "var" / "proofdesk.sqlite3")


def test_database_url_chooses_the_database():
    data = report({**PRODUCTION, "DATABASE_URL": "postgres://proofdesk:pw@db.internal:5432/desk"})
    assert (data["engine"], data["db_name"]) == ("django.db.backends.postgresql", "desk")


def test_postgresql_connections_are_kept_a_minute_and_checked_before_reuse():
    url = {"DATABASE_URL": "postgres://proofdesk:pw@db.internal:5432/desk"}
    data = report({**PRODUCTION, **url})
    assert (data["conn_max_age"], data["conn_health_checks"]) == (60, True)
    data = report({**PRODUCTION, **url, "DATABASE_CONN_MAX_AGE": "0"})
    assert data["conn_max_age"] == 0


def test_sqlite_connections_are_not_kept():
    assert report(PRODUCTION)["conn_max_age"] == 0


def test_no_broker_means_tasks_run_in_process():
    data = report(PRODUCTION)
    assert data["always_eager"] is True and data["app_always_eager"] is True
    # Ran there and then, in this process: no broker was ever contacted.
    assert (data["task_result_type"], data["task_result"]) == ("EagerResult", 5)


def test_a_broker_url_sends_tasks_to_the_broker():
    data = report({**PRODUCTION, "CELERY_BROKER_URL": "redis://broker.internal:6379/3"})
    assert data["always_eager"] is False and data["app_always_eager"] is False
    assert data["broker"] == "redis://broker.internal:6379/3"


def test_allowed_hosts_come_from_the_environment():
    assert report(PRODUCTION)["allowed_hosts"] == ["127.0.0.1", "localhost"]
    data = report({**PRODUCTION, "ALLOWED_HOSTS": "proofdesk.example.org,desk.internal"})
    assert data["allowed_hosts"] == ["proofdesk.example.org", "desk.internal"]


def test_max_upload_size_defaults_to_500_mb_and_can_be_set():
    assert report(PRODUCTION)["max_upload_size"] == 500 * 1024 * 1024
    assert report({**PRODUCTION, "MAX_UPLOAD_SIZE": "1048576"})["max_upload_size"] == 1048576


@pytest.mark.parametrize("entry_point", ["newsroom.wsgi", "newsroom.asgi"])
def test_a_web_process_freezes_what_it_loaded_at_startup(entry_point):
    """The web entry points move the startup objects out of the collector's reach
    (newsroom/startup.py): without it a full collection in a request walks all of Django."""
    code = (
        "import environ, gc, importlib\n"
        "environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)\n"
        "before = gc.get_freeze_count()\n"
        f"importlib.import_module({entry_point!r})\n"
        "print(before, gc.get_freeze_count())\n"
    )
    completed = run_settings(PRODUCTION, code)
    assert completed.returncode == 0, completed.stderr
    before, after = map(int, completed.stdout.split())
    assert before == 0
    # Django and the apps: tens of thousands of objects, not a handful.
    assert after > 50_000


def _glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):
        return False


# How many more bytes glibc's allocator holds as mappings of their own (mallinfo2's hblkhd)
# once a 16 MiB block is allocated: the whole block by default, none once freed memory is kept
# for reuse (newsroom/startup.py).
MAPPED_FOR_A_16_MIB_BLOCK = (
    "import ctypes\n"
    "class Info(ctypes.Structure):\n"
    "    _fields_ = [(name, ctypes.c_size_t) for name in (\n"
    "        'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd',\n"
    "        'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost')]\n"
    "libc = ctypes.CDLL(None)\n"
    "libc.mallinfo2.restype = Info\n"
    "before = libc.mallinfo2().hblkhd\n"
    "block = bytearray(16 * 1024 * 1024)\n"
    "print(libc.mallinfo2().hblkhd - before)\n"
)
ENTRY_POINTS = {
    "web (WSGI)": "import newsroom.wsgi\n",
    "web (ASGI)": "import newsroom.asgi\n",
    "Celery worker": (
        "from celery.signals import worker_init\n"
        "import newsroom.celery\n"
        "worker_init.send(sender=None)\n"
    ),
}


@pytest.mark.skipif(not _glibc(), reason="the allocator settings are glibc's (CI runs Debian)")
def test_a_plain_process_maps_a_large_block_of_its_own_and_unmaps_it_when_freed():
    """The default the entry points change: without it the test below could not fail."""
    completed = run_settings(PRODUCTION, MAPPED_FOR_A_16_MIB_BLOCK)
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) >= 16 * 1024 * 1024


@pytest.mark.skipif(not _glibc(), reason="the allocator settings are glibc's (CI runs Debian)")
@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_processes_keep_freed_memory_for_the_next_file_read(entry_point):
    """Web processes and Celery workers take blocks up to 32 MiB from the allocator's arenas,
    so that a file read does not fault its memory in afresh each time (newsroom/startup.py)."""
    code = (
        "import environ\n"
        "environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)\n"
        + ENTRY_POINTS[entry_point]
        + MAPPED_FOR_A_16_MIB_BLOCK
    )
    completed = run_settings(PRODUCTION, code)
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout.split()[-1]) == 0
