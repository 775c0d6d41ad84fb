"""The webhook endpoint Proofdesk posts to."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from proofdesk_client import WebhookVerificationFailed

from wagtail_proofdesk import services

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


@csrf_exempt  # the signature authenticates the request, not a cookie
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse("too large", status=413, content_type="text/plain")
    try:
        event = services.webhook_verifier().verify(request.body, request.headers)
    except WebhookVerificationFailed as exc:
        return HttpResponse(f"invalid webhook: {exc}", status=400, content_type="text/plain")
    try:
        outcome = services.webhook_handle(event)
    except Exception:
        # Not marked processed: Proofdesk retries (same webhook-id) and the retry finishes it.
        logger.exception("Handling Proofdesk webhook %s (%s) failed", event.id, event.type)
        return HttpResponse("try again", status=500, content_type="text/plain")
    return HttpResponse(outcome, status=200, content_type="text/plain")
