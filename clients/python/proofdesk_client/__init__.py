"""A small typed client for Proofdesk's CMS API and its signed webhooks.

    from proofdesk_client import ProofdeskClient, WebhookVerifier

See docs/integrate-your-cms.md in the Proofdesk repository.
"""

from __future__ import annotations

from proofdesk_client.client import ProofdeskClient, new_idempotency_key
from proofdesk_client.errors import (
    BadRequest,
    Conflict,
    DownloadLinkInvalid,
    Forbidden,
    IdempotencyKeyReused,
    InsufficientScope,
    IntegrityError,
    NotCleared,
    NotFound,
    ProblemError,
    ProofdeskError,
    RateLimited,
    ReferenceLive,
    ServerError,
    TransportError,
    Unauthenticated,
)
from proofdesk_client.models import (
    AssetClearance,
    ClearanceState,
    ClearedAsset,
    ClearedAssetPage,
    Consent,
    Incident,
    Label,
    Provenance,
    Publication,
    Rendition,
    ResponseShapeError,
    SignOffSummary,
)
from proofdesk_client.retry import NO_RETRIES, RetryPolicy
from proofdesk_client.webhooks import (
    AssetCleared,
    AssetEvent,
    ClearanceRevoked,
    ConsentRevoked,
    CorrectionIssued,
    IncidentDecided,
    LabelChanged,
    TakedownRequested,
    UnknownEvent,
    WebhookEvent,
    WebhookLabel,
    WebhookVerificationFailed,
    WebhookVerifier,
    parse_event,
)

__version__ = "0.1.0"

__all__ = [
    "NO_RETRIES",
    "AssetCleared",
    "AssetClearance",
    "AssetEvent",
    "BadRequest",
    "ClearanceRevoked",
    "ClearanceState",
    "ClearedAsset",
    "ClearedAssetPage",
    "Conflict",
    "Consent",
    "ConsentRevoked",
    "CorrectionIssued",
    "DownloadLinkInvalid",
    "Forbidden",
    "IdempotencyKeyReused",
    "Incident",
    "IncidentDecided",
    "InsufficientScope",
    "IntegrityError",
    "Label",
    "LabelChanged",
    "NotCleared",
    "NotFound",
    "ProblemError",
    "ProofdeskClient",
    "ProofdeskError",
    "Provenance",
    "Publication",
    "RateLimited",
    "ReferenceLive",
    "Rendition",
    "ResponseShapeError",
    "RetryPolicy",
    "ServerError",
    "SignOffSummary",
    "TakedownRequested",
    "TransportError",
    "Unauthenticated",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookLabel",
    "WebhookVerificationFailed",
    "WebhookVerifier",
    "new_idempotency_key",
    "parse_event",
]
