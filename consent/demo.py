"""Demo consent for `seed_demo`: one asset with complete consent (the creator and two people
depicted, one of them a minor whose guardian signed) and one still missing consent. Made
through the real services, so the records, hashes and audit trail are as in use."""

from __future__ import annotations

import base64
import io
import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from consent.models import ConsentMethod, ConsentRole, InformedPoint, PartyRole
from consent.services import (
    Scope,
    Signing,
    consent_record_create,
    latest_statements,
    party_add,
    person_create,
)
from review.models import Asset

DEMO_IP = "192.0.2.10"  # TEST-NET-1: never a real address
DEMO_AGENT = "Proofdesk demo (seed_demo)"


def demo_signature(name: str) -> str:
    """A scribbled signature as the pad would send it (PNG data URL)."""
    rng = random.Random(name)
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(30 + i * 540 / 24, 100 + rng.randint(-55, 55)) for i in range(25)]
    draw.line(points, fill="#1a1a1a", width=4, joint="curve")
    draw.line([(40, 170), (560, 165)], fill="#1a1a1a", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def demo_release_pdf() -> SimpleUploadedFile:
    """A one-page PDF standing in for a scanned, signed paper release."""
    image = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(image)
    draw.text((80, 80), "MODEL RELEASE (demo)", fill="black")
    draw.text((80, 140), "I consent to the use described by the newsroom.", fill="black")
    draw.line([(80, 900), (500, 880)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    return SimpleUploadedFile("signed-release.pdf", buffer.getvalue())


def _scope() -> Scope:
    today = timezone.localdate()
    return Scope(
        uses=["Illustration of the deepfake explainer"],
        channels=["website", "social media"],
        territories=["worldwide"],
        valid_from=today - timedelta(days=3),
        valid_until=today + timedelta(days=365),
    )


def seed_creator_consent(*, asset: Asset, name: str, email: str = "") -> None:
    """The photographer's consent, signed on the pad: enough for a plainly captured photo."""
    reporter = asset.uploaded_by
    statement = next(s for s in latest_statements() if s.key == "synthetic-media")
    creator = person_create(actor=reporter, full_name=name, email=email)
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.CREATOR, person=creator)
    consent_record_create(
        party_id=party.pk,
        collected_by=reporter,
        statement=statement,
        scope=_scope(),
        acknowledged=[p.value for p in InformedPoint],
        signing=Signing(
            method=ConsentMethod.SIGNED_IN_PERSON,
            signed_name=name,
            signature_data_url=demo_signature(name),
            ip_address=DEMO_IP,
            user_agent=DEMO_AGENT,
        ),
    )


def seed_consent_demo(*, users: dict[str, User], complete: Asset, incomplete: Asset) -> None:
    reporter = complete.uploaded_by
    statement = next(s for s in latest_statements() if s.key == "synthetic-media")
    points = [p.value for p in InformedPoint]

    creator = person_create(
        actor=reporter, full_name="Noor Haddad", email="noor.haddad@example.org"
    )
    adult = person_create(actor=reporter, full_name="Tomás Rivera", phone="+1 202 555 0143")
    guardian = person_create(
        actor=reporter, full_name="Ines Okafor", email="ines.okafor@example.org"
    )
    minor = person_create(actor=reporter, full_name="Ada Okafor", is_minor=True, guardian=guardian)

    for person, role, consent_role, method, witness in [
        (creator, PartyRole.CREATOR, "", ConsentMethod.UPLOADED_RELEASE, ""),
        (adult, PartyRole.SUBJECT, "", ConsentMethod.SIGNED_IN_PERSON, "Sam Standards"),
        (minor, PartyRole.SUBJECT, ConsentRole.GUARDIAN, ConsentMethod.SIGNED_IN_PERSON, ""),
    ]:
        party = party_add(asset_id=complete.pk, actor=reporter, role=role, person=person)
        signer = guardian if consent_role == ConsentRole.GUARDIAN else person
        consent_record_create(
            party_id=party.pk,
            collected_by=reporter,
            statement=statement,
            scope=_scope(),
            acknowledged=points,
            signing=Signing(
                method=method,
                signed_name=signer.full_name,
                signature_data_url=demo_signature(signer.full_name),
                evidence=demo_release_pdf() if method == ConsentMethod.UPLOADED_RELEASE else None,
                witness_name=witness,
                ip_address=DEMO_IP,
                user_agent=DEMO_AGENT,
            ),
            role=consent_role,
        )

    # The other asset: the person depicted is known, the creator is not, nobody has consented.
    bystander = person_create(actor=incomplete.uploaded_by, full_name="Lucas Meyer")
    party_add(
        asset_id=incomplete.pk,
        actor=incomplete.uploaded_by,
        role=PartyRole.SUBJECT,
        person=bystander,
    )
    party_add(
        asset_id=incomplete.pk,
        actor=incomplete.uploaded_by,
        role=PartyRole.SUBJECT,
        description="Man on a rooftop, top right, not yet identified",
    )
