"""The panel an editor links Proofdesk assets in: add `ProofdeskAssetsPanel()` to a page
model's `content_panels`."""

from __future__ import annotations

from typing import Any

from wagtail.admin.panels import InlinePanel


def ProofdeskAssetsPanel(**kwargs: Any) -> InlinePanel:  # noqa: N802  (reads as a panel class)
    options: dict[str, Any] = {
        "heading": "Proofdesk assets",
        "label": "Proofdesk asset",
        "help_text": "Each synthetic or possibly-synthetic picture or recording on this page, "
        "with its number in Proofdesk. The page is published only once Proofdesk has "
        "cleared them all; readers then get Proofdesk's signed, labeled version.",
        **kwargs,
    }
    return InlinePanel("proofdesk_assets", **options)
