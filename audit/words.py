"""Audit events in words: the one vocabulary the desk's timeline and the consent PDF's
certificate print instead of raw codes ("asset.check_started" becomes "Checks started").

Every action code the code base records has a phrase here; tests/audit/test_words.py reads the
source for the codes written and fails on one without a phrase, so a new event cannot reach a
page as a raw code. A code recorded before a rename, or written by an older release, still reads
as words through `_fallback`.

Statuses are words here too, although the asset's statuses are `review.models.AssetStatus`:
`audit` is the lowest layer and may not import `review` (nor `incidents`, whose statuses an
incident's events carry). Passing labels in would make every template that prints an event
fetch them first; a small copy is simpler, and the test compares it with the `TextChoices`
labels, so it cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

EVENT_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # accounts: two-factor sign-in (review/two_factor.py)
        "account.two_factor_enabled": "Two-factor sign-in turned on",
        "account.two_factor_disabled": "Two-factor sign-in turned off",
        "account.two_factor_failed": "Wrong two-factor sign-in code",
        # the asset's life on the desk (review/transitions.py and its callers)
        "asset.received": "Media received",
        "asset.check_started": "Checks started",
        "asset.checked": "Checks finished",
        "asset.approve": "Approved",
        "asset.request_changes": "Changes requested",
        "asset.reject": "Rejected",
        "asset.resubmit": "Resubmitted for review",
        "asset.withdraw": "Withdrawn",
        "asset.mark_published": "Marked as published",
        "asset.published_by_cms": "Published, as reported by the CMS",
        "asset.unpublished_by_cms": "Removed from publication, as reported by the CMS",
        "asset.taken_down": "Taken down",
        "asset.assigned": "Reviewer assignment changed",
        "comment.added": "Comment added",
        # consent
        "person.created": "Person added",
        "consent.party_added": "Person added to the media item",
        "consent.party_removed": "Person removed from the media item",
        "consent.link_created": "Remote consent link created",
        "consent.link_cancelled": "Remote consent link cancelled",
        "consent.link_reissued": "Remote consent link sent again",
        "consent.recorded": "Consent recorded",
        "consent.revoked": "Consent revoked",
        "consent.expired": "Consent expired",
        "consent.waived": "Consent waived by legal",
        "consent.alert_resolved": "Consent alert resolved",
        "consent.statement_published": "Consent statement published",
        "consent.evidence_viewed": "Consent evidence viewed",
        "consent.exported": "Consent record exported as a PDF",
        "consent.export_requested": "Consent export requested",
        "consent.export_built": "Consent export built",
        "consent.export_failed": "Consent export failed",
        "consent.export_downloaded": "Consent export downloaded",
        # provenance and trust
        "provenance.verified": "Content Credentials checked",
        "provenance.recheck_requested": "Content Credentials re-check requested",
        "trust.uploaded": "Trust list uploaded",
        "trust.retired": "Trust list retired",
        "trust.files_changed": "Trust list files changed on the server",
        # labeling
        "label.classified": "AI use classified",
        "label.set": "Label set",
        "label.rendition_signed": "Labeled rendition made and signed",
        "label.rendition_failed": "Labeled rendition failed",
        "label_term.created": "Label term added",
        "label_term.updated": "Label term changed",
        "label_term.deactivated": "Label term retired",
        "label_term.reactivated": "Label term brought back",
        # sign-off
        "signoff.recorded": "Sign-off recorded",
        "signoff.second_approved": "Second approval given",
        "signoff.voided": "Sign-off voided",
        "signoff.provenance_acknowledged": "Content Credentials problems acknowledged",
        # incidents
        "incident.reported": "Incident reported",
        "incident.triaged": "Incident triaged",
        "incident.decided": "Incident decided",
        "incident.cms_notified": "CMS notified of the decision",
        "incident.takedown_confirmed": "Takedown confirmed",
        "incident.takedown_overdue": "Takedown overdue",
        "incident.public_report_received": "Report from the public received",
        "incident.public_report_attached": "Report from the public added to an incident",
        "incident.public_report_dismissed": "Report from the public dismissed",
        # integrations and webhooks
        "integration.created": "Integration created",
        "integration.token_created": "API token created",
        "integration.token_revoked": "API token revoked",
        "webhook.endpoint_created": "Webhook endpoint added",
        "webhook.endpoint_enabled": "Webhook endpoint turned on",
        "webhook.endpoint_disabled": "Webhook endpoint turned off",
        "webhook.secret_rotated": "Webhook secret replaced",
        "webhook.redelivery_requested": "Webhook delivery retried",
        # public pages
        "policy.published": "Policy published",
    }
)

# Events whose words depend on one of their details: {action: (detail key, {value: words})}.
# A consent recorded in person and one signed by remote link are different facts to a reader.
EVENT_VARIANTS: Final[Mapping[str, tuple[str, Mapping[str, str]]]] = MappingProxyType(
    {
        "consent.recorded": (
            "method",  # consent.models.ConsentMethod
            MappingProxyType(
                {
                    "signed_in_person": "Consent recorded in person",
                    "signed_remotely": "Consent signed by remote link",
                    "uploaded_release": "Signed release recorded",
                    "verbal": "Verbal consent recorded",
                }
            ),
        ),
    }
)

STATUS_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # review.models.AssetStatus
        "received": "Received",
        "checking": "Checking",
        "in_review": "In review",
        "changes_requested": "Changes requested",
        "approved": "Approved",
        "published": "Published",
        "rejected": "Rejected",
        "withdrawn": "Withdrawn",
        "taken_down": "Taken down",
        # incidents.models.IncidentStatus
        "open": "Open",
        "decided": "Decided",
    }
)


def _fallback(code: str) -> str:
    """A code without a phrase, in words as well as can be guessed: "asset.check_started" reads
    "Check started"."""
    words = code.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Event"


def status_words(state: str) -> str:
    """A status code in words ("in_review" reads "In review"); empty for no status."""
    if not state:
        return ""
    return STATUS_WORDS.get(state) or _fallback(state)


def event_words(
    action: str,
    from_state: str = "",
    to_state: str = "",
    *,
    details: Mapping[str, object] | None = None,
) -> str:
    """What happened, in words, with the status change when there was one:
    "Checks started (Received → Checking)". Given the event's details, an event that reads
    differently by one of them (see EVENT_VARIANTS) gets its own words."""
    phrase = EVENT_WORDS.get(action) or _fallback(action)
    if details and action in EVENT_VARIANTS:
        key, variants = EVENT_VARIANTS[action]
        phrase = variants.get(str(details.get(key, "")), phrase)
    if not to_state or to_state == from_state:
        return phrase
    if not from_state:
        return f"{phrase} (status: {status_words(to_state)})"
    return f"{phrase} ({status_words(from_state)} → {status_words(to_state)})"
