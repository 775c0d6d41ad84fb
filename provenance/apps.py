from __future__ import annotations

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    verbose_name = "Provenance (C2PA and IPTC)"

    def ready(self) -> None:
        from provenance import checks  # noqa: F401  (registers system checks)
