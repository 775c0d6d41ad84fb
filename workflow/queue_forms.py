"""The queue's two forms: the filters (GET, kept in the address so every link can carry them)
and the bulk actions (POST, one action for the ticked rows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from review.forms import IdField, PlainSelect, ShortModelChoiceField
from review.models import AssetSource, AssetStatus
from workflow.assignment import MAX_BULK
from workflow.queue_selectors import DEFAULT_SORT, MAX_PAGE, SORTS
from workflow.services import MAX_NOTE_LENGTH

SORT_CHOICES = [(f"{sign}{key}", key) for key in SORTS for sign in ("", "-")]


class QueueForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *AssetStatus.choices], required=False)
    # The selects a queue page shows are PlainSelect: the same HTML as Django's, rendered in
    # Python rather than a template per option.
    source = forms.ChoiceField(
        choices=[("", "Any source"), *AssetSource.choices], required=False, widget=PlainSelect
    )
    uploader = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, widget=PlainSelect
    )
    mine = forms.BooleanField(label="Only my uploads", required=False)
    needs = forms.BooleanField(label="Needs me", required=False)
    q = forms.CharField(
        label="Search",
        max_length=200,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "File, story, description or person"}),
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)

    def __init__(self, *args: Any, uploader_choices: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["uploader"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Anyone"), *uploader_choices]

    def clean_sort(self) -> str:
        return str(self.cleaned_data.get("sort") or DEFAULT_SORT)


class IdListField(forms.Field):
    """The ticked rows: one or more asset numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = [IdField().clean(v) for v in values]
        return list(dict.fromkeys(ids))  # a row ticked twice is acted on once

    def validate(self, value: list[int]) -> None:
        if not value:
            raise forms.ValidationError("Tick at least one asset first.")
        if len(value) > MAX_BULK:
            raise forms.ValidationError(f"Choose at most {MAX_BULK} assets at a time.")


class BulkForm(forms.Form):
    ASSIGN_ME = "assign_me"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    REQUEST_CHANGES = "request_changes"

    action = forms.ChoiceField(
        choices=[
            (ASSIGN_ME, "Assign to me"),
            (ASSIGN, "Assign"),
            (UNASSIGN, "Unassign"),
            (REQUEST_CHANGES, "Request changes"),
        ]
    )
    asset = IdListField()
    assignee = ShortModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Assign to",
        empty_label="Choose",
        widget=PlainSelect,
    )
    note = forms.CharField(
        label="Note for the uploader",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "aria-describedby": "bulk-note-help"}),
        help_text="Required to request changes; the same note goes to every asset.",
    )

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = assignees

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == self.ASSIGN and data.get("assignee") is None:
            self.add_error("assignee", "Choose who to assign the assets to.")
        if action == self.REQUEST_CHANGES and not (data.get("note") or "").strip():
            self.add_error("note", "Say what needs to change: the note is required.")
        return data
