"""Opening images other people made. Every place that decodes an untrusted image goes through
`untrusted_image`: the dimensions in the file's header are checked against that use's limit
before a single pixel is decoded, and Pillow's decompression-bomb warning (which it only gives
between its limit and twice that) is an error. A 656 KB PNG can announce 13000×13000 pixels
and take gigabytes to decode; here it costs a header read."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from PIL import Image

# Image types the desk accepts that Pillow does not decode: they get no dimensions, raster
# preview or burned-in badge. SVG is a document, not pixels: rasterising it would run a renderer
# over untrusted XML (scripts, external references), so it is never decoded. No JPEG XL decoder
# is installed.
UNDECODED_IMAGE_TYPES = frozenset({"image/svg+xml", "image/jxl"})


def decodable_image_type(media_type: str) -> bool:
    """Whether `untrusted_image` can open images of this (sniffed) type; asking first keeps
    "could not be decoded" for damaged files, not for formats that are never decoded."""
    return media_type.startswith("image/") and media_type not in UNDECODED_IMAGE_TYPES


class ImageTooLarge(ValueError):
    """The image announces more pixels than this use allows; nothing was decoded."""

    def __init__(self, width: int, height: int, max_pixels: int) -> None:
        self.width, self.height, self.max_pixels = width, height, max_pixels
        size = f"{width}×{height} pixels ({megapixels(width * height)})" if width else "larger"
        super().__init__(
            f"The image is {size}; at most {megapixels(max_pixels)} are accepted here."
        )


def megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f} megapixels"


@contextmanager
def untrusted_image(source: IO[bytes], *, max_pixels: int) -> Iterator[Image.Image]:
    """The opened image, its size checked; decode it (load, convert, iterate frames) inside
    the `with` block, where the bomb warning is an error too. Raises ImageTooLarge, or
    whatever Pillow raises on input it cannot read."""
    with warnings.catch_warnings():
        # Opening reads the header only; Pillow's warning there would hide the size this
        # check reports (past twice its limit Pillow refuses outright, without the size).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except Image.DecompressionBombError:
            raise ImageTooLarge(0, 0, max_pixels) from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLarge(width, height, max_pixels)
        with warnings.catch_warnings():
            # A frame or page decoded inside the block may announce more than the first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                yield image
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise ImageTooLarge(0, 0, max_pixels) from None
