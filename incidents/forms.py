"""Forms for the incidents page. They parse input; the services decide what is allowed (a
correction without its public note, a second decision)."""

from __future__ import annotations

from typing import Any

from django import forms

from incidents.models import Decision, HarmCategory, Severity
from incidents.services import MAX_TEXT


class IncidentReportForm(forms.Form):
    harm_category = forms.ChoiceField(
        label="Harm", choices=[("", "Choose…"), *HarmCategory.choices]
    )
    severity = forms.ChoiceField(label="Severity", choices=[("", "Choose…"), *Severity.choices])
    description = forms.CharField(
        label="What is wrong",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What harm the published asset does, and how you know. For the desk only.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "report-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IncidentDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    public_note = forms.CharField(
        label="Public note",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The text the audience reads. Required for a correction or a relabel; sent to "
        "the CMS.",
    )
    note = forms.CharField(
        label="Internal note",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why, for the desk only.",
    )

    def __init__(self, *args: Any, incident_pk: int, **kwargs: Any) -> None:
        # Ids stay unique with one decide form per open incident on the page.
        kwargs.setdefault("auto_id", f"decide-{incident_pk}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EmergencyTakedownForm(forms.Form):
    harm_category = forms.ChoiceField(
        label="Harm", choices=[("", "Choose…"), *HarmCategory.choices]
    )
    description = forms.CharField(
        label="Why it must come down now",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the desk only.",
    )
    confirm = forms.BooleanField(
        label="I confirm: take this asset down now and ask every CMS to remove it.",
        error_messages={"required": "Tick the box to confirm the takedown."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "emergency-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
