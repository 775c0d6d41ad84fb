from __future__ import annotations

from django.apps import AppConfig


class PublicConfig(AppConfig):
    """What the audience sees without logging in: the published policies and the label glossary
    (docs/architecture.md: the top layer, it reads every app and no app reads it)."""

    name = "public"
    verbose_name = "Public pages"
