"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's
live_server.

Playwright's sync API keeps an event loop running in the test thread, so Django's ORM would
refuse to run there ("you cannot call this from an async context"): the flag below lets the test
thread read and write rows while the browser waits. It must be set before any query runs.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # The machine has no network but the package registries: without these, chromium keeps
    # trying to reach Google's hosts and the refused connections slow every start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder drives a browser; `-m "not browser"` leaves them all out.
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium: pytest-playwright's --browser-channel cannot point at it, and
    `playwright install` cannot download a browser on this network."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian package chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    # Requesting live_server here puts it in every browser test's fixture closure, which also
    # makes pytest-django give those tests a transactional database the server thread can see.
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """Every browser test also checks that its pages run under the Content-Security-Policy:
    a refused script, style or handler shows in the console, and fails the test."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []

    def note(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.text} at {message.location}")

    page.on("console", note)
    yield
    assert refused == [], refused


@pytest.fixture
def confirmations(request) -> list[str]:
    """The confirmation questions the page asked (hx-confirm), each answered "OK" as a person
    who meant to click would; a test asserts on them. Without this fixture a question is
    dismissed (Playwright's default), as a person who changed their mind would."""
    page = request.getfixturevalue("page")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return asked
