"""Writing audit events. Callers are services that already hold a transaction."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditChainHead, AuditEvent


def _json_safe(details: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so the hash covers exactly what the database will return.
    result: dict[str, Any] = json.loads(json.dumps(details, cls=DjangoJSONEncoder))
    return result


@transaction.atomic
def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    from_state: str = "",
    to_state: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    # The head row is the chain's lock: two writers would otherwise both read the same last
    # hash and fork the chain. get_or_create first so the very first event has a row to lock.
    AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    head = AuditChainHead.objects.select_for_update().get(pk=1)

    user = actor if actor is not None and actor.is_authenticated else None
    seq = head.last_seq + 1
    created_at = timezone.now()
    clean_details = _json_safe(details or {})
    fields: dict[str, Any] = {
        "seq": seq,
        "created_at": created_at,
        "actor_id": user.pk if user is not None else None,
        "actor_name": user.get_username() if user is not None else "system",
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "from_state": from_state,
        "to_state": to_state,
        "details": clean_details,
        "prev_hash": head.last_hash,
    }
    digest = event_hash(**fields)
    event = AuditEvent(hash=digest, **fields)
    event.save()

    head.last_seq = seq
    head.last_hash = digest
    head.save(update_fields=["last_seq", "last_hash"])
    return event
