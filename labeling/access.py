"""Who may see and change an asset's labeling.

Anyone who may see the asset sees its labeling panel and downloads its renditions (the reporter
should see how their material will be labeled). Classifying, labeling and rendering are the
desk's decision: editors and standards editors. `review.access.can_label` decides; the panel's
forms and the POSTs the server accepts both ask it. This module fetches labeling's objects.
"""

from __future__ import annotations

from django.http import Http404

from accounts.roles import AnyUser
from labeling.models import Rendition
from review.access import can_manage_vocabulary, can_view_asset, require

LABEL_DENIED = "Only editors and standards editors classify assets and set their labels."
VOCABULARY_DENIED = "Only standards editors and administrators manage the label vocabulary."


def require_vocabulary_manager(user: AnyUser) -> None:
    require(can_manage_vocabulary(user), VOCABULARY_DENIED)


def get_rendition_for_user(user: AnyUser, pk: int) -> Rendition:
    """A rendition of an asset the user may see; 404 alike when there is none or it is not
    theirs to see."""
    rendition = Rendition.objects.select_related("asset").filter(pk=pk).first()
    if rendition is None or not can_view_asset(user, rendition.asset):
        raise Http404("No such rendition.")
    return rendition
