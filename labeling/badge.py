"""Direct disclosure drawn with Pillow: the label badge burned into an image, and the still
"disclosure slate" shown before a video or with audio.

The badge is a dark panel with a light border and white text: it reads the same on a white
sky and on a night scene, because it never depends on the pixels beneath it. Its size scales
with the image's shorter side; below MIN_SIDE the text would be illegible, so the image is left
alone and the caption carries the label (the rendition says so).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PATHS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
]
MIN_SIDE = 240  # px: below this a badge cannot be legible without covering the picture
MIN_FONT_PX = 12
PANEL = (17, 17, 17, 240)  # nearly opaque: the text never depends on the picture
BORDER = (255, 255, 255, 235)
TEXT = (255, 255, 255, 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    # Pillow's bundled font scales too (FreeType builds); used where DejaVu is not installed.
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class BadgeResult:
    image: Image.Image
    burned_in: bool
    note: str
    box: tuple[int, int, int, int] | None = None  # where the badge is, for tests and previews


def burn_badge(image: Image.Image, text: str) -> BadgeResult:
    """The image with the label in its lower-left corner, or unchanged with the reason."""
    width, height = image.size
    short = min(width, height)
    if short < MIN_SIDE:
        return BadgeResult(
            image,
            burned_in=False,
            note=f"The image is {width}×{height} px, too small for a legible badge; the "
            "label is carried by the caption only.",
        )
    font_px = max(MIN_FONT_PX, round(short * 0.035))
    font = _font(font_px)
    pad = max(4, font_px // 2)
    margin = max(6, round(short * 0.025))
    border = max(1, font_px // 10)
    left, top, right, bottom = (
        round(v) for v in ImageDraw.Draw(image).textbbox((0, 0), text, font=font)
    )
    box_w = right - left + 2 * pad
    box_h = bottom - top + 2 * pad
    if box_w > width - 2 * margin:
        return BadgeResult(
            image,
            burned_in=False,
            note="The label is too long to fit on the image as a badge; the caption carries it.",
        )
    x0, y0 = margin, height - margin - box_h
    box = (x0, y0, x0 + box_w, y0 + box_h)
    if image.mode not in ("RGB", "RGBA", "L"):
        # Palette, CMYK, 16-bit: draw on plain RGB(A); a palette image would otherwise have the
        # badge's colours (and, before, the whole picture) forced into a web palette.
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    # Only the badge's own rectangle (its outline included, hence the +1) is composited:
    # converting a whole 12-megapixel picture to RGBA and back for a badge a few hundred
    # pixels wide took ~270 ms and ~130 MiB more (bench/rendition.py).
    area = (x0, y0, x0 + box_w + 1, y0 + box_h + 1)
    region = image.crop(area).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rounded_rectangle(
        (0, 0, box_w, box_h), radius=pad, fill=PANEL, outline=BORDER, width=border
    )
    draw.text((pad - left, pad - top), text, font=font, fill=TEXT)
    composed = Image.alpha_composite(region, overlay)
    result = image.copy()
    result.paste(composed if image.mode == "RGBA" else composed.convert(image.mode), area[:2])
    return BadgeResult(result, burned_in=True, note="", box=box)


def disclosure_slate(
    *, name: str, text: str, newsroom: str, size: tuple[int, int] = (1280, 720)
) -> Image.Image:
    """A still card with the label and its context note, to show before a video or with audio."""
    width, height = size
    slate = Image.new("RGB", size, (17, 17, 17))
    draw = ImageDraw.Draw(slate)
    title_font = _font(round(height * 0.09))
    body_font = _font(round(height * 0.045))
    small_font = _font(round(height * 0.03))
    margin = round(width * 0.07)
    y = round(height * 0.18)
    draw.rectangle((margin, y - 24, margin + 12, y + round(height * 0.1)), fill=(255, 196, 0))
    draw.text((margin + 36, y), name, font=title_font, fill=(255, 255, 255))
    y += round(height * 0.18)
    # Average glyph width is about 0.55 em in DejaVu Sans.
    em = float(getattr(body_font, "size", 12))
    chars = max(20, int(width * 0.8 / (em * 0.55)))
    for line in textwrap.wrap(text, width=chars):
        draw.text((margin, y), line, font=body_font, fill=(235, 235, 235))
        y += round(height * 0.065)
    draw.text(
        (margin, height - margin),
        f"Disclosure by {newsroom}",
        font=small_font,
        fill=(170, 170, 170),
    )
    return slate
