"""Fixtures: the test Wagtail site's live server, a live Proofdesk talking to it, an editor
in Wagtail's admin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.images import ImageFile
from django.test import Client
from live_proofdesk import LiveProofdesk, start
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page


@pytest.fixture(scope="session")
def proofdesk(
    live_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveProofdesk]:
    server = start(
        tmp_path_factory.mktemp("proofdesk"),
        webhook_url=f"{live_server.url}/proofdesk/webhooks/",
    )
    yield server
    server.stop()


@pytest.fixture
def connected(proofdesk: LiveProofdesk, settings: Any) -> LiveProofdesk:
    """The Wagtail site configured as the guide says, with this Proofdesk's credentials."""
    settings.PROOFDESK = {
        "BASE_URL": proofdesk.url,
        "TOKEN": proofdesk.token,
        "WEBHOOK_SECRETS": [proofdesk.webhook_secret],
        "MAX_ATTEMPTS": 3,
    }
    return proofdesk


@pytest.fixture
def editor(db: None) -> User:
    user: User = User.objects.create_superuser("editor", "editor@news.test", "editor-password")
    return user


@pytest.fixture
def admin_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def home() -> Page:
    """The site's home page, which Wagtail's own migrations make (kept between tests by
    serialized rollback)."""
    page: Page = Page.objects.get(depth=2)
    return page


@pytest.fixture
def picture(db: None) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), (40, 120, 200)).save(buffer, format="JPEG")
    image: Image = Image.objects.create(
        title="Flooded street (generated)", file=ImageFile(buffer, name="flood.jpg")
    )
    return image
