from __future__ import annotations

from django.apps import AppConfig


class WagtailProofdeskConfig(AppConfig):
    name = "wagtail_proofdesk"
    label = "wagtail_proofdesk"
    verbose_name = "Proofdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connected here rather than at import: Wagtail sends these for every way a page is
        # published or unpublished (the editor, a bulk action, a workflow, the scheduler).
        from wagtail.signals import page_published, page_unpublished

        from wagtail_proofdesk import receivers

        page_published.connect(receivers.on_page_published, dispatch_uid="proofdesk-published")
        page_unpublished.connect(
            receivers.on_page_unpublished, dispatch_uid="proofdesk-unpublished"
        )
