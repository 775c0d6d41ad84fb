from __future__ import annotations

from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    verbose_name = "Labeling and disclosure"

    def ready(self) -> None:
        from labeling import checks  # noqa: F401  (registers the signing-key checks)
