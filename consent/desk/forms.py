"""The consent pages' forms. They parse what was typed into the values the services take; the
services decide whether it is acceptable (and say why not), so fields the services check are
optional here and their messages reach the user unchanged."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from consent.models import (
    ConsentMethod,
    ConsentRecord,
    ConsentRole,
    ConsentStatement,
    InformedPoint,
    Party,
    PartyRole,
    WaiverBasis,
)
from consent.services import PersonDetails, Scope, latest_statements
from review.forms import IdField


def split_list(text: str) -> list[str]:
    """'web, social' or one per line: the items, trimmed, in order, without repeats."""
    items: list[str] = []
    for item in re.split(r"[,\n]", text):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


# --- parties ---------------------------------------------------------------------------------


WHO_CHOICES = [
    ("existing", "Someone already on file"),
    ("new", "A new person"),
    ("unidentified", "An unidentified person"),
]


class PartyAddForm(forms.Form):
    role = forms.ChoiceField(label="Part in the media", choices=PartyRole.choices)
    who = forms.ChoiceField(
        label="Who", choices=WHO_CHOICES, initial="existing", widget=forms.RadioSelect
    )
    person = IdField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label="Where they appear",
        max_length=300,
        required=False,
        help_text="E.g. 'man at the left'. Required for an unidentified person.",
    )
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    is_minor = forms.BooleanField(label="Under 18 (a guardian consents for them)", required=False)
    guardian = IdField(required=False, widget=forms.HiddenInput)
    guardian_name = forms.CharField(label="Guardian's full name", max_length=200, required=False)
    guardian_email = forms.EmailField(label="Guardian's e-mail", required=False)
    guardian_phone = forms.CharField(label="Guardian's phone", max_length=40, required=False)
    allow_duplicate = forms.BooleanField(
        label="This is a different person: create them anyway", required=False
    )
    # "Use this person" on a suggested duplicate: the form then adds the existing person.
    use_person = IdField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("use_person"):
            data["who"], data["person"] = "existing", data["use_person"]
        who = data.get("who")
        if who == "existing" and not data.get("person"):
            self.add_error(None, "Search for the person and pick them from the results.")
        if who == "new" and not (data.get("full_name") or "").strip():
            self.add_error("full_name", "Give the person's name.")
        return data

    def details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            full_name=data["full_name"], email=data["email"] or "", phone=data["phone"]
        )

    def new_guardian(self) -> PersonDetails | None:
        data = self.cleaned_data
        if not data["is_minor"] or data.get("guardian") or not data["guardian_name"].strip():
            return None
        return PersonDetails(
            full_name=data["guardian_name"],
            email=data["guardian_email"] or "",
            phone=data["guardian_phone"],
        )


# --- consent records -------------------------------------------------------------------------

# Remote signing has its own pages (a link the person opens); the desk records the rest.
DESK_METHODS = [
    (value, label)
    for value, label in ConsentMethod.choices
    if value != ConsentMethod.SIGNED_REMOTELY
]


class StatementChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, ConsentStatement)
        return f"{obj.title} (version {obj.version}, {obj.language})"


class ConsentRecordForm(forms.Form):
    statement = StatementChoice(
        label="Consent statement", queryset=ConsentStatement.objects.none(), empty_label=None
    )
    acknowledged = forms.MultipleChoiceField(
        choices=InformedPoint.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    uses = forms.CharField(
        label="Uses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the media will be used; separate several with commas or new lines.",
    )
    channels = forms.CharField(
        label="Channels",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Where it will appear (web, print, social…). Empty: all our channels.",
    )
    territories = forms.CharField(
        label="Territories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
        help_text="Empty: worldwide.",
    )
    valid_from = forms.DateField(label="Valid from", widget=DateInput())
    valid_until = forms.DateField(
        label="Valid until", required=False, widget=DateInput(), help_text="Empty: no end date."
    )
    method = forms.ChoiceField(
        label="How consent is given",
        choices=DESK_METHODS,
        initial=ConsentMethod.SIGNED_IN_PERSON,
        widget=forms.RadioSelect,
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    evidence = forms.FileField(
        label="Signed release (PDF or image) or recording (audio or video)", required=False
    )
    signed_name = forms.CharField(
        label="Name typed by the person signing", max_length=200, required=False
    )
    witness_name = forms.CharField(label="Witness (optional)", max_length=200, required=False)
    role = forms.ChoiceField(
        choices=[("", ""), *ConsentRole.choices], required=False, widget=forms.HiddenInput
    )
    # The record the form was built on (empty: the first one). A second submit of the same
    # form no longer matches the latest version and is refused by the service.
    supersedes = IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, party: Party, latest: ConsentRecord | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["statement"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ConsentStatement.objects.filter(
            pk__in=[s.pk for s in latest_statements()]
        ).order_by("key")
        if not self.is_bound:
            self.initial.update(_initial_for(party, latest))

    def clean_uses(self) -> list[str]:
        return split_list(self.cleaned_data["uses"])

    def clean_channels(self) -> list[str]:
        return split_list(self.cleaned_data["channels"])

    def clean_territories(self) -> list[str]:
        return split_list(self.cleaned_data["territories"])

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            uses=data["uses"],
            channels=data["channels"],
            territories=data["territories"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )


def _initial_for(party: Party, latest: ConsentRecord | None) -> dict[str, Any]:
    person = party.person
    initial: dict[str, Any] = {
        "valid_from": timezone.localdate(),
        "supersedes": latest.pk if latest else None,
        # A minor's guardian signs for them; the service refuses any other signer.
        "role": ConsentRole.GUARDIAN if person is not None and person.is_minor else "",
    }
    if latest is not None:
        # A new version starts from what was agreed last time.
        initial.update(
            statement=latest.statement_id,
            uses="\n".join(latest.uses),
            channels="\n".join(latest.channels),
            territories="\n".join(latest.territories),
            valid_from=max(latest.valid_from, timezone.localdate()),
            valid_until=latest.valid_until,
        )
    else:
        first = next(iter(sorted(latest_statements(), key=lambda s: s.key)), None)
        initial["statement"] = first.pk if first else None
    return initial


class PreviewForm(forms.Form):
    """The scope fields only, to show the exact text before anyone signs."""

    statement = IdField(required=False)
    uses = forms.CharField(required=False)
    channels = forms.CharField(required=False)
    territories = forms.CharField(required=False)
    valid_from = forms.DateField(required=False)
    valid_until = forms.DateField(required=False)

    def scope(self) -> Scope | None:
        data = self.cleaned_data if self.is_valid() else {}
        uses = split_list(data.get("uses") or "")
        if not uses:
            return None
        return Scope(
            uses=uses,
            channels=split_list(data.get("channels") or ""),
            territories=split_list(data.get("territories") or ""),
            valid_from=data.get("valid_from") or timezone.localdate(),
            valid_until=data.get("valid_until"),
        )


# --- legal's actions -------------------------------------------------------------------------


class RevokeForm(forms.Form):
    how = forms.CharField(
        label="How the revocation reached us",
        max_length=200,
        required=False,
        help_text="E-mail, letter, phone call…",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    effective_at = forms.DateTimeField(
        label="Effective from",
        required=False,
        widget=DateTimeInput(),
        help_text="Empty: now.",
    )

    def clean_effective_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data["effective_at"]
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class WaiverForm(forms.Form):
    basis = forms.ChoiceField(
        label="Basis", choices=[("", "Choose the basis…"), *WaiverBasis.choices], required=False
    )
    justification = forms.CharField(
        label="Justification",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why consent is not needed here; shown wherever this asset's consent is shown.",
    )


class AlertResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was done",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Taken down, new consent recorded, waiver…",
    )


class StatementForm(forms.Form):
    key = forms.SlugField(
        label="Key",
        max_length=60,
        help_text="Same key as an existing statement: a new version of it. A new key: a new "
        "statement.",
    )
    title = forms.CharField(label="Title", max_length=200, required=False)
    language = forms.CharField(label="Language", max_length=10, initial="en")
    body = forms.CharField(label="Text", required=False, widget=forms.Textarea(attrs={"rows": 10}))


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label="Search people",
        max_length=200,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "Name, e-mail or phone"}),
    )
    page = forms.IntegerField(min_value=1, required=False)
