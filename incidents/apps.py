from __future__ import annotations

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Connects the receivers (consent lapses open incidents).
        from incidents import receivers  # noqa: F401
