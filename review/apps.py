from __future__ import annotations

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review desk"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.urls import register_converter

        from review import checks  # noqa: F401  (registers the media serving check)
        from review.converters import DatabaseId
        from review.two_factor import note_device_at_sign_in

        user_logged_in.connect(note_device_at_sign_in, dispatch_uid="two_factor_device")

        # Before any URLconf is imported: every app's urls use `<id:…>` for database ids.
        register_converter(DatabaseId, "id")
