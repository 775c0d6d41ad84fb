from __future__ import annotations

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail_proofdesk.panels import ProofdeskAssetsPanel


class NewsPage(Page):
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body"), ProofdeskAssetsPanel()]
