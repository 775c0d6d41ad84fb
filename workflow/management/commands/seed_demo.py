"""Demo users (one per role) and assets in every state, made through the real services so
the audit trail is as it would be in use. Safe to run again: existing data is kept."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from accounts.roles import Role
from consent.demo import seed_consent_demo, seed_creator_consent
from labeling.demo import seed_labeling_demo
from labeling.models import Certainty, Purpose, Technique
from labeling.services import LabelingError, classification_set, label_set, rendition_create
from review.access import ActionRefused
from review.demo import demo_audio, demo_image
from review.models import Asset, AssetSource
from signoff.services import signoff_second_approve
from workflow import pipeline, services

# username, password, role. The passwords are in the README: demo only.
DEMO_USERS: list[tuple[str, str, str]] = [
    ("reporter", "reporter-demo", Role.REPORTER),
    ("reporter2", "reporter2-demo", Role.REPORTER),
    ("editor", "editor-demo", Role.EDITOR),
    ("editor2", "editor2-demo", Role.EDITOR),
    ("legal", "legal-demo", Role.LEGAL),
    ("standards", "standards-demo", Role.STANDARDS),
    ("admin", "admin-demo", Role.ADMIN),
]


class Command(BaseCommand):
    help = "Create demo users for every role and demo assets in several workflow states."

    def handle(self, *args: Any, **options: Any) -> None:
        users = self._users()
        if Asset.objects.exists():
            self.stdout.write("Assets already exist; demo assets not added again.")
        else:
            self._assets(users)
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password / role):"))
        for username, password, role in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {password:<16} {Role(role).label}")

    def _users(self) -> dict[str, User]:
        user_model = get_user_model()
        users: dict[str, User] = {}
        for username, password, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.email = f"{username}@proofdesk.example"
                # Staff (to reach /admin/) but not a superuser: a superuser holds every
                # permission, so the demo admin could approve and waive consent, which the
                # Administrator role is not meant to do.
                user.is_staff = role == Role.ADMIN
                user.save()
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _intake(self, user: User, name: str, data: bytes, **fields: Any) -> Asset:
        content = ContentFile(data, name=name)
        result = services.asset_intake(
            uploaded_by=user,
            content=content,
            sha256=hashlib.sha256(data).hexdigest(),
            original_filename=name,
            **fields,
        )
        # In-process mode has already run the checks on commit; with a broker, run them here
        # so the demo does not depend on a worker being up.
        pipeline.asset_run_checks(asset_id=result.asset.pk)
        result.asset.refresh_from_db()
        return result.asset

    def _publish_ai_portrait(self, asset: Asset, *, editor2: User, legal: User) -> None:
        classification_set(
            asset_id=asset.pk,
            actor=editor2,
            source_type="trainedAlgorithmicMedia",
            techniques=[Technique.PERSON_REPRESENTED],
            purpose=Purpose.EDUCATION,
            certainty=Certainty.DECLARED,
            note="Made by our graphics desk with an image generator, from the sitters' photos.",
        )
        label_set(asset_id=asset.pk, actor=editor2, term_key="ai-generated", language="en")
        try:
            rendition_create(asset_id=asset.pk, actor=editor2)
            services.asset_approve(asset_id=asset.pk, actor=editor2)
            signoff_second_approve(asset_id=asset.pk, actor=legal, note="Consent checked.")
            services.asset_mark_published(asset_id=asset.pk, actor=editor2)
        except (LabelingError, ActionRefused) as exc:
            # Without signing credentials (make run sets them up) it stays in review.
            self.stdout.write(f"Asset #{asset.pk} left in review: {exc}")

    def _ready_for_signoff(self, asset: Asset, *, editor: User) -> bool:
        """Everything the sign-off gate asks for except the approval itself, so an editor who
        did not upload it can approve it from the demo. False when the rendition cannot be
        signed (no signing credentials): the asset then stays in review with that item open."""
        seed_creator_consent(asset=asset, name="Mei Tanaka", email="mei.tanaka@example.org")
        classification_set(
            asset_id=asset.pk,
            actor=editor,
            source_type="trainedAlgorithmicMedia",
            techniques=[Technique.WHOLLY_SYNTHETIC],
            purpose=Purpose.ILLUSTRATION,
            certainty=Certainty.DECLARED,
            note="Commissioned from our illustrator, who made it with an image generator.",
        )
        label_set(asset_id=asset.pk, actor=editor, term_key="ai-illustration", language="en")
        try:
            rendition_create(asset_id=asset.pk, actor=editor)
        except LabelingError as exc:
            self.stdout.write(f"Asset #{asset.pk} not ready for sign-off: {exc}")
            return False
        return True

    # No transaction around the whole demo: each service commits on its own, so the checks and
    # renditions queued after commit run in order, as they would in use.
    def _assets(self, users: dict[str, User]) -> None:
        reporter, reporter2 = users["reporter"], users["reporter2"]
        editor, editor2 = users["editor"], users["editor2"]
        made = 0

        def image(user: User, name: str, seed: int, **fields: Any) -> Asset:
            nonlocal made
            made += 1
            return self._intake(user, name, demo_image(name, seed=seed), **fields)

        flood = image(
            reporter,
            "flood-street-generated.jpg",
            1,
            source=AssetSource.USER_GENERATED,
            story_ref="floods-2026",
            description="Viral image of a flooded street; "
            "the sender says it was made with an image generator.",
        )
        image(
            reporter2,
            "senator-speech-still.jpg",
            2,
            source=AssetSource.AGENCY,
            story_ref="senate-debate",
            description="Agency still from the debate.",
        )
        image(
            editor,
            "illustration-ai-city.jpg",
            3,
            source=AssetSource.COMMISSIONED,
            story_ref="future-cities",
            description="Commissioned AI illustration.",
        )
        nonlocal_audio = self._intake(
            reporter,
            "voice-clone-sample.wav",
            demo_audio(),
            source=AssetSource.STAFF,
            story_ref="voice-cloning-explainer",
            description="Cloned voice sample for the explainer.",
        )
        made += 1

        changes = image(
            reporter,
            "protest-crowd-composite.jpg",
            4,
            source=AssetSource.USER_GENERATED,
            story_ref="protest-march",
        )
        services.asset_request_changes(
            asset_id=changes.pk,
            actor=editor,
            note="Who made the composite? Add the creator's name and the original photos.",
        )
        # Approved: a staff photo, plainly captured, with its photographer's consent.
        approved = image(
            reporter,
            "harbour-fire-photo.jpg",
            5,
            source=AssetSource.STAFF,
            story_ref="harbour-fire",
            description="Staff photographer's picture of the harbour fire.",
        )
        seed_creator_consent(asset=approved, name="Priya Nair", email="priya@example.org")
        classification_set(
            asset_id=approved.pk,
            actor=editor,
            source_type="digitalCapture",
            techniques=[],
            purpose="",
            certainty=Certainty.DECLARED,
            note="Taken by our photographer; no edits beyond cropping.",
        )
        services.comment_add(
            asset_id=approved.pk, author=editor, body="Plain photo, consent in place; approving."
        )
        services.asset_approve(asset_id=approved.pk, actor=editor)

        # Published: an AI portrait for the deepfake explainer, with complete consent (two
        # people depicted, one a minor), its label and signed rendition, and a second approval.
        published = image(
            reporter2,
            "ai-portrait-explainer.jpg",
            6,
            source=AssetSource.STAFF,
            story_ref="deepfake-explainer",
            description="AI portrait made for the deepfake explainer, with the sitters' consent.",
        )
        seed_consent_demo(users=users, complete=published, incomplete=flood)
        self._publish_ai_portrait(published, editor2=editor2, legal=users["legal"])
        seed_labeling_demo(asset=flood, editor=editor, out=self.stdout)
        # In review with the whole checklist done (no real person shown, so no second
        # approval): what `editor` can approve. The flood picture above is the one still
        # missing consent.
        ready = image(
            reporter,
            "heatwave-ai-illustration.jpg",
            9,
            source=AssetSource.COMMISSIONED,
            story_ref="heatwave-2026",
            description="Commissioned AI illustration for the heatwave explainer.",
        )
        ready_ok = self._ready_for_signoff(ready, editor=editor2)
        rejected = image(
            reporter2,
            "fake-celebrity-endorsement.jpg",
            7,
            source=AssetSource.USER_GENERATED,
            story_ref="scam-ads",
        )
        services.asset_reject(
            asset_id=rejected.pk,
            actor=editor,
            note="Depicts a real person saying something they never said; "
            "no consent and no reporting purpose.",
        )
        withdrawn = image(reporter, "duplicate-draft.jpg", 8, story_ref="floods-2026")
        services.asset_withdraw(
            asset_id=withdrawn.pk,
            actor=reporter,
            note="Wrong file; replaced by the generated street image.",
        )
        self.stdout.write(
            f"Created {made} demo assets (audio: #{nonlocal_audio.pk}); consent complete on "
            f"#{published.pk}, missing on #{flood.pk}."
        )
        if ready_ok:
            self.stdout.write(
                f"Ready for an editor to approve: #{ready.pk} {ready.original_filename}."
            )
