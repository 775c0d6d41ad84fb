from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.forms import ShortModelChoiceField

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    person = ShortModelChoiceField(queryset=User.objects.order_by("username"), empty_label="Choose")


def test_the_choices_are_the_querysets_rows_after_the_empty_label(editor, reporter):
    field = PickForm().fields["person"]
    assert isinstance(field, ShortModelChoiceField)
    choices = [(str(value), label) for value, label in field.iterator(field)]
    assert choices == [
        ("", "Choose"),
        *((str(user.pk), str(user)) for user in User.objects.order_by("username")),
    ]


def test_rendering_reads_the_choices_with_one_plain_query(editor, reporter):
    with CaptureQueriesContext(connection) as queries:
        html = str(PickForm()["person"])
    assert f'<option value="{editor.pk}">{editor.username}</option>' in html
    statements = [query["sql"] for query in queries.captured_queries]
    # Not a server-side cursor (DECLARE, then FETCH and CLOSE), which iterator() opens on
    # PostgreSQL.
    assert len(statements) == 1 and statements[0].startswith("SELECT")


def test_a_choice_outside_the_queryset_is_refused(editor, reporter):
    form = PickForm(
        data={"person": str(reporter.pk)},
    )
    field = form.fields["person"]
    assert isinstance(field, ShortModelChoiceField)
    field.queryset = User.objects.filter(pk=editor.pk)
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["person"][0]
