"""The notification settings form: one checkbox per e-mail the person's roles make relevant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from accounts.models import Notice, NotificationSettings


class NotificationSettingsForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        notices: Iterable[Notice],
        current: NotificationSettings,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.notices = list(notices)
        for notice in self.notices:
            self.fields[notice.value] = forms.BooleanField(
                label=notice.label, required=False, initial=current.wants(notice)
            )

    def choices(self) -> dict[Notice, bool]:
        """After `is_valid()`: each shown notice and whether it was ticked."""
        return {notice: bool(self.cleaned_data.get(notice.value)) for notice in self.notices}
