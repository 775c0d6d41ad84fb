"""The media as the person consenting sees it: a small JPEG of the image with a watermark across
it, made from the original here and never the original itself. The person must see what they
agree to, but the link is a bearer credential that may be forwarded: what it shows must be
useless for publication (small, marked on every part, no metadata).

Decoding goes through `review.images.untrusted_image` (the header's size is checked against
RENDER_MAX_PIXELS before a pixel is decoded); the JPEG decoder's draft mode decodes a large
photo at a fraction of its size. The bytes are kept in the cache for a while, so a page opened
again does not decode again."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont, ImageOps

from review.images import untrusted_image
from review.models import Asset, MediaKind

logger = logging.getLogger(__name__)

PREVIEW_EDGE = 720  # px: enough to recognise oneself on a phone, too small to publish
WATERMARK = "CONSENT PREVIEW – NOT FOR PUBLICATION"
CACHE_SECONDS = 600
_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
)


def watermark_font() -> Path | None:
    """The watermark's typeface (fonts-dejavu-core), shared with the audio and video previews."""
    return next((path for path in _FONTS if path.exists()), None)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = watermark_font()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _watermark(image: Image.Image) -> Image.Image:
    """The text repeated on diagonal lines over the whole picture (no crop removes it), and
    once more on a solid band at the bottom, where it is plain to read."""
    width, height = image.size
    size = max(12, min(width, height) // 18)
    font = _font(size)
    # Drawn on a square canvas larger than the picture's diagonal, turned, then cropped back.
    side = int((width**2 + height**2) ** 0.5) + size * 4
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = f"{WATERMARK}   ·   "
    text_width = int(draw.textlength(line, font=font)) or 1
    repeated = line * (side // text_width + 2)
    for row, y in enumerate(range(0, side, size * 4)):
        offset = -(row % 2) * text_width // 2
        draw.text((offset + 2, y + 2), repeated, font=font, fill=(0, 0, 0, 90))
        draw.text((offset, y), repeated, font=font, fill=(255, 255, 255, 120))
    layer = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    marked = Image.alpha_composite(
        image.convert("RGBA"), layer.crop((left, top, left + width, top + height))
    )
    band_size = max(11, size * 2 // 3)
    band_font = _font(band_size)
    band = ImageDraw.Draw(marked)
    band_height = band_size * 2
    band.rectangle((0, height - band_height, width, height), fill=(11, 12, 12, 255))
    band.text(
        (width // 2, height - band_height // 2),
        WATERMARK,
        font=band_font,
        fill=(255, 255, 255, 255),
        anchor="mm",
    )
    return marked.convert("RGB")


def _render(asset: Asset) -> bytes | None:
    try:
        with (
            asset.file.open("rb") as handle,
            untrusted_image(handle, max_pixels=settings.RENDER_MAX_PIXELS) as image,
        ):
            # JPEG only: decode at 1/2, 1/4 or 1/8 of the size when that is still large enough.
            image.draft("RGB", (PREVIEW_EDGE, PREVIEW_EDGE))
            picture = ImageOps.exif_transpose(image).convert("RGB")
            picture.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        # ImageTooLarge is a ValueError; a file Pillow cannot read is an OSError.
        logger.warning("No consent preview for asset %s: %s", asset.pk, exc)
        return None
    buffer = io.BytesIO()
    # A new image: no EXIF, no location, no credentials from the original.
    _watermark(picture).save(buffer, format="JPEG", quality=70, optimize=True)
    return buffer.getvalue()


def has_preview(asset: Asset) -> bool:
    return asset.media_kind == MediaKind.IMAGE


def consent_preview(asset: Asset) -> bytes | None:
    """The watermarked JPEG of an image asset, or None (not an image, or not readable)."""
    if not has_preview(asset):
        return None
    key = f"consent-preview:{asset.uid.hex}:{asset.sha256}"
    cached: bytes | None = cache.get(key)
    if cached is not None:
        return cached
    data = _render(asset)
    if data is not None:
        cache.set(key, data, CACHE_SECONDS)
    return data
