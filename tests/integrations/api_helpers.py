"""Helpers for the CMS API tests: a client that sends the bearer token, and cleared assets made
through the real services (the gate itself is tested in tests/signoff)."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile
from django.test import Client

from labeling.services import label_set, rendition_create
from review.models import Asset, AssetStatus
from signoff.models import SignOff
from tests.factories import jpeg_bytes
from tests.readiness import make_ready_for_signoff
from workflow.services import asset_approve

PROBLEM = "application/problem+json"


class ApiClient:
    """django.test.Client with `Authorization: Bearer <token>` (or none) on every request."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.client = Client()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data, headers=self.headers(headers))

    def post(self, path: str, body: Any, *, key: str | None = "key-1", **headers: str) -> Any:
        """JSON `body` (bytes are sent as they are) with an Idempotency-Key unless key=None."""
        if key is not None:
            headers["Idempotency-Key"] = key
        data = body if isinstance(body, bytes) else json.dumps(body)
        return self.client.post(
            path, data, content_type="application/json", headers=self.headers(headers)
        )

    def method(self, name: str, path: str) -> Any:
        return getattr(self.client, name)(path, headers=self.headers())


def assert_problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == f"tag:proofdesk,2026:problems/{kind}"
    assert body["title"] and body["detail"]
    return body


def clear(asset: Asset, editor: Any) -> SignOff:
    """The editor approves an asset the gate lets through (the approve transition records the
    sign-off); it is cleared unless a second approval is needed."""
    asset_approve(asset_id=asset.pk, actor=editor)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED
    return SignOff.objects.get(asset=asset, voided_at__isnull=True)


def cleared_plain_asset(make_asset: Any, editor: Any, **fields: Any) -> Asset:
    """A plainly captured photo (no label needed), cleared."""
    asset: Asset = make_asset(**fields)
    make_ready_for_signoff(asset)
    clear(asset, editor)
    asset.refresh_from_db()
    return asset


def cleared_labeled_asset(make_asset: Any, editor: Any, **fields: Any) -> Asset:
    """An AI-generated picture with its label and signed rendition (needs `signing_keys`)."""
    data = jpeg_bytes((30, 90, 160), size=(640, 480))
    asset: Asset = make_asset(file=ContentFile(data, name="generated.jpg"), **fields)
    make_ready_for_signoff(asset, source_type="trainedAlgorithmicMedia")
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    rendition_create(asset_id=asset.pk, actor=editor)
    clear(asset, editor)
    asset.refresh_from_db()
    return asset
