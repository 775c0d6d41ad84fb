from __future__ import annotations

from django.apps import AppConfig


class SignoffConfig(AppConfig):
    name = "signoff"
    verbose_name = "Sign-off"

    def ready(self) -> None:
        from signoff import receivers  # noqa: F401  (voids sign-offs when consent lapses)
