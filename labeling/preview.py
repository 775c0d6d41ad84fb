"""What the audience will see, before anything is signed: the asset's picture, downscaled, with
the current label's badge burned in as the rendition will have it. Made on request and kept in
the cache for a while; never stored, never signed, never offered as a download."""

from __future__ import annotations

import hashlib
import io

from django.core.cache import cache

from labeling.badge import burn_badge
from labeling.models import Label
from labeling.renditions import RenditionError, decode_for_render
from review.images import decodable_image_type
from review.models import Asset, MediaKind

PREVIEW_WIDTH = 960  # about what a desk's panel shows; the badge scales with the picture
CACHE_SECONDS = 600


class NoPreview(Exception):
    """Why there is no picture to show (not an image, too large, unreadable)."""


def badge_preview(asset: Asset, label: Label) -> bytes:
    """A JPEG of the image with `label`'s badge, as the signed rendition will show it."""
    if asset.media_kind != MediaKind.IMAGE:
        raise NoPreview("Audio and video get a disclosure slate, made with the rendition.")
    if not decodable_image_type(asset.media_type):
        raise NoPreview("This image format is never decoded here; it gets a disclosure slate.")
    key = (
        "badge-preview:"
        + hashlib.sha256(f"{asset.sha256}:{label.pk}:{label.name}".encode()).hexdigest()
    )
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    # Decoded at full size, as the rendition is: the badge is sized from the picture, so the
    # picture is scaled down only after the badge is drawn.
    try:
        with asset.file.open("rb") as handle:
            image = decode_for_render(handle)
    except RenditionError as exc:
        raise NoPreview(str(exc)) from None
    except OSError:  # the stored file is missing or unreadable
        raise NoPreview("The image could not be read from storage.") from None
    badged = burn_badge(image, label.name).image
    badged.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 4))
    if badged.mode not in ("RGB", "L"):
        badged = badged.convert("RGB")
    buffer = io.BytesIO()
    badged.save(buffer, format="JPEG", quality=82)
    data = buffer.getvalue()
    cache.set(key, data, CACHE_SECONDS)
    return data
