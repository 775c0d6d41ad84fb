"""Test data. Files are made in code: a small JPEG drawn with Pillow."""

from __future__ import annotations

import hashlib
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from PIL import Image

from review.models import Asset, AssetSource, AssetStatus, MediaKind


def jpeg_bytes(
    colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def png_bytes(
    colour: tuple[int, int, int] = (30, 30, 200), size: tuple[int, int] = (32, 32)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))


class AssetFactory(factory.django.DjangoModelFactory):
    """An asset as intake would leave it after its checks (in review), without the services:
    for selector and view tests that need many rows fast."""

    class Meta:
        model = Asset

    original_filename = factory.Sequence(lambda n: f"photo-{n}.jpg")
    media_type = "image/jpeg"
    media_kind = MediaKind.IMAGE
    source = AssetSource.STAFF
    story_ref = "story-1"
    status = AssetStatus.IN_REVIEW
    uploaded_by = factory.SubFactory(UserFactory, roles=["reporter"])

    @factory.lazy_attribute_sequence
    def file(self, n):
        return ContentFile(jpeg_bytes((n * 7 % 255, 40, 90)), name=self.original_filename)

    @factory.lazy_attribute
    def sha256(self):
        self.file.seek(0)
        digest = hashlib.sha256(self.file.read()).hexdigest()
        self.file.seek(0)
        return digest

    @factory.lazy_attribute
    def size_bytes(self):
        return self.file.size
