"""Writes for remote signing: a one-time link the desk sends, and the person signing with it on
their own device. The token is stored only as its sha256, so nobody (nor a copy of the database)
can give a link's URL back: a desk user who needs it again gets a new token for the same link
(`consent_link_reissue`), which ends the old URL. The link row is locked while it is used, so a
link records at most one consent."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from consent.errors import ConsentError, ConsentLinkError, LinkProblem
from consent.evidence.files import signature_from_data_url
from consent.evidence.records import text_sha256
from consent.models import ConsentLink, ConsentMethod, ConsentRecord, ConsentStatement, Party
from consent.remote.media_preview import (
    AvPreview,
    PreviewState,
    av_preview,
    av_preview_claim,
    plays_on_page,
)
from consent.remote.tasks import consent_preview_make
from consent.remote.texts import remote_statement_text, statement_family
from consent.services import Scope, Signing, consent_record_create
from review.models import Asset

TEXT_CHANGED = "The text changed after you opened this page. Read it again below, then sign."
LINK_LIFETIME = timedelta(days=7)
MAX_LINK_LIFETIME = timedelta(days=30)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_refusal(party: Party) -> str:
    """Why this party cannot be sent a consent link, or "" when it can. The desk hides the
    form and the service refuses, both from this answer."""
    if party.removed_at is not None:
        return "This party was removed from the asset."
    if party.person is not None and party.person.is_minor:
        return "A minor cannot sign by link; their guardian signs in person or by release."
    return ""


def consent_link_create(
    *,
    party_id: int,
    actor: User,
    statement: ConsentStatement,
    scope: Scope,
    lifetime: timedelta = LINK_LIFETIME,
    media_description: str = "",
) -> tuple[ConsentLink, str]:
    """A one-time link for the party to sign on their own device. Returns the link row and
    the token, which is never stored. `media_description` is how the person is told what
    the media is (the asset's own description is the desk's, and never shown to them)."""
    scope.check()
    if not timedelta(minutes=5) <= lifetime <= MAX_LINK_LIFETIME:
        raise ConsentError("A consent link lasts between 5 minutes and 30 days.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        party = (
            Party.objects.select_for_update(of=("self",)).select_related("person").get(pk=party_id)
        )
        refusal = link_refusal(party)
        if refusal:
            raise ConsentError(refusal)
        link = ConsentLink.objects.create(
            party=party,
            statement=statement,
            token_sha256=_token_digest(token),
            media_description=media_description.strip()[:200],
            uses=scope.uses,
            channels=scope.channels,
            territories=scope.territories,
            valid_from=scope.valid_from,
            valid_until=scope.valid_until,
            expires_at=timezone.now() + lifetime,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="consent.link_created",
            obj=party.asset,
            details={"link_id": link.pk, "party_id": party.pk, "expires_at": link.expires_at},
        )
        if plays_on_page(party.asset):
            # Made while the link travels, so that the person finds it ready.
            transaction.on_commit(partial(consent_preview_prepare, asset=party.asset))
    return link, token


def consent_preview_prepare(*, asset: Asset) -> AvPreview:
    """The asset's marked audio or video preview as it stands, after queuing its making when
    nobody has yet (once per file: `av_preview_claim`). Without a broker the task runs here,
    and the preview is ready (or has failed) on return."""
    preview = av_preview(asset)
    if preview.state != PreviewState.NOT_MADE:
        return preview
    if av_preview_claim(asset):
        consent_preview_make.delay(asset.pk)
    return av_preview(asset)


def consent_link_reissue(
    *, link_id: int, actor: User, emailed: bool = False
) -> tuple[ConsentLink, str]:
    """A new token for a link still waiting for its signature: the desk's way to show or send
    a link again, since the old token was never kept. The old URL stops working at once; the
    link keeps its scope, statement and end date."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Locked like a signature: a person signing with the old URL right now either finishes
        # first (and this is refused as used) or finds their URL replaced.
        link = (
            ConsentLink.objects.select_for_update(of=("self",))
            .select_related("party__asset", "party__person")
            .get(pk=link_id)
        )
        problem = link_problem(link, timezone.now())
        if problem is not None:
            raise _link_error(problem)
        ConsentLink.objects.filter(pk=link.pk).update(token_sha256=_token_digest(token))
        audit_record(
            actor=actor,
            action="consent.link_reissued",
            obj=link.party.asset,
            details={"link_id": link.pk, "party_id": link.party_id, "emailed": emailed},
        )
    return link, token


def statement_options(link: ConsentLink) -> list[ConsentStatement]:
    """The texts the person may read and sign: the link's own statement first, then the
    newest version of each translation of it in another language (one query)."""
    family = statement_family(link.statement)
    newest: dict[str, ConsentStatement] = {link.statement.language: link.statement}
    candidates = ConsentStatement.objects.filter(key__startswith=family).order_by("key", "-version")
    seen: set[str] = set()
    for statement in candidates:
        if statement.key in seen:
            continue
        seen.add(statement.key)
        if statement_family(statement) == family:
            newest.setdefault(statement.language, statement)
    return list(newest.values())


