from __future__ import annotations

from django import forms
from django.conf import settings

from integrations.endpoints import MAX_OVERLAP_HOURS
from integrations.models import DeliveryStatus, EventType
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
