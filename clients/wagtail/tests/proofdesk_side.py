"""The Proofdesk desk's side of the Wagtail tests: what its people do, run as a separate
process with Proofdesk's own settings against the database the live Proofdesk server uses.

    python proofdesk_side.py setup --webhook-url URL     -> {"token": ..., "webhook_secret": ...}
    python proofdesk_side.py ready-asset --story S        -> {"asset_id": N}   (approved)
    python proofdesk_side.py unchecked-asset --story S    -> {"asset_id": N}   (in review)
    python proofdesk_side.py takedown ASSET_ID            -> {"incident_id": N, "decided_at": ...}
    python proofdesk_side.py incident INCIDENT_ID         -> {"takedown_confirmed_at": ..., ...}

Everything goes through Proofdesk's services, the ones its pages call: intake (the checks run
in-process, no broker), consent, classification, label, signed rendition, the editor's
Approve, the standards desk's emergency takedown. Webhooks are sent from this process right
after each commit, to the Wagtail test site. The last line printed is the JSON answer.

This file is the only one under clients/ that imports Proofdesk: it is a test fixture run in
Proofdesk's environment (cwd and PYTHONPATH = the repository root), never part of the packages.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import django

ROOT = Path(os.environ.get("PROOFDESK_ROOT", Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.roles import Role  # noqa: E402
from consent.demo import seed_creator_consent  # noqa: E402
from incidents.models import HarmCategory, Incident  # noqa: E402
from incidents.services import incident_emergency_takedown  # noqa: E402
from labeling.models import Certainty, Purpose, Technique  # noqa: E402
from labeling.services import classification_set, label_set, rendition_create  # noqa: E402
from labeling.signing import write_dev_credentials  # noqa: E402
from review.demo import demo_image  # noqa: E402
from review.models import Asset, AssetSource  # noqa: E402
from workflow import services  # noqa: E402

PEOPLE = {"reporter": Role.REPORTER, "editor": Role.EDITOR, "standards": Role.STANDARDS}


def person(username: str) -> User:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@proofdesk.test"}
    )
    if created:
        user.groups.add(Group.objects.get(name=PEOPLE[username]))
    return user


def setup(webhook_url: str) -> dict[str, Any]:
    call_command("migrate", interactive=False, verbosity=0)
    keys = Path(os.environ["SIGNING_KEY"]).parent
    keys.mkdir(parents=True, exist_ok=True)
    write_dev_credentials(keys, organisation=os.environ.get("NEWSROOM_NAME", "Test Newsroom"))
    for username in PEOPLE:
        person(username)
    out = io.StringIO()
    call_command(
        "create_integration",
        "Wagtail test site",
        webhook_url=webhook_url,
        scopes="assets:read,assets:publish,assets:read-uncleared",
        json=True,
        stdout=out,
    )
    made: dict[str, Any] = json.loads(out.getvalue())
    return made


def _intake(story: str, seed: int) -> Asset:
    name = f"{story}-{seed}.jpg"
    data = demo_image(name, seed=seed)
    result = services.asset_intake(
        uploaded_by=person("reporter"),
        content=ContentFile(data, name=name),
        sha256=hashlib.sha256(data).hexdigest(),
        original_filename=name,
        source=AssetSource.STAFF,
        story_ref=story,
    )
    return result.asset


def unchecked_asset(story: str, seed: int) -> dict[str, Any]:
    return {"asset_id": _intake(story, seed).pk}


def ready_asset(story: str, seed: int) -> dict[str, Any]:
    """An AI illustration with everything the sign-off asks for, approved by an editor: cleared
    (no second approval: nobody real is depicted)."""
    asset = _intake(story, seed)
    editor = person("editor")
    seed_creator_consent(asset=asset, name="Ada Illustrator")
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[Technique.WHOLLY_SYNTHETIC],
        purpose=Purpose.ILLUSTRATION,
        certainty=Certainty.DECLARED,
        note="Made by our illustrator with an image generator.",
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-illustration", language="en")
    rendition_create(asset_id=asset.pk, actor=editor)
    services.asset_approve(asset_id=asset.pk, actor=editor)
    asset.refresh_from_db()
    return {"asset_id": asset.pk, "status": asset.status}


def takedown(asset_id: int) -> dict[str, Any]:
    incident = incident_emergency_takedown(
        asset_id=asset_id,
        actor=person("standards"),
        harm_category=HarmCategory.DISINFORMATION,
        description="Reported as misleading by readers.",
    )
    return {"incident_id": incident.pk, "decided_at": _iso(incident.decided_at)}


def incident(incident_id: int) -> dict[str, Any]:
    found = Incident.objects.get(pk=incident_id)
    return {
        "decision": found.decision,
        "decided_at": _iso(found.decided_at),
        "cms_notified_at": _iso(found.cms_notified_at),
        "takedown_confirmed_at": _iso(found.takedown_confirmed_at),
        "asset_status": Asset.objects.values_list("status", flat=True).get(pk=found.asset_id),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup").add_argument("--webhook-url", required=True)
    for name in ("ready-asset", "unchecked-asset"):
        made = commands.add_parser(name)
        made.add_argument("--story", default="wagtail")
        made.add_argument("--seed", type=int, default=1)
    commands.add_parser("takedown").add_argument("asset_id", type=int)
    commands.add_parser("incident").add_argument("incident_id", type=int)
    args = parser.parse_args(argv)
    if args.command == "setup":
        answer = setup(args.webhook_url)
    elif args.command == "ready-asset":
        answer = ready_asset(args.story, args.seed)
    elif args.command == "unchecked-asset":
        answer = unchecked_asset(args.story, args.seed)
    elif args.command == "takedown":
        answer = takedown(args.asset_id)
    else:
        answer = incident(args.incident_id)
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
