"""Small bar charts drawn on the server as SVG: no script, no library, readable without colour
(each bar is labeled), and described for screen readers; the numbers are always in the table
beside the chart too."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, LABEL_SPACE = 360, 160, 28


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> SafeString:
    """A bar per label. `None` (nothing to measure) draws no bar and says so in the title."""
    top = max((v for v in values if v is not None), default=0) or 1
    slot = WIDTH / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = index * slot
        height = 0.0 if value is None else (HEIGHT - LABEL_SPACE) * value / top
        shown = "none" if value is None else f"{value:g}"
        bars.append(
            (
                f"{x + slot * 0.15:.1f}",
                f"{HEIGHT - LABEL_SPACE - height:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                f"{label}: {shown}",
                f"{x + slot / 2:.1f}",
                label,
            )
        )
    body = format_html_join(
        "",
        '<g><title>{4}</title><rect x="{0}" y="{1}" width="{2}" height="{3}"></rect>'
        '<text x="{5}" y="' + str(HEIGHT - 8) + '" text-anchor="middle">{6}</text></g>',
        bars,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet">{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        body,
    )
