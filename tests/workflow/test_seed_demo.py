"""`seed_demo` as a newcomer meets it: each demo user logs in with the password the README's
"Demo logins" table gives (read from the README, so the docs and the code cannot drift), can do
what that role is for and nothing more, and finds one asset in review an editor can approve and
one that the checklist still blocks. A second run adds nothing."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from consent.models import ConsentRecord, Party
from labeling.models import Classification, Label, Rendition
from review.demo import demo_image
from review.models import Asset, AssetStatus
from signoff.gate import signoff_gate
from signoff.models import SignOff
from tests.labeling.conftest import signing_keys
from workflow.management.commands.seed_demo import DEMO_USERS

__all__ = ["signing_keys"]

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"
READY = "heatwave-ai-illustration.jpg"
INCOMPLETE = "flood-street-generated.jpg"

QUEUE = "/queue/"
UPLOAD = "/assets/upload/"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def readme_demo_logins() -> list[DemoLogin]:
    """The rows of the README's "Demo logins" table, exactly as written there."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Demo logins", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+?) \|", section, flags=re.MULTILINE)
    return [DemoLogin(username, password, role) for username, password, role in rows]


def log_in(username: str, password: str) -> Client:
    """Through the login form, as the newcomer would."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not log in with {password!r}"
    assert response["Location"] == "/queue/"
    return client


@pytest.fixture
def demo(signing_keys) -> str:
    """The demo as `make run` leaves it (which also generates the signing credentials)."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def logins(demo) -> dict[str, Client]:
    return {row.username: log_in(row.username, row.password) for row in readme_demo_logins()}


def approve(client: Client, asset: Asset):
    return client.post(reverse("review:asset_action", args=[asset.pk, "approve"]))


def test_readme_table_names_every_demo_user_with_its_role():
    rows = readme_demo_logins()
    assert [(r.username, r.password, r.role) for r in rows] == [
        (username, password, Role(role).label) for username, password, role in DEMO_USERS
    ]


def test_every_demo_user_logs_in_with_the_readme_password(demo):
    users = get_user_model().objects
    for row in readme_demo_logins():
        client = log_in(row.username, row.password)
        user = users.get(username=row.username)
        assert client.session[SESSION_KEY] == str(user.pk)
        assert Role(next(role for name, _, role in DEMO_USERS if name == row.username)) in {
            group.name for group in user.groups.all()
        }
    assert "reporter-demo" in demo  # the passwords are printed too


# The pages each role should reach (200) and the ones it should not (403; /admin/ sends anyone
# who is not staff to its own login page). A 200 where it says 403 is a role doing more than it
# should.
ROLE_PAGES = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo_role_pages.json").read_text())


def test_each_demo_role_reaches_its_pages_and_no_others(logins):
    expected: dict[str, dict[str, int]] = ROLE_PAGES["users"]
    urls: dict[str, str] = ROLE_PAGES["pages"]
    assert set(expected) == set(logins)
    seen = {
        username: {page: logins[username].get(urls[page]).status_code for page in pages}
        for username, pages in expected.items()
    }
    assert seen == expected


def test_demo_queue_shows_reporters_their_own_and_editors_everything(logins):
    theirs = Asset.objects.get(original_filename="senator-speech-still.jpg")
    assert theirs.uploaded_by.username == "reporter2"
    reporter_queue = logins["reporter"].get(QUEUE).content.decode()
    assert INCOMPLETE in reporter_queue
    assert theirs.original_filename not in reporter_queue
    assert logins["reporter"].get(reverse("review:asset_detail", args=[theirs.pk])).status_code == (
        404
    )

    editor_queue = logins["editor"].get(QUEUE)
    assert editor_queue.status_code == 200
    listed = {asset.pk for asset in editor_queue.context["page"].object_list}
    assert listed == set(Asset.objects.values_list("pk", flat=True))


def test_demo_admin_reaches_the_read_only_audit_log(logins):
    response = logins["admin"].get("/admin/audit/auditevent/")
    assert response.status_code == 200
    assert AuditEvent.objects.exists()
    assert logins["admin"].get("/admin/auth/user/").status_code == 403


