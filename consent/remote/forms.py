"""Forms for remote consent links: the desk's form that makes a link, and the public form the
person signs. They parse input only; the services decide what is allowed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from consent.models import ConsentStatement, InformedPoint, Party
from consent.remote.services import LINK_LIFETIME, MAX_LINK_LIFETIME
from consent.remote.texts import point_labels
from consent.services import Scope

# The statement the newsroom ships (migration consent.0002): preselected when it exists.
DEFAULT_STATEMENT_KEY = "synthetic-media"


def split_list(value: str) -> list[str]:
    """'web, print\\nsocial' -> ['web', 'print', 'social']: commas or new lines, blanks and
    repeats dropped, order kept (it is the order the person reads)."""
    items = (item.strip() for item in re.split(r"[,\n]", value or ""))
    return list(dict.fromkeys(item for item in items if item))


class ConsentLinkForm(forms.Form):
    """A new remote link for one party. Field ids carry the party's pk, because the desk page
    shows one of these forms per party."""

    statement = forms.TypedChoiceField(
        label="Consent statement",
        coerce=int,
        help_text="Its language is the one the person reads first; they may switch to a "
        "translation of it if there is one.",
    )
    media_description = forms.CharField(
        label="What the person is told the media is",
        max_length=200,
        required=False,
        help_text="Shown to the person with a watermarked preview, e.g. 'Video of the harbour "
        "protest, 12 May'. The asset's own description is never shown to them.",
    )
    uses = forms.CharField(
        label="Uses",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the media will be used: one per line, or separated by commas.",
        error_messages={"required": "Say how the media will be used (at least one use)."},
    )
    channels = forms.CharField(
        label="Channels",
        required=False,
        help_text="Empty: all of our channels.",
    )
    territories = forms.CharField(
        label="Territories",
        required=False,
        help_text="Empty: worldwide.",
    )
    valid_from = forms.DateField(
        label="Consent valid from", widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label="Consent valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: without end date.",
    )
    lifetime_days = forms.IntegerField(
        label="Link works for (days)",
        min_value=1,
        max_value=MAX_LINK_LIFETIME.days,
        initial=LINK_LIFETIME.days,
    )
    send_email = forms.BooleanField(label="E-mail the link to the person now", required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        party: Party,
        statements: list[ConsentStatement],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"link-{party.pk}-%s")
        super().__init__(data, **kwargs)
        self.party = party
        # Built from a list rather than a queryset, so a page with many parties reads the
        # statements once.
        self._statements = {statement.pk: statement for statement in statements}
        field = self.fields["statement"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (s.pk, f"{s.title} (version {s.version}, {s.language})") for s in statements
        ]
        chosen = next((s for s in statements if s.key == DEFAULT_STATEMENT_KEY), None)
        if chosen is None and statements:
            chosen = statements[0]
        if chosen is not None:
            self.initial.setdefault("statement", chosen.pk)
        self.initial.setdefault("valid_from", timezone.localdate())
        person = party.person
        if person is not None and person.email:
            self.fields["send_email"].label = f"E-mail the link to {person.email} now"
        else:
            del self.fields["send_email"]

    def clean_statement(self) -> ConsentStatement:
        return self._statements[self.cleaned_data["statement"]]

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            uses=split_list(data["uses"]),
            channels=split_list(data["channels"]),
            territories=split_list(data["territories"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )

    def lifetime(self) -> timedelta:
        return timedelta(days=self.cleaned_data["lifetime_days"])

    def wants_email(self) -> bool:
        return bool(self.cleaned_data.get("send_email"))


class RemoteSignForm(forms.Form):
    """What the person sends from their own device. Every informed point is a separate
    checkbox, required in the browser; this form names any that is missing in the words the
    person read (the service checks again)."""

    acknowledged = forms.MultipleChoiceField(choices=InformedPoint.choices, required=False)
    # The language of the text the person read (consent.remote.services.statement_options).
    language = forms.CharField(max_length=10, required=False)
    signed_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Type your full name."},
    )
    signature = forms.CharField(required=False)
    # The sha256 of the text the page showed, so a text that changed meanwhile is not signed.
    shown_sha256 = forms.CharField(max_length=64, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ticked = set(data.get("acknowledged") or [])
        missing = [
            label for value, label in point_labels(data.get("language", "")) if value not in ticked
        ]
        if missing:
            self.add_error(
                "acknowledged",
                "Tick every point to show you understand it. Not ticked: "
                + "; ".join(missing)
                + ".",
            )
        return data
