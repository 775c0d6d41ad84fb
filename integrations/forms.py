from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from integrations.endpoints import MAX_OVERLAP_HOURS
from integrations.models import DEFAULT_SCOPES, DeliveryStatus, EventType, Integration, TokenScope
from integrations.tokens import CredentialsError, clean_webhook_url
from review.forms import IdField


class RotateSecretForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="Keep the old secret valid for (hours)",
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        help_text="Events are signed with both secrets meanwhile. 0 if the old one leaked.",
        initial=lambda: settings.WEBHOOK_SECRET_OVERLAP_HOURS,
    )


class EnableEndpointForm(forms.Form):
    resend_held = forms.BooleanField(
        label="Also send the deliveries held while it was disabled",
        required=False,
        initial=True,
    )


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *DeliveryStatus.choices], required=False
    )
    type = forms.ChoiceField(
        label="Event", choices=[("", "Any event"), *EventType.choices], required=False
    )
    asset = IdField(label="Asset #", min_value=1, required=False)


# --- making integrations, tokens and endpoints in the browser --------------------------------

# What each scope lets the CMS do, in words; the code is what the CMS's developers see.
SCOPE_EXPLANATIONS = {
    TokenScope.READ: "Read the assets the desk cleared, their label and signed file.",
    TokenScope.PUBLISH: "Tell the desk where and when it published or unpublished an asset.",
    TokenScope.READ_UNCLEARED: (
        "Also read assets the desk never cleared (in review, sent back, rejected, withdrawn) "
        "and their story reference. Leave this off unless the CMS must show editors why an "
        "asset is not cleared yet."
    ),
}


def _scope_choices() -> list[tuple[str, str]]:
    return [
        (scope.value, format_html("<code>{}</code>: {}", scope.value, SCOPE_EXPLANATIONS[scope]))
        for scope in TokenScope
    ]


class OnceForm(forms.Form):
    """A form whose success shows a secret. `once` names this one filling-in: the view refuses
    it a second time (a reload that posts again, the back button and Resend) instead of making
    a second token and showing its secret."""

    once = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.initial.setdefault("once", uuid.uuid4())


def _scopes_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="What the token may do",
        choices=_scope_choices,
        initial=list(DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing the token may do."},
    )


def _webhook_url(value: str) -> str:
    try:
        return clean_webhook_url(value)
    except CredentialsError as exc:
        raise forms.ValidationError(str(exc)) from None


class IntegrationCreateForm(OnceForm):
    name = forms.CharField(
        label="Name",
        max_length=100,  # Integration.name's
        help_text="The CMS or service, as the desk will recognise it: “Main CMS”, “Apps”.",
        error_messages={"required": "Enter a name for the integration."},
    )
    webhook_url = forms.CharField(
        label="Webhook URL (optional)",
        max_length=500,  # WebhookEndpoint.url's
        required=False,
        help_text="The CMS's public https:// address that receives events. Leave it empty "
        "if the CMS only reads the API; you can add one later.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    scopes = _scopes_field()

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        # Checked here so that the message sits next to the field; `integration_create` checks
        # again in its transaction, for two people naming the same integration at once.
        if Integration.objects.filter(name=name).exists():
            raise forms.ValidationError(f"An integration named “{name}” already exists.")
        return name

    def clean_webhook_url(self) -> str:
        value: str = self.cleaned_data["webhook_url"]
        return _webhook_url(value) if value else ""


class TokenCreateForm(OnceForm):
    scopes = _scopes_field()
    expires_on = forms.DateField(
        label="Last day it works (optional)",
        required=False,
        help_text="The token stops working at the end of this day. Leave it empty for a "
        "token that works until it is revoked.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as year-month-day, like 2030-01-31."},
    )

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("The last day must be today or later.")
        return day

    @property
    def expires_at(self) -> datetime | None:
        """The end of the chosen day in the newsroom's time zone (TIME_ZONE)."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.combine(
            day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )


class EndpointCreateForm(OnceForm):
    url = forms.CharField(
        label="Webhook URL",
        max_length=500,
        help_text="The CMS's public https:// address that receives events.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the address that receives the events."},
    )
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave them all unticked to send every event, including kinds added later.",
    )

    def clean_url(self) -> str:
        value: str = self.cleaned_data["url"]
        return _webhook_url(value)
