from __future__ import annotations

from typing import Any

from django import forms

from public.models import MAX_POLICY_BODY
from public.words import HARMS_ES


class PolicyForm(forms.Form):
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="One or two sentences shown at the top of the page and in the list.",
    )
    body = forms.CharField(
        label="Text",
        max_length=MAX_POLICY_BODY,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text="Markdown: ## for a heading, **bold**, - for a list item, [text](https://…) "
        "for a link. HTML is shown as text, never run.",
    )
    change_note = forms.CharField(
        label="What changed",
        max_length=300,
        help_text="Shown to the public in the policy's history.",
    )


class ReportForm(forms.Form):
    """The public report form (GOV.UK style: plain words, one question per field). `website` is
    a honeypot: hidden from people, filled in by bots."""

    url = forms.CharField(
        label="Address of the page where you saw it",
        required=False,
        max_length=500,
        help_text="Copy it from your browser's address bar, for example https://… .",
    )
    harm_category = forms.ChoiceField(label="What is wrong with it", choices=[])
    description = forms.CharField(
        label="Tell us more",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you saw and why it is a problem. If you have no address, describe where "
        "you saw it.",
    )
    email = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        max_length=254,
        help_text="Only if you want a reply. Only our standards editors see it; we never publish "
        "it.",
    )
    # Out of the tab order and hidden from assistive technology: only a bot fills it in.
    website = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        harm_choices: list[tuple[str, str]],
        language: str = "en",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.language = language
        harm = self.fields["harm_category"]
        assert isinstance(harm, forms.ChoiceField)
        if language == "es":
            harm_choices = [
                (value, HARMS_ES.get(value, label).capitalize()) for value, label in harm_choices
            ]
            for name, (label, help_text) in REPORT_FIELDS_ES.items():
                self.fields[name].label = label
                self.fields[name].help_text = help_text
            for field in self.fields.values():
                field.error_messages.update(FIELD_ERRORS_ES)
        harm.choices = [("", "Elija una" if language == "es" else "Choose one"), *harm_choices]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(
                "Escriba la dirección tal como aparece en su navegador, empezando por https://"
                if self.language == "es"
                else "Enter the page's address as it appears in your browser, starting with "
                "https://"
            )
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("url")
            and not (data.get("description") or "").strip()
            and not (self.errors.get("url"))
        ):
            self.add_error(
                "description",
                "Indique la dirección de la página o cuéntenos dónde lo vio."
                if self.language == "es"
                else "Give the page's address, or tell us where you saw it.",
            )
        return data


REPORT_FIELDS_ES = {
    "url": (
        "Dirección de la página donde lo vio",
        "Cópiela de la barra de direcciones de su navegador, por ejemplo https://… .",
    ),
    "harm_category": ("Qué problema tiene", ""),
    "description": (
        "Cuéntenos más",
        "Qué vio y por qué es un problema. Si no tiene la dirección, describa dónde lo vio.",
    ),
    "email": (
        "Su correo electrónico (opcional)",
        "Solo si quiere una respuesta. Solo lo ven nuestros editores de estándares; nunca lo "
        "publicamos.",
    ),
}
FIELD_ERRORS_ES = {
    "required": "Este campo es obligatorio.",
    "invalid": "Escriba una dirección de correo electrónico válida.",
    "invalid_choice": "Elija una de las opciones.",
    "max_length": "El texto es demasiado largo.",
}
