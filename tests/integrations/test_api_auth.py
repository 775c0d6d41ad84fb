"""Bearer tokens on the CMS API: every refusal is a 401 or 403 problem with a Bearer challenge,
scopes are per endpoint, and `last_used_at` is written at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from integrations.models import ApiToken, Integration, TokenScope
from integrations.tokens import token_revoke
from tests.integrations.api_helpers import ApiClient, assert_problem, cleared_plain_asset

pytestmark = pytest.mark.django_db

PUBLICATION = {"cms_reference": "story-1/photo", "public_url": "https://news.example/story-1"}


def endpoints(asset_id: int) -> list[tuple[str, str, object]]:
    """(method, path, body) of every bearer-authenticated operation."""
    return [
        ("get", "/api/v1/assets", None),
        ("get", f"/api/v1/assets/{asset_id}", None),
        ("get", f"/api/v1/assets/{asset_id}/incidents", None),
        ("post", f"/api/v1/assets/{asset_id}/publications", PUBLICATION),
        (
            "post",
            f"/api/v1/assets/{asset_id}/unpublications",
            {"cms_reference": "x", "reason": "y"},
        ),
    ]


def call(api: ApiClient, method: str, path: str, body: object):
    return api.get(path) if method == "get" else api.post(path, body)


def assert_unauthenticated(response, detail: str | None = None, *, invalid_token: bool = True):
    body = assert_problem(response, 401, "unauthenticated")
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="proofdesk"')
    assert ('error="invalid_token"' in challenge) is invalid_token
    if detail:
        assert body["detail"] == detail


def test_a_missing_token_gets_401_with_a_bearer_challenge_everywhere(asset):
    anonymous = ApiClient(None)
    for method, path, body in endpoints(asset.pk):
        assert_unauthenticated(call(anonymous, method, path, body), invalid_token=False)


def test_another_auth_scheme_is_not_a_token(asset, make_token):
    client = Client()
    response = client.get("/api/v1/assets", headers={"Authorization": f"Basic {make_token()}"})
    assert_unauthenticated(response, invalid_token=False)


def test_a_wrong_token_gets_401_everywhere(asset, make_token):
    make_token()
    for wrong in (ApiClient("pd_not-a-real-token"), ApiClient("something-else")):
        for method, path, body in endpoints(asset.pk):
            assert_unauthenticated(
                call(wrong, method, path, body), "The token is not known.", invalid_token=True
            )


def test_an_expired_token_gets_401(asset, make_token):
    expires = timezone.now() + timedelta(hours=1)
    api = ApiClient(make_token(expires_at=expires))
    assert api.get("/api/v1/assets").status_code == 200
    with time_machine.travel(expires + timedelta(seconds=1), tick=False):
        for method, path, body in endpoints(asset.pk):
            assert_unauthenticated(call(api, method, path, body), "The token has expired.")


def test_a_revoked_token_gets_401(asset, make_token):
    api = ApiClient(make_token())
    token = ApiToken.objects.get()
    assert api.get("/api/v1/assets").status_code == 200
    token_revoke(token_id=token.pk)
    for method, path, body in endpoints(asset.pk):
        assert_unauthenticated(call(api, method, path, body), "The token was revoked.")


def test_a_disabled_integration_gets_401(asset, cms_api, cms):
    Integration.objects.filter(pk=cms.pk).update(active=False)
    assert_unauthenticated(cms_api.get("/api/v1/assets"), "The token's integration is disabled.")


def test_a_token_without_the_scope_gets_403_with_the_scope_named(asset, make_token):
    reader = ApiClient(make_token(TokenScope.READ))
    publisher = ApiClient(make_token(TokenScope.PUBLISH))
    for method, path, body in endpoints(asset.pk):
        api = reader if method == "post" else publisher
        response = call(api, method, path, body)
        problem = assert_problem(response, 403, "insufficient-scope")
        scope = TokenScope.PUBLISH if method == "post" else TokenScope.READ
        assert scope in problem["detail"]
        assert response["WWW-Authenticate"] == (
            f'Bearer realm="proofdesk", error="insufficient_scope", scope="{scope}"'
        )


def test_the_right_scope_is_let_through(make_asset, editor, reader_api, make_token):
    asset = cleared_plain_asset(make_asset, editor)
    assert reader_api.get("/api/v1/assets").status_code == 200
    assert reader_api.get(f"/api/v1/assets/{asset.pk}").status_code == 200
    assert reader_api.get(f"/api/v1/assets/{asset.pk}/incidents").status_code == 200
    publisher = ApiClient(make_token(TokenScope.PUBLISH))
    response = publisher.post(f"/api/v1/assets/{asset.pk}/publications", PUBLICATION)
    assert response.status_code == 201


def test_no_csrf_token_is_needed_for_a_token_authenticated_post(make_asset, editor, make_token):
    asset = cleared_plain_asset(make_asset, editor)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/assets/{asset.pk}/publications",
        PUBLICATION,
        content_type="application/json",
        headers={"Authorization": f"Bearer {make_token()}", "Idempotency-Key": "k"},
    )
    assert response.status_code == 201


def test_last_used_is_written_at_most_once_a_minute(cms_api, django_assert_num_queries):
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cms_api.get("/api/v1/assets")
        token.refresh_from_db()
        assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        # The token, the (empty) page: no UPDATE.
        with django_assert_num_queries(2):
            cms_api.get("/api/v1/assets")
        token.refresh_from_db()
        assert token.last_used_at == start
    later = start + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        cms_api.get("/api/v1/assets")
        token.refresh_from_db()
        assert token.last_used_at == later
