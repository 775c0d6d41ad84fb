from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from review.converters import MAX_DB_INT
from review.models import AssetSource


class IdField(forms.IntegerField):
    """A database id typed or posted back: a number the database can hold, or a form error
    (an id past the BigAutoField range fails inside the query, a 500, on a related lookup)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DB_INT)
        super().__init__(**kwargs)


class PlainQueryChoiceIterator(ModelChoiceIterator):
    """The choices read by one ordinary query. Django reads a ModelChoiceField's choices with
    `QuerySet.iterator()`, which on PostgreSQL opens a server-side cursor: DECLARE, FETCH and
    CLOSE, three round trips, for a list of a dozen people on every page that shows it."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A ModelChoiceField for short lists (PlainQueryChoiceIterator)."""

    iterator = PlainQueryChoiceIterator


def _html_attrs(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html writes them: True as a bare name, False left out."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class PlainSelect(forms.Select):
    """Django's Select, written in Python: the same HTML as its templates, character for
    character (tests/review/test_plain_select.py compares them), without a template render
    per option. A queue page shows three selects (source, uploader, assignee), and their
    templates were a third of the page's rendering."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _html_attrs(widget["attrs"]))
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        _html_attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))


class UploadForm(forms.Form):
    """The fields that go with the files. The files themselves come from request.FILES:
    they were already streamed to disk and hashed by the upload handler."""

    source = forms.ChoiceField(choices=AssetSource.choices, initial=AssetSource.STAFF)
    story_ref = forms.CharField(
        label="Story reference",
        max_length=200,
        required=False,
        help_text="The CMS slug or story ID this media is for.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the media shows and where it came from.",
    )
    intake_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("intake_token", uuid.uuid4())


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
