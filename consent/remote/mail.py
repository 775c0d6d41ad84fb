"""The message that carries a consent link to the person: sent by the app (Django's e-mail, the
console backend by default) or opened in the desk user's own mail program (mailto:). The same
words either way."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from consent.models import Party

logger = logging.getLogger(__name__)


def link_message(party: Party, url: str, expires_at: datetime) -> tuple[str, str]:
    """(subject, body) of the message for `party`, whose person has an e-mail address."""
    newsroom = settings.NEWSROOM_NAME
    name = party.person.full_name if party.person is not None else ""
    contact = settings.CONSENT_CONTACT_EMAIL
    body = (
        f"Hello {name},\n\n"
        f"{newsroom} asks for your consent to use media in which you appear. Please look at "
        f"the media, read what you would agree to, and sign if you agree, here:\n\n{url}\n\n"
        f"The link works once, until {timezone.localtime(expires_at):%d %B %Y %H:%M %Z}. "
        f"Do not forward it: whoever has it can sign.\n"
    )
    if contact:
        body += f"\nQuestions, or a change of mind later: {contact}\n"
    subject = f"{newsroom}: your consent for media item #{party.asset_id}"
    return subject, body


def link_mailto(party: Party, url: str, expires_at: datetime) -> str:
    person = party.person
    if person is None or not person.email:
        return ""
    subject, body = link_message(party, url, expires_at)
    query = urlencode({"subject": subject, "body": body}, quote_via=quote)
    return f"mailto:{quote(person.email, safe='@')}?{query}"


def _send(recipient: str, subject: str, body: str, link_id: int) -> None:
    try:
        send_mail(subject, body, None, [recipient])
    except Exception:
        # The URL is in the message: never in the log. The desk sees the link waiting and
        # can send it again.
        logger.exception("Consent link %s: the e-mail could not be sent", link_id)


def link_email_queue(*, party: Party, link_id: int, url: str, expires_at: datetime) -> str:
    """Sends the link to the party's person after the current transaction commits (at once
    outside one). Returns the address it goes to."""
    person = party.person
    if person is None or not person.email:
        raise ValueError("This person has no e-mail address.")
    subject, body = link_message(party, url, expires_at)
    recipient = person.email
    transaction.on_commit(lambda: _send(recipient, subject, body, link_id))
    return recipient
