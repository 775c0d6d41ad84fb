"""Issue 13, item 10: a Content-Security-Policy without inline script on every page (and the
templates hold no inline script, handler or style for it to block), HSTS and secure cookies in
production, and `check --deploy` clean with the production settings the README documents."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# What the browser would refuse under the policy: script without src, on…= handlers, style
# attributes and elements, javascript: links, htmx's eval'd attributes.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style\b|javascript:|hx-on[:-]"
)
# Templates rendered to PDF by WeasyPrint, never served to a browser.
NOT_FOR_BROWSERS = ("consent/pdf/",)


def test_no_template_holds_what_the_policy_would_block():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        relative = path.relative_to(TEMPLATES).as_posix()
        if relative.startswith(NOT_FOR_BROWSERS):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{relative}:{number}: {line.strip()[:80]}")
    assert found == []


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/login/"),
        (None, "/policy/synthetic-media/"),
        (None, "/report/"),
        ("editor", "/queue/"),
    ],
)
def test_pages_carry_the_policy(request, who, url):
    client = client_for(request.getfixturevalue(who)) if who else Client()
    response = client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_uploaded_media_keep_their_own_sandbox(editor, asset):
    response = client_for(editor).get(reverse("review:asset_media", args=[asset.pk]))
    assert response.status_code == 200
    assert "sandbox" in response["Content-Security-Policy"]


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_URL", "SECURE_", "WEBHOOK_", "DEBUG", "SITE_URL")
        )
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "proofdesk.example.org",
        "SITE_URL": "https://proofdesk.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    # The one warning left is the signing certificate, which a deployment provides.
    warnings = [w for w in re.findall(r"\((\w+\.[WE]\d+)\)", output) if w != "labeling.W002"]
    assert warnings == [], output


def test_check_deploy_asks_for_site_url(settings):
    settings.SITE_URL = ""
    messages = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "review.W001" in messages
    settings.SITE_URL = "https://proofdesk.example.org"
    assert "review.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
