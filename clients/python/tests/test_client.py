"""The client against a real HTTP server on loopback: requests, parsing, errors, retries."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest
from proofdesk_client import (
    IdempotencyKeyReused,
    IntegrityError,
    NotCleared,
    NotFound,
    ProblemError,
    ProofdeskClient,
    RateLimited,
    ReferenceLive,
    ResponseShapeError,
    RetryPolicy,
    ServerError,
    TransportError,
    Unauthenticated,
)
from proofdesk_client.retry import parse_retry_after
from proofdesk_fakes import Answer, FakeProofdesk, clearance_json, listed_json, publication_json

TOKEN = "pd_test_token"
NO_JITTER = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, jitter=False)


def client_for(
    fake: FakeProofdesk, retry: RetryPolicy = NO_JITTER
) -> tuple[ProofdeskClient, list[float]]:
    slept: list[float] = []
    return ProofdeskClient(fake.url, TOKEN, retry=retry, sleep=slept.append), slept


def test_a_clearance_is_read_with_the_token_and_parsed_into_types(fake: FakeProofdesk) -> None:
    fake.on("GET", "/api/v1/assets/7", Answer.json(clearance_json(7)))
    client, _ = client_for(fake)

    clearance = client.get_clearance(7)

    assert clearance.cleared
    assert clearance.label is not None and clearance.label.name == "AI-generated"
    assert clearance.rendition is not None
    assert clearance.rendition.links_expire_at == datetime(2026, 11, 28, 10, 25, 2, 417000, UTC)
    assert clearance.signoff is not None and clearance.signoff.second_approved_at is None
    (seen,) = fake.requests_to("/api/v1/assets/7")
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(client)


def test_a_clearance_that_is_not_cleared_carries_the_reasons(fake: FakeProofdesk) -> None:
    fake.on("GET", "/api/v1/assets/8", Answer.json(clearance_json(8, cleared=False)))
    client, _ = client_for(fake)

    clearance = client.get_clearance(8)

    assert not clearance.cleared
    assert clearance.clearance.reasons == ["Consent is missing for the person depicted."]
    with pytest.raises(NotCleared) as refused:
        client.fetch_rendition(8)
    assert refused.value.reasons == ["Consent is missing for the person depicted."]


def test_an_answer_missing_a_field_is_refused_rather_than_half_read(fake: FakeProofdesk) -> None:
    broken = clearance_json(7)
    del broken["consent"]
    fake.on("GET", "/api/v1/assets/7", Answer.json(broken))
    client, _ = client_for(fake)

    with pytest.raises(ResponseShapeError, match="consent: missing"):
        client.get_clearance(7)


def test_the_listing_follows_cursors_and_sends_changed_since_with_its_offset(
    fake: FakeProofdesk,
) -> None:
    fake.on(
        "GET",
        "/api/v1/assets",
        Answer.json({"items": [listed_json(1), listed_json(2)], "next_cursor": "c2"}),
        Answer.json({"items": [listed_json(3)], "next_cursor": "c3"}),
        Answer.json({"items": [], "next_cursor": None}),
    )
    client, _ = client_for(fake)
    since = datetime(2026, 11, 28, 11, 15, 2, tzinfo=timezone(timedelta(hours=1)))

    found = list(client.iter_assets(story="flood", changed_since=since, limit=2))

    assert [a.id for a in found] == [1, 2, 3]
    queries = [s.query for s in fake.requests_to("/api/v1/assets")]
    assert queries == [
        {"story": "flood", "changed_since": "2026-11-28T11:15:02+01:00", "limit": "2"},
        {
            "story": "flood",
            "changed_since": "2026-11-28T11:15:02+01:00",
            "limit": "2",
            "cursor": "c2",
        },
        {
            "story": "flood",
            "changed_since": "2026-11-28T11:15:02+01:00",
            "limit": "2",
            "cursor": "c3",
        },
    ]


def test_a_naive_changed_since_is_refused_before_anything_is_sent(fake: FakeProofdesk) -> None:
    client, _ = client_for(fake)
    with pytest.raises(ValueError, match="timezone-aware"):
        client.list_assets_page(changed_since=datetime(2026, 11, 28, 10, 0))
    assert fake.seen == []


def test_a_publication_is_reported_with_an_idempotency_key_and_json_body(
    fake: FakeProofdesk,
) -> None:
    fake.on("POST", "/api/v1/assets/7/publications", Answer.json(publication_json(7), status=201))
    client, _ = client_for(fake)

    publication = client.report_publication(
        7, cms_reference="article-77", public_url="https://news.example/77", idempotency_key="k-1"
    )

    assert publication.asset_status == "published"
    (seen,) = fake.requests_to("/api/v1/assets/7/publications")
    assert seen.headers["idempotency-key"] == "k-1"
    assert seen.headers["content-type"] == "application/json"
    assert seen.json() == {"cms_reference": "article-77", "public_url": "https://news.example/77"}


def test_each_report_without_a_key_gets_a_fresh_one(fake: FakeProofdesk) -> None:
    fake.on("POST", "/api/v1/assets/7/unpublications", Answer.json(publication_json(7)))
    client, _ = client_for(fake)

    client.report_unpublication(7, cms_reference="article-77", reason="Taken down")
    client.report_unpublication(7, cms_reference="article-77", reason="Taken down")

    keys = [
        s.headers["idempotency-key"] for s in fake.requests_to("/api/v1/assets/7/unpublications")
    ]
    assert len(set(keys)) == 2
    assert fake.requests_to("/api/v1/assets/7/unpublications")[0].json() == {
        "cms_reference": "article-77",
        "reason": "Taken down",
    }


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer.problem(409, "not-cleared", reasons=["No sign-off."]), NotCleared),
        (Answer.problem(409, "reference-live"), ReferenceLive),
        (Answer.problem(422, "idempotency-key-reused"), IdempotencyKeyReused),
        (Answer.problem(404, "not-found", "There is no asset 7."), NotFound),
        (Answer.problem(401, "unauthenticated"), Unauthenticated),
    ],
)
def test_problems_become_typed_exceptions_and_are_not_retried(
    fake: FakeProofdesk, answer: Answer, error: type[ProblemError]
) -> None:
    fake.on("POST", "/api/v1/assets/7/publications", answer)
    client, slept = client_for(fake)

    with pytest.raises(error) as raised:
        client.report_publication(7, cms_reference="a", public_url="https://n.example/a")

    assert raised.value.status == answer.status
    assert len(fake.requests_to("/api/v1/assets/7/publications")) == 1
    assert slept == []
    if error is NotCleared:
        assert raised.value.reasons == ["No sign-off."]
        assert "No sign-off." in str(raised.value)


def test_a_5xx_is_retried_with_backoff_and_the_same_idempotency_key(fake: FakeProofdesk) -> None:
    fake.on(
        "POST",
        "/api/v1/assets/7/publications",
        Answer(503, b"busy"),
        Answer.problem(500, "server-error"),
        Answer.json(publication_json(7), status=201),
    )
    client, slept = client_for(fake)

    client.report_publication(7, cms_reference="article-77", public_url="https://news.example/77")

    sent = fake.requests_to("/api/v1/assets/7/publications")
    assert len(sent) == 3
    assert len({s.headers["idempotency-key"] for s in sent}) == 1
    assert slept == [0.5, 1.0]  # doubling, no jitter in this policy


def test_jittered_waits_stay_under_the_doubling_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay=1.0, max_delay=5.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (5, 5.0)]:
        for _ in range(50):
            wait = policy.delay(attempt)
            assert wait is not None and 0 <= wait <= ceiling
    assert policy.delay(6) is None


def test_a_429_waits_as_long_as_retry_after_says(fake: FakeProofdesk) -> None:
    fake.on(
        "GET",
        "/api/v1/assets/7",
        Answer(429, b"", {"Retry-After": "2"}),
        Answer.json(clearance_json(7)),
    )
    client, slept = client_for(fake)

    assert client.get_clearance(7).id == 7
    assert slept == [2.0]


def test_a_retry_after_beyond_the_longest_wait_is_raised_for_the_caller_to_schedule(
    fake: FakeProofdesk,
) -> None:
    fake.on("GET", "/api/v1/assets/7", Answer(429, b"slow down", {"Retry-After": "3600"}))
    client, slept = client_for(fake)

    with pytest.raises(RateLimited) as raised:
        client.get_clearance(7)

    assert raised.value.retry_after == 3600.0
    assert slept == []


def test_a_server_that_keeps_failing_is_given_up_on_after_the_attempts(fake: FakeProofdesk) -> None:
    fake.on(
        "GET",
        "/api/v1/assets/7",
        Answer(502, b"<html>Bad gateway</html>", {"Content-Type": "text/html"}),
    )
    client, slept = client_for(fake)

    with pytest.raises(ServerError) as raised:
        client.get_clearance(7)

    assert raised.value.status == 502
    assert "Bad gateway" in raised.value.detail
    assert len(fake.requests_to("/api/v1/assets/7")) == 4
    assert slept == [0.5, 1.0, 2.0]


def test_a_refused_connection_is_retried_then_a_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept: list[float] = []
    client = ProofdeskClient(f"http://127.0.0.1:{port}", TOKEN, retry=NO_JITTER, sleep=slept.append)

    with pytest.raises(TransportError, match="after 4 attempt"):
        client.get_clearance(7)
    assert slept == [0.5, 1.0, 2.0]


def test_a_download_is_checked_against_its_sha256_and_sends_no_token(fake: FakeProofdesk) -> None:
    fake.on("GET", "/api/v1/assets/7", Answer.json(clearance_json(7, base=fake.url)))
    fake.on(
        "GET",
        "/api/v1/renditions/3/download",
        Answer(200, b"hello", {"Content-Type": "image/jpeg"}),
    )
    client, _ = client_for(fake)

    clearance, data = client.fetch_rendition(7)

    assert data == b"hello"
    (seen,) = fake.requests_to("/api/v1/renditions/3/download")
    assert seen.query == {"sig": "abc"}
    assert "authorization" not in seen.headers
    assert clearance.rendition is not None

    fake.on("GET", "/api/v1/renditions/3/download", Answer(200, b"tampered"))
    with pytest.raises(IntegrityError):
        client.download_rendition(clearance.rendition)


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sat, 28 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sat, 28 Nov 2026 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
