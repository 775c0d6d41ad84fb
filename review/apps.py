from __future__ import annotations

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review desk"

    def ready(self) -> None:
        from django.urls import register_converter

        from review import checks  # noqa: F401  (registers the media serving check)
        from review.converters import DatabaseId

        # Before any URLconf is imported: every app's urls use `<id:…>` for database ids.
        register_converter(DatabaseId, "id")
