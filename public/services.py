"""Writes for the public pages: a standards editor publishes a new version of a policy. Versions
are never edited or deleted; each is audited."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from public.models import MAX_POLICY_BODY, PolicyDocument, PolicyVersion
from review.access import can_edit_policy


class PolicyError(Exception):
    """A version that cannot be published; the message says why, for the editor."""


@transaction.atomic
def policy_publish(
    *,
    document_id: int,
    actor: User,
    based_on: int,
    title: str,
    summary: str,
    body: str,
    change_note: str,
) -> PolicyVersion:
    """Publish the next version of a policy. `based_on` is the version the editor started from:
    if someone published another meanwhile, this one is refused instead of silently replacing
    theirs."""
    if not can_edit_policy(actor):
        raise PolicyError("Only standards editors and administrators publish the policies.")
    title, summary, change_note = title.strip(), summary.strip(), change_note.strip()
    body = body.replace("\r\n", "\n").strip() + "\n"
    if not title or not body.strip():
        raise PolicyError("A policy needs a title and a text.")
    if len(body) > MAX_POLICY_BODY:
        raise PolicyError(f"The text is too long (at most {MAX_POLICY_BODY:,} characters).")
    if not change_note:
        raise PolicyError("Say in a sentence what changed: the history shows it to the public.")
    # The lock makes two editors publishing at once take turns; the second is refused below.
    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    latest = document.versions.order_by("-version").first()
    current = latest.version if latest is not None else 0
    if based_on != current:
        raise PolicyError(
            f"Version {current} was published while you were editing version {based_on}. "
            "Your text is still below: compare it with the current version and publish again."
        )
    if latest is not None and (latest.title, latest.summary, latest.body) == (
        title,
        summary,
        body,
    ):
        raise PolicyError("Nothing changed since the current version.")
    version = PolicyVersion.objects.create(
        document=document,
        version=current + 1,
        title=title,
        summary=summary,
        body=body,
        change_note=change_note,
        published_by=actor,
        published_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="policy.published",
        obj=document,
        details={
            "slug": document.slug,
            "language": document.language,
            "version": version.version,
            "title": title,
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
            "change_note": change_note,
        },
    )
    return version