def statement_for_language(options: list[ConsentStatement], language: str) -> ConsentStatement:
    """The option in `language`, or the link's own statement (the first) for any other."""
    return next((s for s in options if s.language == language), options[0])


def link_scope(link: ConsentLink) -> Scope:
    return Scope(
        uses=list(link.uses),
        channels=list(link.channels),
        territories=list(link.territories),
        valid_from=link.valid_from,
        valid_until=link.valid_until,
    )


LINK_PROBLEM_MESSAGES = {
    LinkProblem.UNKNOWN: (
        "This consent link is not valid. Ask the reporter who sent it for a new one."
    ),
    LinkProblem.USED: ("This consent link has already been used. Each link can be used only once."),
    LinkProblem.CANCELLED: "This consent link was cancelled by the newsroom.",
    LinkProblem.EXPIRED: (
        "This consent link has expired. Ask the reporter who sent it for a new one."
    ),
}


def link_problem(link: ConsentLink | None, now: datetime) -> LinkProblem | None:
    """Why the link cannot be used now, or None while it can. The public page and the desk's
    list of links both ask this one function."""
    if link is None:
        return LinkProblem.UNKNOWN
    if link.used_at is not None:
        return LinkProblem.USED
    if link.cancelled_at is not None:
        return LinkProblem.CANCELLED
    if link.expires_at <= now:
        return LinkProblem.EXPIRED
    return None


def _link_error(problem: LinkProblem) -> ConsentLinkError:
    return ConsentLinkError(LINK_PROBLEM_MESSAGES[problem], reason=problem)


def consent_link_open(token: str) -> ConsentLink:
    """The link behind a token, if it can still be used; ConsentLinkError says why not."""
    link = (
        ConsentLink.objects.select_related("party__asset", "party__person", "statement")
        .filter(token_sha256=_token_digest(token))
        .first()
    )
    problem = link_problem(link, timezone.now())
    if problem is not None or link is None:
        raise _link_error(problem or LinkProblem.UNKNOWN)
    return link


def consent_link_sign(
    *,
    token: str,
    acknowledged: Iterable[str],
    signing: Signing,
    shown_sha256: str = "",
    language: str = "",
) -> ConsentRecord:
    """The subject signs on their own device. The link row is locked, so a double submit or
    two devices racing record one consent, and the second is told the link was used.

    `language` is the language the person read (one of `statement_options`); `shown_sha256`
    is the hash of the text the page showed: a link lives for days, and if a new version of a
    translation was published meanwhile the stored text would not be what the person read, so
    they are asked to read it again instead."""
    # Before the link's lock: a bad signature is refused without holding the row, and a
    # hostile one (a decompression bomb) never runs while a second device waits on it.
    signature = signature_from_data_url(signing.signature_data_url)
    with transaction.atomic():
        link = (
            ConsentLink.objects.select_for_update()
            .filter(token_sha256=_token_digest(token))
            .first()
        )
        problem = link_problem(link, timezone.now())
        if problem is not None or link is None:
            raise _link_error(problem or LinkProblem.UNKNOWN)
        # Read after the lock, and without joining it: FOR UPDATE would lock the asset too.
        party = Party.objects.select_related("asset").get(pk=link.party_id)
        statement = statement_for_language(statement_options(link), language)
        text = remote_statement_text(statement, link, party)
        if shown_sha256 and shown_sha256 != text_sha256(text):
            raise ConsentError(TEXT_CHANGED)
        # A person signing again (a wider use, a new term) gives the next version, which
        # replaces the one before: without `supersedes` both would count as current.
        latest = party.consent_records.order_by("-version").first()
        record = consent_record_create(
            party_id=link.party_id,
            collected_by=None,
            statement=statement,
            scope=link_scope(link),
            acknowledged=acknowledged,
            signing=Signing(
                method=ConsentMethod.SIGNED_REMOTELY,
                signed_name=signing.signed_name,
                signature_data_url=signing.signature_data_url,
                ip_address=signing.ip_address,
                user_agent=signing.user_agent,
                signature=signature,
            ),
            supersedes=latest,
            text=text,
        )
        ConsentLink.objects.filter(pk=link.pk).update(used_at=timezone.now(), record=record)
    return record


def consent_link_cancel(*, link_id: int, actor: User) -> ConsentLink:
    with transaction.atomic():
        link = (
            ConsentLink.objects.select_for_update(of=("self",))
            .select_related("party")
            .get(pk=link_id)
        )
        if link.used_at is None and link.cancelled_at is None:
            ConsentLink.objects.filter(pk=link.pk).update(cancelled_at=timezone.now())
            audit_record(
                actor=actor,
                action="consent.link_cancelled",
                obj=link.party.asset,
                details={"link_id": link.pk},
            )
        link.refresh_from_db()
    return link
