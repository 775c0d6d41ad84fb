from __future__ import annotations

from django import forms

from provenance.models import TrustListKind

MAX_BUNDLE_BYTES = 5 * 1024 * 1024


class TrustListForm(forms.Form):
    kind = forms.ChoiceField(choices=TrustListKind.choices)
    name = forms.CharField(max_length=200, help_text="For example: C2PA trust list, 2026-11.")
    bundle = forms.FileField(label="PEM bundle", help_text="A .pem file of certificates.")

    def clean_bundle(self) -> bytes:
        upload = self.cleaned_data["bundle"]
        if upload.size > MAX_BUNDLE_BYTES:
            raise forms.ValidationError("The file is too large for a certificate bundle (5 MB).")
        data: bytes = upload.read()
        return data
