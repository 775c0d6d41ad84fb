from __future__ import annotations

from django.apps import AppConfig


class SignoffConfig(AppConfig):
    name = "signoff"
    verbose_name = "Sign-off"

    def ready(self) -> None:
        # Connects the receivers (the Django idiom: importing them at module level would load
        # models before the app registry is ready).
        from signoff import receivers  # noqa: F401
