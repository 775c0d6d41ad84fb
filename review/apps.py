from __future__ import annotations

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review desk"

    def ready(self) -> None:
        from review import checks  # noqa: F401  (registers the media serving check)