def test_demo_reporter_uploads(logins):
    before = Asset.objects.count()
    data = demo_image("new-upload.jpg", seed=42)
    upload = io.BytesIO(data)
    upload.name = "new-upload.jpg"
    response = logins["reporter"].post(UPLOAD, {"source": "staff", "files": [upload]})
    assert response.status_code == 200
    asset = Asset.objects.get(original_filename="new-upload.jpg")
    assert asset.uploaded_by.username == "reporter"
    assert Asset.objects.count() == before + 1


def test_only_editors_may_approve_even_a_ready_asset(logins):
    ready = Asset.objects.get(original_filename=READY)
    others = ["reporter", "legal", "standards", "admin"]
    assert {name: approve(logins[name], ready).status_code for name in others} == dict.fromkeys(
        others, 403
    )
    ready.refresh_from_db()
    assert ready.status == AssetStatus.IN_REVIEW
    assert not SignOff.objects.filter(asset=ready).exists()
    assert not AuditEvent.objects.for_object(ready).filter(action="asset.approve").exists()


def test_only_the_ready_asset_in_review_passes_the_gate(demo):
    editor = get_user_model().objects.get(username="editor")
    in_review = Asset.objects.filter(status=AssetStatus.IN_REVIEW).select_related("uploaded_by")
    passing = {a.original_filename for a in in_review if signoff_gate(a, editor).passed}
    assert passing == {READY}, demo
    assert f"Ready for an editor to approve: #{Asset.objects.get(original_filename=READY).pk}" in (
        demo
    )
    incomplete = Asset.objects.get(original_filename=INCOMPLETE)
    assert incomplete.status == AssetStatus.IN_REVIEW
    assert not signoff_gate(incomplete, editor).passed


def test_demo_editor_approves_the_ready_asset(logins):
    ready = Asset.objects.get(original_filename=READY)
    assert ready.uploaded_by.username == "reporter"
    gate = signoff_gate(ready, get_user_model().objects.get(username="editor"))
    assert {item.key for item in gate.items if item.ok} == {
        "provenance",
        "consent",
        "label",
        "rendition",
        "reviewer",
    }
    assert ready.renditions.filter(verification_state="trusted").exists()

    response = approve(logins["editor"], ready)

    assert response.status_code == 302
    assert response["Location"] == reverse("review:asset_detail", args=[ready.pk])
    ready.refresh_from_db()
    assert ready.status == AssetStatus.APPROVED
    event = AuditEvent.objects.for_object(ready).get(action="asset.approve")
    assert event.actor is not None and event.actor.username == "editor"
    # Nobody real is depicted: no second approval, cleared at once.
    signoff = SignOff.objects.get(asset=ready, voided_at__isnull=True)
    assert not signoff.requires_second and signoff.cleared_at is not None


def test_demo_editor_cannot_approve_the_incomplete_asset(logins):
    incomplete = Asset.objects.get(original_filename=INCOMPLETE)

    response = approve(logins["editor"], incomplete)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Not ready for sign-off." in page
    assert "Consent complete or waived" in page
    incomplete.refresh_from_db()
    assert incomplete.status == AssetStatus.IN_REVIEW
    assert not SignOff.objects.filter(asset=incomplete).exists()
    assert not AuditEvent.objects.for_object(incomplete).filter(action="asset.approve").exists()


def test_without_signing_credentials_the_ready_asset_waits_for_its_rendition(settings):
    settings.SIGNING_CERT_CHAIN = ""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    ready = Asset.objects.get(original_filename=READY)
    assert ready.status == AssetStatus.IN_REVIEW
    assert f"Asset #{ready.pk} not ready for sign-off" in out.getvalue()
    gate = signoff_gate(ready, get_user_model().objects.get(username="editor"))
    assert [item.key for item in gate.items if not item.ok] == ["rendition"]


def test_second_run_adds_no_users_or_assets(demo):
    def counts() -> dict[str, int]:
        return {
            "users": get_user_model().objects.count(),
            "assets": Asset.objects.count(),
            "parties": Party.objects.count(),
            "consent records": ConsentRecord.objects.count(),
            "classifications": Classification.objects.count(),
            "labels": Label.objects.count(),
            "renditions": Rendition.objects.count(),
            "audit events": AuditEvent.objects.count(),
        }

    first = counts()
    assert first["users"] == len(DEMO_USERS)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == first
    assert "demo assets not added again" in out.getvalue()
    # The passwords still work after the second run.
    for row in readme_demo_logins():
        log_in(row.username, row.password)
