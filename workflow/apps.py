from __future__ import annotations

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """The desk's workflow layer: no models of its own; it orchestrates the apps below it
    (docs/architecture.md)."""

    name = "workflow"
    verbose_name = "Workflow"

    def ready(self) -> None:
        from signoff.events import asset_cleared
        from workflow.notify import on_asset_cleared

        asset_cleared.connect(on_asset_cleared, dispatch_uid="workflow_notify_cleared")
