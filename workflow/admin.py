"""The audit log in Django's admin: read-only, and its personal fields for legal only.

It is registered here rather than in `audit` because the rule is about roles, which `audit`
(the lowest layer) cannot know: signers' names, addresses, user agents and contact details in
the events' details are masked for anyone without `can_view_consent_evidence` (the admin role
included, which is refused on the consent pages too)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from audit.models import AuditEvent
from review.access import can_view_consent_evidence

# Keys of an event's details that hold a person's data (consent records, remote signatures,
# exports, public reports).
PERSONAL_KEYS = frozenset(
    {
        "signed_name",
        "ip_address",
        "ip",
        "user_agent",
        "email",
        "full_name",
        "phone",
        "witness_name",
        "guardian_name",
        "person_name",
        "name",
    }
)
MASK = "[personal: legal only]"


def masked(details: Any) -> Any:
    """`details` with every personal value replaced, at any depth."""
    if isinstance(details, dict):
        return {
            key: MASK if key in PERSONAL_KEYS and value not in ("", None) else masked(value)
            for key, value in details.items()
        }
    if isinstance(details, list):
        return [masked(item) for item in details]
    return details


def _as_html(details: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(details, indent=2, sort_keys=True))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = (
        "seq",
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "from_state",
        "to_state",
    )
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_name", "action")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = [f.name for f in AuditEvent._meta.fields if f.name != "details"]
        # Chosen per request: the admin object is shared by every request (and thread).
        shown = "details_whole" if can_view_consent_evidence(request.user) else "details_masked"
        return (*fields, shown)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        # Searching the details would find events by a person's name, masked or not.
        return tuple(self.search_fields)

    @admin.display(description="details")
    def details_whole(self, obj: AuditEvent) -> str:
        return _as_html(obj.details)

    @admin.display(description="details (personal data masked)")
    def details_masked(self, obj: AuditEvent) -> str:
        return _as_html(masked(obj.details))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
