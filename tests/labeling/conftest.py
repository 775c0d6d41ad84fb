"""Fixtures for labeling: the newsroom's development signing credentials in a temp folder,
an AI-generated asset with a classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from labeling.models import Certainty
from labeling.services import classification_set
from labeling.signing import write_dev_credentials
from tests.factories import jpeg_bytes


@pytest.fixture
def signing_keys(settings, tmp_path) -> Path:
    keys: Path = tmp_path / "keys"
    write_dev_credentials(keys, organisation="Test Newsroom")
    settings.SIGNING_CERT_CHAIN = str(keys / "signing-chain.pem")
    settings.SIGNING_KEY = str(keys / "signing-key.pem")
    settings.SIGNING_TRUST_ANCHOR = ""
    settings.NEWSROOM_NAME = "Test Newsroom"
    return keys


@pytest.fixture
def photo_asset(make_asset):
    """A 640×480 'AI-generated' picture, big enough for a badge."""
    data = jpeg_bytes((30, 90, 160), size=(640, 480))
    return make_asset(file=ContentFile(data, name="generated.jpg"))


@pytest.fixture
def classified(photo_asset, editor):
    return classification_set(
        asset_id=photo_asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=["wholly_synthetic"],
        purpose="illustration",
        certainty=Certainty.CONFIRMED,
    )
