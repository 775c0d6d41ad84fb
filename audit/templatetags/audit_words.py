"""Audit events in words in templates: `{% load audit_words %}`, then `{{ event|event_words }}`
for an `AuditEvent` with its status change ("Checks started (Received → Checking)"),
`{{ event|event_title }}` for the event alone ("Checks started") and `{{ code|status_words }}`
for a status ("In review"). The words themselves are in `audit.words`."""

from __future__ import annotations

from django import template

from audit.models import AuditEvent
from audit.words import event_words as _event_words
from audit.words import status_words as _status_words

register = template.Library()


@register.filter
def event_words(event: AuditEvent | str) -> str:
    """An event in words; given a bare action code, the words of the code alone."""
    if isinstance(event, AuditEvent):
        details = event.details if isinstance(event.details, dict) else None
        return _event_words(event.action, event.from_state, event.to_state, details=details)
    return _event_words(str(event))


@register.filter
def event_title(event: AuditEvent) -> str:
    """What happened, without the status change: for a page that shows the change apart."""
    details = event.details if isinstance(event.details, dict) else None
    return _event_words(event.action, details=details)


@register.filter
def status_words(state: str) -> str:
    return _status_words(str(state or ""))
