"""A live Proofdesk for the Wagtail tests: this repository's app, started as a subprocess
(`manage.py runserver --noreload`) on a free port of 127.0.0.1, with its own SQLite database,
media folder and development signing keys, tasks run in-process (no broker), and an
integration whose webhook endpoint is the Wagtail test site's live server.

`desk(...)` runs tests/proofdesk_side.py in Proofdesk's environment: what the desk's people do
(approve, take down), through Proofdesk's own services, on the same database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

PROOFDESK_ROOT = Path(__file__).resolve().parents[3]
DESK = Path(__file__).resolve().with_name("proofdesk_side.py")
START_TIMEOUT = 60.0
DESK_TIMEOUT = 120.0

# What the subprocesses must not inherit: CI points these at PostgreSQL and Redis for
# Proofdesk's own suite, and this Proofdesk has a database and no broker of its own.
_NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "SITE_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveProofdesk:
    url: str
    token: str
    webhook_secret: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def desk(self, *args: str) -> dict[str, Any]:
        return run_desk(self.env, *args)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_desk(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(DESK), *args],
        cwd=PROOFDESK_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DESK_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"proofdesk_side.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def start(folder: Path, *, webhook_url: str) -> LiveProofdesk:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = folder / "keys"
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
            "DATABASE_URL": f"sqlite:///{folder / 'proofdesk.sqlite3'}",
            "CELERY_BROKER_URL": "",
            "SECRET_KEY": "wagtail-tests-not-secret",
            "DEBUG": "false",
            "SECURE_COOKIES": "false",
            "WEBHOOK_ALLOW_LOOPBACK": "true",
            "STORAGE_BACKEND": "filesystem",
            "MEDIA_ROOT": str(folder / "media"),
            "SIGNING_KEY": str(keys / "signing-key.pem"),
            "SIGNING_CERT_CHAIN": str(keys / "signing-chain.pem"),
            "SIGNING_TRUST_ANCHOR": "",
            "NEWSROOM_NAME": "Test Newsroom",
            "SITE_URL": url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(PROOFDESK_ROOT),
            "PROOFDESK_ROOT": str(PROOFDESK_ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    credentials = run_desk(env, "setup", "--webhook-url", webhook_url)
    log_path = folder / "runserver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                str(PROOFDESK_ROOT / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=PROOFDESK_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveProofdesk(
        url=url,
        token=credentials["token"],
        webhook_secret=credentials["webhook_secret"],
        env=env,
        process=process,
        log_path=log_path,
    )
    _wait_until_healthy(server)
    return server


def _wait_until_healthy(server: LiveProofdesk) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"Proofdesk exited:\n{server.log_tail()}")
        try:
            if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(
        f"Proofdesk did not answer within {START_TIMEOUT:.0f} s:\n{server.log_tail()}"
    )
