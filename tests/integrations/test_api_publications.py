"""Reporting publications and unpublications: only for cleared assets (409 with the reasons
otherwise), idempotent under an Idempotency-Key (same request: the same answer again; another
request: 422), and every malformed request a 400 problem."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from integrations.models import IdempotencyRecord, Integration, Publication
from integrations.tokens import token_create
from review.models import AssetStatus
from signoff.services import signoff_void
from tests.integrations.api_helpers import (
    ApiClient,
    assert_problem,
    clear,
    cleared_labeled_asset,
    cleared_plain_asset,
)

pytestmark = pytest.mark.django_db

BODY = {"cms_reference": "cms-4711", "public_url": "https://news.example/2026/budget"}


def publish(api, asset_id: int, body=BODY, key: str | None = "key-1"):
    return api.post(f"/api/v1/assets/{asset_id}/publications", body, key=key)


def unpublish(api, asset_id: int, body=None, key: str | None = "key-u1"):
    body = body or {"cms_reference": BODY["cms_reference"], "reason": "Story retracted."}
    return api.post(f"/api/v1/assets/{asset_id}/unpublications", body, key=key)


@pytest.fixture
def cleared(make_asset, editor):
    return cleared_plain_asset(make_asset, editor)


def test_a_publication_of_a_cleared_asset_is_recorded(
    make_asset, editor, signing_keys, cms_api, cms
):
    asset = cleared_labeled_asset(make_asset, editor)
    signoff = asset.signoffs.get()
    rendition = asset.renditions.get()
    response = publish(cms_api, asset.pk)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    publication = Publication.objects.get()
    assert (publication.asset, publication.integration, publication.signoff) == (
        asset,
        cms,
        signoff,
    )
    assert publication.cms_reference == BODY["cms_reference"]
    assert publication.public_url == BODY["public_url"]
    assert publication.rendition_sha256 == rendition.sha256
    data = json.loads(response.content)
    assert data["id"] == publication.pk
    assert data["asset_status"] == AssetStatus.PUBLISHED
    assert data["signoff_content_hash"] == signoff.content_hash
    assert data["rendition_sha256"] == rendition.sha256
    asset.refresh_from_db()
    assert asset.status == AssetStatus.PUBLISHED
    event = AuditEvent.objects.get(action="asset.published_by_cms")
    assert (event.from_state, event.to_state) == (AssetStatus.APPROVED, AssetStatus.PUBLISHED)
    assert event.actor_name == "system"
    assert event.details["integration"] == "Main CMS"
    assert event.details["publication_id"] == publication.pk
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.status_code, record.response) == ("key-1", 201, data)


def test_a_second_publication_elsewhere_keeps_the_asset_published(cleared, cms_api):
    assert publish(cms_api, cleared.pk).status_code == 201
    other = {"cms_reference": "app-99", "public_url": "https://app.news.example/99"}
    assert publish(cms_api, cleared.pk, other, key="key-2").status_code == 201
    assert Publication.objects.count() == 2
    second = AuditEvent.objects.filter(action="asset.published_by_cms").order_by("-seq").first()
    assert second is not None
    assert (second.from_state, second.to_state) == ("", "")


def test_the_same_request_again_gets_the_same_answer_and_writes_nothing(cleared, cms_api):
    first = publish(cms_api, cleared.pk)
    events = AuditEvent.objects.count()
    again = publish(cms_api, cleared.pk)
    assert again.status_code == first.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Publication.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert AuditEvent.objects.count() == events
    # Key order and spacing are not the request: the same JSON differently written is the same.
    rewritten = b'{ "public_url": "https://news.example/2026/budget",  "cms_reference": "cms-4711"}'
    assert publish(cms_api, cleared.pk, rewritten).content == first.content


def test_the_same_key_with_another_request_is_a_422_problem(cleared, make_asset, editor, cms_api):
    assert publish(cms_api, cleared.pk).status_code == 201
    changed = {**BODY, "public_url": "https://news.example/2026/other"}
    problem = assert_problem(publish(cms_api, cleared.pk, changed), 422, "idempotency-key-reused")
    assert "different request" in problem["detail"]
    # The same body for another asset, or to another endpoint, is another request too.
    other = cleared_plain_asset(make_asset, editor)
    assert_problem(publish(cms_api, other.pk), 422, "idempotency-key-reused")
    assert_problem(unpublish(cms_api, cleared.pk, key="key-1"), 422, "idempotency-key-reused")
    assert Publication.objects.count() == 1


def test_keys_belong_to_one_integration(cleared, make_asset, editor, cms_api):
    assert publish(cms_api, cleared.pk).status_code == 201
    app = Integration.objects.create(name="Mobile app")
    _, token = token_create(integration=app, scopes=["assets:publish"])
    other = {"cms_reference": "app-1", "public_url": "https://app.news.example/1"}
    assert publish(ApiClient(token), cleared.pk, other, key="key-1").status_code == 201


def test_publishing_an_uncleared_asset_is_a_409_with_the_reasons(asset, cms_api):
    problem = assert_problem(publish(cms_api, asset.pk), 409, "not-cleared")
    assert problem["detail"] == f"Asset {asset.pk} is not cleared for publication."
    assert problem["reasons"][0] == "The asset has not been approved by an editor."
    assert "Label set where required: classify the asset." in problem["reasons"]
    assert not Publication.objects.exists()
    assert not IdempotencyRecord.objects.exists()  # a refusal is not remembered
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW


def test_a_refusal_is_not_replayed_once_the_asset_is_cleared(make_asset, editor, cms_api):
    asset = cleared_plain_asset(make_asset, editor)
    signoff_void(asset_id=asset.pk, reason="Label edited.")
    assert_problem(publish(cms_api, asset.pk), 409, "not-cleared")
    clear(asset, editor)
    assert publish(cms_api, asset.pk).status_code == 201


def test_a_reference_already_live_is_a_409(cleared, make_asset, editor, cms_api):
    assert publish(cms_api, cleared.pk).status_code == 201
    other = cleared_plain_asset(make_asset, editor)
    problem = assert_problem(publish(cms_api, other.pk, key="key-2"), 409, "reference-live")
    assert f"asset {cleared.pk}" in problem["detail"]
    # Once unpublished, the reference can be used again.
    assert unpublish(cms_api, cleared.pk).status_code == 200
    assert publish(cms_api, other.pk, key="key-3").status_code == 201


def test_an_unknown_asset_is_a_404(cms_api):
    assert_problem(publish(cms_api, 999999), 404, "not-found")
    assert_problem(unpublish(cms_api, 999999), 404, "not-found")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_a_405(cleared, cms_api, method):
    for path in ("publications", "unpublications"):
        response = cms_api.method(method, f"/api/v1/assets/{cleared.pk}/{path}")
        assert_problem(response, 405, "method-not-allowed")
        assert response["Allow"] == "POST"


def test_malformed_json_is_a_400_problem(cleared, cms_api):
    for path in ("publications", "unpublications"):
        response = cms_api.post(f"/api/v1/assets/{cleared.pk}/{path}", b"{not json")
        problem = assert_problem(response, 400, "malformed-request")
        assert problem["detail"] == "Cannot parse request body"
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"public_url": "https://news.example/x"}, "body.cms_reference"),
        ({**BODY, "cms_reference": "   "}, "body.cms_reference"),
        # Refused, not trimmed: the schema says so, and a trimmed reference is another one.
        ({**BODY, "cms_reference": " cms-4711"}, "body.cms_reference"),
        ({**BODY, "cms_reference": "cms\n4711"}, "body.cms_reference"),
        # Control characters and Unicode line separators (schemathesis had \x06 and \u2028
        # accepted): a reference shown on the desk and in the audit log stays one plain line.
        ({**BODY, "cms_reference": "cms\x064711"}, "body.cms_reference"),
        ({**BODY, "cms_reference": "cms\u20284711"}, "body.cms_reference"),
        ({**BODY, "cms_reference": "\xa0cms-4711"}, "body.cms_reference"),
        ({**BODY, "public_url": "https://news.example/a b"}, "body.public_url"),
        ({**BODY, "public_url": "https://news.example/" + "a" * 480}, "body.public_url"),
        ({**BODY, "public_url": "javascript:alert(1)"}, "body.public_url"),
        ({**BODY, "public_url": "news.example/x"}, "body.public_url"),
        ({**BODY, "published": True}, "body.published"),
        ([BODY], "body"),
    ],
)
def test_invalid_fields_are_a_400_problem_naming_them(cleared, cms_api, body, location):
    problem = assert_problem(publish(cms_api, cleared.pk, body), 400, "malformed-request")
    assert location in [e["location"] for e in problem["errors"]]


def test_the_idempotency_key_is_required(cleared, cms_api):
    unpublication = {"cms_reference": "x", "reason": "y"}
    for path, body in (("publications", BODY), ("unpublications", unpublication)):
        response = cms_api.post(f"/api/v1/assets/{cleared.pk}/{path}", body, key=None)
        problem = assert_problem(response, 400, "malformed-request")
        assert problem["errors"] == [
            {"location": "header.Idempotency-Key", "message": "Field required"}
        ]
    assert not Publication.objects.exists()


def test_an_unpublication_is_recorded_and_idempotent(cleared, cms_api):
    publication_id = json.loads(publish(cms_api, cleared.pk).content)["id"]
    first = unpublish(cms_api, cleared.pk)
    assert first.status_code == 200, first.content
    data = json.loads(first.content)
    assert data["id"] == publication_id
    assert data["unpublished_at"] is not None
    assert data["unpublish_reason"] == "Story retracted."
    publication = Publication.objects.get()
    assert publication.unpublished_at is not None
    assert publication.unpublish_reason == "Story retracted."
    assert AuditEvent.objects.filter(action="asset.unpublished_by_cms").count() == 1
    # The desk decides what happens to the asset itself.
    cleared.refresh_from_db()
    assert cleared.status == AssetStatus.PUBLISHED

    again = unpublish(cms_api, cleared.pk)
    assert (again.status_code, again.content) == (200, first.content)
    assert AuditEvent.objects.filter(action="asset.unpublished_by_cms").count() == 1
    other = {"cms_reference": BODY["cms_reference"], "reason": "Another reason."}
    assert_problem(unpublish(cms_api, cleared.pk, other), 422, "idempotency-key-reused")


def test_unpublishing_what_is_not_live_is_a_404(cleared, cms_api):
    problem = assert_problem(unpublish(cms_api, cleared.pk), 404, "not-found")
    assert "no live publication" in problem["detail"]
    bad = {"cms_reference": "x"}
    assert_problem(unpublish(cms_api, cleared.pk, bad, key="k2"), 400, "malformed-request")


def test_a_publication_takes_a_fixed_number_of_queries(make_asset, editor, cms_api):
    assets = [cleared_plain_asset(make_asset, editor) for _ in range(2)]
    publish(cms_api, assets[0].pk, key="warm-up")  # last_used_at written: not counted below
    with CaptureQueriesContext(connection) as queries:
        other = {"cms_reference": "cms-2", "public_url": "https://news.example/2"}
        assert publish(cms_api, assets[1].pk, other, key="k2").status_code == 201
    with CaptureQueriesContext(connection) as replay:
        assert publish(cms_api, assets[1].pk, other, key="k2").status_code == 201
    assert len(replay) == 2  # the token, the stored answer
    # token; stored answer?; [savepoint] locked asset, stored answer? (again, under the lock),
    # sign-off, live reference?, [savepoint] insert, asset status, audit (3: lock the chain
    # head, insert, update it), stored answer
    assert len(queries) == 16, "\n".join(q["sql"] for q in queries)


@pytest.mark.parametrize("reason", ["\x1b[31mred", "   ", "ok\x00"])
def test_an_unpublication_reason_is_refused_with_control_characters_or_blank(
    cleared, cms_api, reason
):
    body = {"cms_reference": "cms-1", "reason": reason}
    problem = assert_problem(unpublish(cms_api, cleared.pk, body), 400, "malformed-request")
    assert "body.reason" in [e["location"] for e in problem["errors"]]


def test_an_unpublication_reason_may_run_over_several_lines(cleared, cms_api):
    assert publish(cms_api, cleared.pk).status_code == 201
    body = {"cms_reference": BODY["cms_reference"], "reason": "Legal asked.\n\tSee ticket 12."}
    assert unpublish(cms_api, cleared.pk, body).status_code == 200
