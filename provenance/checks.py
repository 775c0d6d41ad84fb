from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register()
def trust_paths(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for name in ("C2PA_TRUST_ANCHORS", "C2PA_ALLOWED_LIST"):
        path = getattr(settings, name, "")
        if path and not Path(path).is_file():
            problems.append(
                Warning(
                    f"{name} names {path}, which is not a file: "
                    "no certificates are trusted from it.",
                    id="provenance.W001",
                )
            )
    return problems
