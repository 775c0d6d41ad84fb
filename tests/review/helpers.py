"""Typed helpers and sample bytes for the review, audit and accounts tests."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from review.models import Asset
from tests.factories import AssetFactory, UserFactory

# Bytes that are not media, for the bad-input tests.
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
TEXT_BYTES = b"Not a picture at all, just a note to the desk.\n" * 4
# Smallest headers `filetype` recognises as MP4 video and WAV audio.
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WAV_BYTES = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64


def new_asset(**fields: Any) -> Asset:
    return cast(Asset, AssetFactory(**fields))


def new_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


def upload_file(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
