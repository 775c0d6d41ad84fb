from __future__ import annotations

from celery import shared_task
from django.contrib.auth.models import User

from audit.services import audit_record
from labeling.models import Label
from labeling.services import LabelingError, rendition_create
from review.models import Asset


# acks_late: a worker lost mid-render leaves the message for another; rendering the same label
# twice only stores a second verified file, and the newest one is the asset's rendition.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def rendition_render(asset_id: int, label_id: int, actor_id: int | None = None) -> int | None:
    """Re-render and re-sign the rendition for a label set without an editor at the labeling
    panel (a relabel decided on an incident). Skipped when a newer label was set meanwhile: the
    rendition would carry words already replaced. A rendition that cannot be made is recorded
    on the asset's timeline for the desk, whose gate then shows the rendition missing."""
    current = (
        Label.objects.filter(asset_id=asset_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if current != label_id:
        return None
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        rendition = rendition_create(asset_id=asset_id, actor=actor)
    except LabelingError as exc:
        audit_record(
            actor=None,
            action="label.rendition_failed",
            obj=Asset.objects.get(pk=asset_id),
            details={"label_id": label_id, "error": str(exc)},
        )
        return None
    return rendition.pk
