"""What the audience will see, before anything is signed: the asset's picture, downscaled, with
the current label's badge burned in as the rendition will have it. Made on request and kept in
the cache for a while; never stored, never signed, never offered as a download."""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.cache import cache
from PIL import ImageOps

from labeling.badge import burn_badge
from labeling.models import Label
from labeling.renditions import register_heif_opener
from review.images import ImageTooLarge, untrusted_image
from review.models import Asset, MediaKind

PREVIEW_WIDTH = 960  # about what a desk's panel shows; the badge scales with the picture
CACHE_SECONDS = 600


class NoPreview(Exception):
    """Why there is no picture to show (not an image, too large, unreadable)."""


def badge_preview(asset: Asset, label: Label) -> bytes:
    """A JPEG of the image with `label`'s badge, as the signed rendition will show it."""
    if asset.media_kind != MediaKind.IMAGE:
        raise NoPreview("Audio and video get a disclosure slate, made with the rendition.")
    key = (
        "badge-preview:"
        + hashlib.sha256(f"{asset.sha256}:{label.pk}:{label.name}".encode()).hexdigest()
    )
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    register_heif_opener()
    try:
        with (
            asset.file.open("rb") as handle,
            untrusted_image(handle, max_pixels=settings.RENDER_MAX_PIXELS) as opened,
        ):
            image = ImageOps.exif_transpose(opened)
            # Decoded at full size first, as the rendition is: the badge is sized from the
            # picture, so a smaller picture is scaled after the badge is drawn.
            image.load()
    except ImageTooLarge as exc:
        raise NoPreview(str(exc)) from None
    except Exception as exc:  # Pillow raises many kinds on hostile input
        raise NoPreview(f"The image could not be decoded: {exc}") from None
    badged = burn_badge(image, label.name).image
    badged.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 4))
    if badged.mode not in ("RGB", "L"):
        badged = badged.convert("RGB")
    buffer = io.BytesIO()
    badged.save(buffer, format="JPEG", quality=82)
    data = buffer.getvalue()
    cache.set(key, data, CACHE_SECONDS)
    return data
