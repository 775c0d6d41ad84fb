"""Reads for remote consent links on the desk: who may send them, and each party's links with
the state they are in. The link's state comes from `consent.remote.services.link_problem`, the
same answer the public page acts on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from accounts.roles import AnyUser
from consent.errors import LinkProblem
from consent.models import ConsentLink, ConsentStatement, Party
from consent.remote.forms import ConsentLinkForm
from consent.remote.services import link_problem, link_refusal
from consent.services import latest_statements
from review.access import can_collect_consent, get_asset_for_user, require

COLLECT_DENIED = "Your role cannot collect consent for this asset."

LINK_STATE_LABELS = {
    "": "Waiting for signature",
    LinkProblem.USED: "Signed",
    LinkProblem.CANCELLED: "Cancelled",
    LinkProblem.EXPIRED: "Expired",
}


# --- fetch and check: 404 when missing, 403 when not the user's to act on --------------------


def party_for_collector(user: AnyUser, pk: int) -> Party:
    """A party whose consent `user` may collect (and so send links for)."""
    party = Party.objects.select_related("person").filter(pk=pk).first()
    if party is None:
        raise Http404("No such party.")
    party.asset = get_asset_for_user(user, party.asset_id)
    require(can_collect_consent(user, party.asset), COLLECT_DENIED)
    return party


def link_for_collector(user: AnyUser, pk: int) -> ConsentLink:
    link = ConsentLink.objects.select_related("party__person").filter(pk=pk).first()
    if link is None:
        raise Http404("No such consent link.")
    link.party.asset = get_asset_for_user(user, link.party.asset_id)
    require(can_collect_consent(user, link.party.asset), COLLECT_DENIED)
    return link


# --- the links panel -----------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    link: ConsentLink
    state: str  # "" while it can be used, else a LinkProblem value

    @property
    def label(self) -> str:
        return LINK_STATE_LABELS[self.state]

    @property
    def pending(self) -> bool:
        return self.state == ""


@dataclass(frozen=True)
class LinksPanel:
    """What `templates/consent/_links.html` shows for one party. `form` is None for a user
    who may not collect consent (the list is then read-only); `refusal` says why this party
    cannot be sent a link at all (a minor), in place of the form."""

    party: Party
    rows: list[LinkRow]
    form: ConsentLinkForm | None
    refusal: str

    @property
    def can_send(self) -> bool:
        return self.form is not None and not self.refusal


def link_rows(links: Iterable[ConsentLink], now: datetime | None = None) -> list[LinkRow]:
    now = now or timezone.now()
    return [LinkRow(link, link_problem(link, now) or "") for link in links]


def links_panels(
    user: AnyUser,
    parties: Sequence[Party],
    *,
    form: ConsentLinkForm | None = None,
    statements: list[ConsentStatement] | None = None,
) -> list[LinksPanel]:
    """One panel per party, in order, in two queries however many parties (the links, and the
    statements for the forms). The parties must have `asset` loaded. `form` replaces the blank
    form of the party it was built for (a refused POST shows its errors)."""
    links = ConsentLink.objects.select_related("created_by").order_by("-created_at", "-pk")
    prefetch_related_objects(list(parties), Prefetch("consent_links", queryset=links))
    now = timezone.now()
    panels = []
    for party in parties:
        may_collect = can_collect_consent(user, party.asset)
        if may_collect and statements is None:
            statements = latest_statements()
        party_form = None
        if may_collect:
            if form is not None and form.party.pk == party.pk:
                party_form = form
            else:
                party_form = ConsentLinkForm(party=party, statements=statements or [])
        panels.append(
            LinksPanel(
                party=party,
                rows=link_rows(party.consent_links.all(), now),
                form=party_form,
                refusal=link_refusal(party),
            )
        )
    return panels


def links_panel(user: AnyUser, party: Party, *, form: ConsentLinkForm | None = None) -> LinksPanel:
    return links_panels(user, [party], form=form)[0]
