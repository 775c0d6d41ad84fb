"""Numbers past what the database holds, in paths, query strings, forms and API cursors: a
clear 404 or 400, never a 500 (issue 13, item 7: an oversized `cursor` and `?asset=` were 500s).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role
from integrations.models import Integration, WebhookEndpoint
from integrations.signing import generate_secret
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.integrations.api_helpers import assert_problem

pytestmark = pytest.mark.django_db

HUGE = str(10**30)
JUST_PAST = str(2**63)  # one more than BigAutoField holds


def _id_routes(patterns, prefix: str = "") -> list[str]:
    """Every route of the project that takes a database id, with its converters in place."""
    found: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _id_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "<id:" in route:
            found.append(route)
    return found


def test_no_route_takes_an_unbounded_int():
    routes = [str(p.pattern) for p in _walk(get_resolver().url_patterns)]
    unbounded = [r for r in routes if "<int:" in r]
    assert unbounded == [], "use <id:…> (review.converters.DatabaseId) for database ids"
    assert len(_id_routes(get_resolver().url_patterns)) > 40


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        else:
            yield pattern


@pytest.mark.parametrize("number", [HUGE, JUST_PAST])
def test_every_id_route_answers_404_to_a_number_too_big(number):
    admin = client_for(UserFactory(username="ada_admin", roles=[Role.ADMIN]))
    routes = _id_routes(get_resolver().url_patterns)
    for route in routes:
        path = "/" + re.sub(r"<id:\w+>", number, route)
        path = re.sub(r"<\w+:\w+>", "x", path)  # other converters: any valid-looking value
        response = admin.get(path)
        assert response.status_code in {404, 405}, (path, response.status_code)


def test_a_huge_asset_filter_on_the_delivery_log_is_a_form_error(standards):
    integration = Integration.objects.create(name="cms")
    endpoint = WebhookEndpoint.objects.create(
        integration=integration, url="http://127.0.0.1:9/hook", secret=generate_secret()
    )
    url = reverse("integrations:endpoint", args=[endpoint.pk])
    response = client_for(standards).get(url, {"asset": HUGE})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()


def test_a_forged_cursor_past_the_range_is_a_400_problem(reader_api):
    for raw in (f"a{HUGE}", f"a{JUST_PAST}", "a-5", "a1e9"):
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        response = reader_api.get("/api/v1/assets", {"cursor": cursor})
        assert_problem(response, 400, "malformed-request")


def test_api_paths_with_a_huge_id_are_404_problems(reader_api, cms_api):
    for path in (f"/api/v1/assets/{HUGE}", f"/api/v1/assets/{HUGE}/incidents"):
        assert_problem(reader_api.get(path), 404, "not-found")
    response = cms_api.post(
        f"/api/v1/assets/{HUGE}/publications",
        {"cms_reference": "story/1", "public_url": "https://news.example.org/1"},
    )
    assert_problem(response, 404, "not-found")
