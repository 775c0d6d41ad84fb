from __future__ import annotations

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """The desk's workflow layer: no models of its own; it orchestrates the apps below it
    (docs/architecture.md)."""

    name = "workflow"
    verbose_name = "Workflow"
