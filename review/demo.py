"""Demo media the code draws itself, so the demo needs no files from anywhere."""

from __future__ import annotations

import io
import math
import struct
import wave

from PIL import Image, ImageDraw, ImageFont


def demo_image(title: str, *, seed: int, size: tuple[int, int] = (960, 640)) -> bytes:
    """A gradient 'photo' with a caption, different for every seed."""
    width, height = size
    image = Image.new("RGB", size)
    top = ((seed * 53) % 200 + 30, (seed * 97) % 200 + 30, (seed * 31) % 200 + 30)
    bottom = (255 - top[0] // 2, 255 - top[1] // 3, 255 - top[2] // 4)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    for i in range(6):
        cx = (seed * 131 + i * 173) % width
        cy = (seed * 71 + i * 97) % height
        r = 40 + (seed * 13 + i * 29) % 90
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255), width=4)
    font = ImageFont.load_default(size=42)
    draw.rectangle([0, height - 90, width, height], fill=(0, 0, 0))
    draw.text((24, height - 72), title, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def demo_audio(*, seconds: float = 2.0, frequency: float = 440.0, rate: int = 16000) -> bytes:
    """A short sine tone as a WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for n in range(int(seconds * rate)):
            sample = int(12000 * math.sin(2 * math.pi * frequency * n / rate))
            frames += struct.pack("<h", sample)
        out.writeframes(bytes(frames))
    return buffer.getvalue()
