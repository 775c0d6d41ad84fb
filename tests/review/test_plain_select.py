"""PlainSelect writes what Django's Select templates write, character for character."""

from __future__ import annotations

import pytest
from django import forms

from review.forms import PlainSelect

CHOICES = [
    ("", "Any status"),
    ("a", "Fish & chips <b>"),
    (3, "A number"),
    ("Group", [("x", "X"), ("y", 'Quote "y"')]),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, {}),
        ("", {"id": "id_status"}),
        ("x", {"id": "id_status", "class": "wide", "aria-describedby": "help"}),
        (3, {"disabled": True, "data-off": False, "required": True}),
        (["a", "y"], {}),  # more than one selected: only a multiple select may say so
        ('"><script>', {"title": '"><script>'}),
    ],
)
@pytest.mark.parametrize("multiple", [False, True])
def test_the_same_html_as_djangos_select(value, attrs, multiple):
    base = forms.SelectMultiple if multiple else forms.Select
    plain = type("Plain", (PlainSelect, base), {})
    django_widget = base(choices=CHOICES, attrs={"class": "filter"})
    ours = plain(choices=CHOICES, attrs={"class": "filter"})
    assert ours.render("status", value, attrs=attrs) == django_widget.render(
        "status", value, attrs=attrs
    )


def test_in_a_form_it_renders_as_the_field_would():
    class WithDjangos(forms.Form):
        status = forms.ChoiceField(choices=CHOICES, required=False)

    class WithPlain(forms.Form):
        status = forms.ChoiceField(choices=CHOICES, required=False, widget=PlainSelect)

    data = {"status": "y"}
    assert str(WithPlain(data)["status"]) == str(WithDjangos(data)["status"])
    assert 'value="y" selected' in str(WithPlain(data)["status"])
