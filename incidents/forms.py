"""Forms for the incidents page. They parse input; the services decide what is allowed (a
correction without its public note, a second decision)."""

from __future__ import annotations

from typing import Any

from django import forms

from incidents.models import Decision, HarmCategory, Severity
from incidents.services import MAX_TEXT, Relabel
from labeling.services import MAX_LABEL_TEXT
from review.forms import IdField


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
    label_term = forms.ChoiceField(
        label="New label (relabel only)",
        required=False,
        help_text="The label the audience reads instead. A new label version is made and the "
        "rendition re-signed; an editor approves them before the CMS is told the asset is "
        "cleared again.",
    )
    label_text = forms.CharField(
        label="New label text (relabel only)",
        required=False,
        max_length=MAX_LABEL_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Leave empty for the new label's suggested wording.",
    )

    def __init__(
        self,
        *args: Any,
        incident_pk: int,
        label_choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        # Ids stay unique with one decide form per open incident on the page.
        kwargs.setdefault("auto_id", f"decide-{incident_pk}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        label_field = self.fields["label_term"]
        assert isinstance(label_field, forms.ChoiceField)
        label_field.choices = [("", "Choose…"), *(label_choices or [])]
        if not label_choices:
            label_field.help_text = (
                "No label fits this asset's classification. If the asset is synthetic after "
                "all, correct its classification on the asset page first, then relabel."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == Decision.RELABEL and not data.get("label_term"):
            self.add_error("label_term", "Choose the new label for a relabel.")
        return data

    def relabel(self) -> Relabel | None:
        """What a relabel sets; None for the other decisions (their label fields are ignored)."""
        data = self.cleaned_data
        if data["decision"] != Decision.RELABEL:
            return None
        return Relabel(term_key=data["label_term"], text=data["label_text"].strip() or None)


class IncidentTriageForm(forms.Form):
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)

    def __init__(self, *args: Any, incident_pk: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"triage-{incident_pk}-%s")
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


class PublicReportActionForm(forms.Form):
    """On an unmatched public report in the inbox: which asset it is about, or set it aside."""

    action = forms.ChoiceField(choices=[("attach", "Open an incident"), ("dismiss", "Set aside")])
    asset = IdField(
        label="Asset number",
        required=False,
        min_value=1,
        error_messages={"invalid": "Give the asset's number (the # in the queue)."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "attach" and not data.get("asset"):
            self.add_error("asset", "Give the number of the asset this report is about.")
        return data

    def first_error(self) -> str:
        return str(next(iter(self.errors.values()))[0])
