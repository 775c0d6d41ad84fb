"""Oracles (issue 13, item 9): nothing a user may not see answers differently from something
that does not exist. Before, another reporter got 403 for an asset that exists and 404 for one
that does not, so walking the ids told which assets there were; the duplicates check told any
reporter whether an e-mail was on file.

Every desk route under an asset, and its renditions and thumbnails, is asked by another
reporter for an asset that is not theirs and for one that does not exist, with GET and POST:
the status and the page must be the same.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from incidents.models import Incident, IncidentStatus
from review.models import AssetStatus
from tests.incidents.helpers import report_mislabeled
from tests.integrations.api_helpers import cleared_labeled_asset

pytestmark = pytest.mark.django_db


def _routes(patterns, prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


ASSET_ROUTES = [r for r in _routes(get_resolver().url_patterns) if r.startswith("assets/<id:pk>/")]


def _path(route: str, **ids: int) -> str:
    path = route
    for name, value in ids.items():
        path = path.replace(f"<id:{name}>", str(value))
    path = re.sub(r"<slug:\w+>", "approve", path)
    assert "<" not in path, path
    return "/" + path


def _answer(client: Client, method: str, path: str) -> tuple[int, str]:
    response = getattr(client, method)(path, {"note": "x"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # What differs on every response whatever was asked: the CSP nonce and the CSRF token.
    page = re.sub(r"[A-Za-z0-9+/=_-]{32,}", "(token)", body.decode(errors="replace"))
    return response.status_code, page


def test_the_sweep_covers_the_asset_routes():
    # The panels, actions, consent, labeling and incidents: a route added later is swept too.
    assert len(ASSET_ROUTES) >= 20
    assert "assets/<id:pk>/consent.pdf" in ASSET_ROUTES


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", ASSET_ROUTES)
def test_a_foreign_asset_answers_as_a_missing_one(
    make_asset, editor, other_reporter_client, route, method
):
    foreign = make_asset(status=AssetStatus.APPROVED)
    incident = report_mislabeled(foreign, editor)
    missing_asset = foreign.pk + 1000
    seen = _answer(
        other_reporter_client, method, _path(route, pk=foreign.pk, incident_pk=incident.pk)
    )
    unseen = _answer(
        other_reporter_client, method, _path(route, pk=missing_asset, incident_pk=incident.pk)
    )
    if seen[0] != 405:  # a method the route does not take is refused before any lookup
        assert seen[0] == 404
    assert seen == unseen
    # Nothing was done on their behalf.
    assert Incident.objects.get().status == IncidentStatus.OPEN
    foreign.refresh_from_db()
    assert foreign.status == AssetStatus.APPROVED


def test_renditions_of_a_foreign_asset_answer_as_missing_ones(
    make_asset, editor, signing_keys, other_reporter_client
):
    rendition = cleared_labeled_asset(make_asset, editor).renditions.get()
    for name in ("download", "preview", "sidecar", "slate"):
        seen = _answer(other_reporter_client, "get", f"/renditions/{rendition.pk}/{name}/")
        unseen = _answer(other_reporter_client, "get", f"/renditions/{rendition.pk + 99}/{name}/")
        assert seen[0] == 404 and seen == unseen, name
