"""Settings for the test suite: production settings with a throwaway key and a fast hasher."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_COOKIES", "false")
# The suite's webhook receivers listen on 127.0.0.1 (and only there).
os.environ.setdefault("WEBHOOK_ALLOW_LOOPBACK", "true")

from newsroom.settings import *  # noqa: E402,F403
from newsroom.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# An in-memory SQLite test database is one shared cache whose table locks fail at once instead
# of waiting for the timeout, so two requests racing each other (two editors acting together)
# would both fail. A file in a per-run temporary folder locks like the real thing and cannot
# collide with another test run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not DATABASES["default"][
    "TEST"
].get("NAME"):
    _test_db_dir = tempfile.mkdtemp(prefix="proofdesk-tests-")
    atexit.register(shutil.rmtree, _test_db_dir, ignore_errors=True)
    DATABASES["default"]["TEST"]["NAME"] = os.path.join(_test_db_dir, "test.sqlite3")
