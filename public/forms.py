from __future__ import annotations

from django import forms

from public.models import MAX_POLICY_BODY


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
