"""The API operations this client calls, as the OpenAPI schema names them.

The client builds every request from this table and parses every answer with the model named
here; tests/test_openapi_drift.py checks each entry against docs/openapi.json (path, method,
operationId, parameter names and places, request and response schemas), so the table cannot
drift from the server without a failing test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proofdesk_client import models


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # relative to the base URL, with {placeholders}
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    body: type[Any] | None = None
    status: int = 200
    response: type[Any] | None = None  # None: the bytes (downloads)


LIST_ASSETS = Operation(
    "listClearedAssets",
    "GET",
    "/api/v1/assets",
    query=("story", "changed_since", "cursor", "limit"),
    response=models.ClearedAssetPage,
)
GET_CLEARANCE = Operation(
    "getAssetClearance", "GET", "/api/v1/assets/{asset_id}", response=models.AssetClearance
)
LIST_INCIDENTS = Operation(
    "listAssetIncidents",
    "GET",
    "/api/v1/assets/{asset_id}/incidents",
    response=models.IncidentList,
)
REPORT_PUBLICATION = Operation(
    "reportPublication",
    "POST",
    "/api/v1/assets/{asset_id}/publications",
    headers=("Idempotency-Key",),
    body=models.PublicationIn,
    status=201,
    response=models.Publication,
)
REPORT_UNPUBLICATION = Operation(
    "reportUnpublication",
    "POST",
    "/api/v1/assets/{asset_id}/unpublications",
    headers=("Idempotency-Key",),
    body=models.UnpublicationIn,
    status=200,
    response=models.Publication,
)
# Called through the signed links a clearance hands out, never built by hand; listed so that
# the drift test checks the parameters those links carry.
DOWNLOAD_RENDITION = Operation(
    "downloadRendition",
    "GET",
    "/api/v1/renditions/{rendition_id}/download",
    query=("sig", "part"),
)

ALL: tuple[Operation, ...] = (
    LIST_ASSETS,
    GET_CLEARANCE,
    LIST_INCIDENTS,
    REPORT_PUBLICATION,
    REPORT_UNPUBLICATION,
    DOWNLOAD_RENDITION,
)
