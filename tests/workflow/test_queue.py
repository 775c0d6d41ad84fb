"""The review queue: filters, search, pagination, counts per status, and query counts that do
not grow with the number of assets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from consent.models import PartyRole
from consent.services import party_add, person_create
from review.models import AssetSource, AssetStatus
from review.selectors import QUEUE_PAGE_SIZE
from tests.consent.helpers import record_consent
from tests.readiness import make_ready_for_signoff, sign_off_directly
from tests.review.helpers import new_asset, new_user
from workflow import services

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db

S = AssetStatus
QUEUE = "/queue/"
HTMX = {"HX-Request": "true"}


def rows(response) -> list[int]:
    """Asset ids in the order the queue table lists them."""
    return [int(pk) for pk in re.findall(r'<tr data-asset="(\d+)">', response.content.decode())]


def tab_counts(response) -> dict[str, int]:
    content = response.content.decode()
    counts = {
        status: int(n)
        for status, n in re.findall(
            r'data-status="(\w+)">[^<]*<span class="count">(\d+)</span>', content
        )
    }
    total = re.search(r'All <span class="count">(\d+)</span>', content)
    assert total is not None
    counts["all"] = int(total.group(1))
    return counts


def test_queue_url_is_stable():
    assert reverse("review:queue") == QUEUE


def test_root_redirects_to_queue(editor_client):
    response = editor_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == QUEUE


@pytest.mark.parametrize("client_fixture", ["editor_client", "legal_client", "standards_client"])
def test_reviewers_see_everyones_assets_newest_first(
    request, make_asset, other_reporter, client_fixture
):
    older = make_asset()
    newer = make_asset(uploaded_by=other_reporter)
    response = request.getfixturevalue(client_fixture).get(QUEUE)
    assert response.status_code == 200
    assert rows(response) == [newer.pk, older.pk]


def test_reporter_sees_only_own_assets_and_counts(make_asset, other_reporter, reporter_client):
    mine = make_asset(status=S.APPROVED)
    make_asset(uploaded_by=other_reporter, status=S.APPROVED)
    make_asset(uploaded_by=other_reporter, status=S.IN_REVIEW)

    response = reporter_client.get(QUEUE)

    assert rows(response) == [mine.pk]
    counts = tab_counts(response)
    assert counts["all"] == 1
    assert counts["approved"] == 1
    assert counts["in_review"] == 0
    # Other reporters' names do not leak through the uploader filter either.
    assert b"oscar_reporter" not in response.content


def test_status_filter_and_counts_per_status(make_asset, editor_client):
    in_review = [make_asset(status=S.IN_REVIEW) for _ in range(3)]
    approved = [make_asset(status=S.APPROVED) for _ in range(2)]
    make_asset(status=S.REJECTED)

    everything = editor_client.get(QUEUE)
    assert tab_counts(everything) == {
        "received": 0,
        "checking": 0,
        "in_review": 3,
        "changes_requested": 0,
        "approved": 2,
        "published": 0,
        "rejected": 1,
        "withdrawn": 0,
        "taken_down": 0,
        "all": 6,
    }

    only_approved = editor_client.get(QUEUE, {"status": "approved"})
    assert sorted(rows(only_approved)) == sorted(a.pk for a in approved)
    # The tabs keep counting every status, so the others stay reachable.
    assert tab_counts(only_approved) == tab_counts(everything)
    assert re.search(r'\?status=approved"\s+class="active"', only_approved.content.decode())

    only_review = editor_client.get(QUEUE, {"status": "in_review"})
    assert sorted(rows(only_review)) == sorted(a.pk for a in in_review)


def test_counts_follow_the_other_filters(make_asset, editor_client):
    make_asset(status=S.APPROVED, source=AssetSource.AGENCY)
    make_asset(status=S.IN_REVIEW, source=AssetSource.AGENCY)
    make_asset(status=S.IN_REVIEW, source=AssetSource.STAFF)

    counts = tab_counts(editor_client.get(QUEUE, {"source": "agency", "status": "approved"}))
    assert (counts["all"], counts["approved"], counts["in_review"]) == (2, 1, 1)


def test_source_filter(make_asset, editor_client):
    agency = make_asset(source=AssetSource.AGENCY)
    make_asset(source=AssetSource.STAFF)
    assert rows(editor_client.get(QUEUE, {"source": "agency"})) == [agency.pk]


def test_uploader_filter(make_asset, reporter, other_reporter, editor_client):
    make_asset(uploaded_by=reporter)
    theirs = make_asset(uploaded_by=other_reporter)
    response = editor_client.get(QUEUE, {"uploader": other_reporter.pk})
    assert rows(response) == [theirs.pk]
    # The uploader choices list exactly the people with assets on the desk.
    choices = [label for value, label in response.context["form"].fields["uploader"].choices]
    assert choices == ["Anyone", "oscar_reporter", "rita_reporter"]


def test_mine_filter(make_asset, editor, editor_client):
    make_asset()
    own = make_asset(uploaded_by=editor)
    assert rows(editor_client.get(QUEUE, {"mine": "on"})) == [own.pk]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("SUNSET", ["sunset-harbour.jpg"]),
        ("harbour", ["sunset-harbour.jpg", "crowd.jpg"]),
        ("elections", ["crowd.jpg"]),
        ("nothing-like-this", []),
        ("  crowd  ", ["crowd.jpg"]),
    ],
)
def test_search_by_filename_and_story(make_asset, editor_client, q, expected):
    made = [
        make_asset(original_filename="sunset-harbour.jpg", story_ref="weather-0412"),
        make_asset(original_filename="crowd.jpg", story_ref="elections/harbour-rally"),
        make_asset(original_filename="portrait.jpg", story_ref="obituaries"),
    ]
    name_of = {a.pk: a.original_filename for a in made}

    response = editor_client.get(QUEUE, {"q": q})

    assert sorted(name_of[pk] for pk in rows(response)) == sorted(expected)
    if not expected:
        assert b"No assets match these filters." in response.content


def test_pagination(make_asset, editor_client):
    assets = [make_asset() for _ in range(QUEUE_PAGE_SIZE + 5)]
    newest_first = [a.pk for a in reversed(assets)]

    first = editor_client.get(QUEUE)
    second = editor_client.get(QUEUE, {"page": 2})

    assert rows(first) == newest_first[:QUEUE_PAGE_SIZE]
    assert rows(second) == newest_first[QUEUE_PAGE_SIZE:]
    assert b"Page 1 of 2" in first.content
    assert b'rel="next" href="?page=2"' in first.content
    assert b'rel="prev" href="?page=1"' in second.content
    # A page past the end shows the last one instead of failing.
    assert rows(editor_client.get(QUEUE, {"page": 99})) == newest_first[QUEUE_PAGE_SIZE:]


def test_pagination_links_keep_the_filters(make_asset, editor_client):
    for _ in range(QUEUE_PAGE_SIZE + 1):
        make_asset(source=AssetSource.AGENCY)
    content = editor_client.get(QUEUE, {"source": "agency", "q": "photo"}).content.decode()
    assert 'href="?source=agency&amp;q=photo&amp;page=2"' in content
    # Status tabs keep the filters too, but drop the page number.
    assert 'href="?source=agency&amp;q=photo&amp;status=approved"' in content


def test_htmx_gets_results_fragment_and_history_restore_gets_page(make_asset, editor_client):
    make_asset()
    fragment = editor_client.get(QUEUE, {"status": "in_review"}, headers=HTMX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert fragment.content.lstrip().startswith(b'<section id="results"')
    assert "HX-Request" in fragment["Vary"]

    restored = editor_client.get(
        QUEUE, {"status": "in_review"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in restored.content


def test_queue_shows_status_updates_after_an_action(asset, editor, editor_client):
    make_ready_for_signoff(asset)
    services.asset_approve(asset_id=asset.pk, actor=editor)
    response = editor_client.get(QUEUE, {"status": "approved"})
    assert rows(response) == [asset.pk]


# --- query counts ------------------------------------------------------------------------------

# session, user, the user's role names with their permissions (one:
# accounts.roles.load_roles_and_permissions), uploader choices, the counts (in all and per
# status, one query: they also give the number of pages), the page's rows (uploader and
# assignee joined), and the markers other apps put on the page's rows (open incidents,
# unconfirmed takedowns: one); the readiness of the page's rows
# (workflow.queue_selectors.queue_readiness: latest reports with their acknowledgements,
# classifications, labels, renditions, the consent completeness's parties with their records
# (one), sign-offs in force); and, for an editor, the people the bulk form can assign
# to. A search reads the people it names first (one more) and, when it names some, their
# assets (one more again).
READINESS_QUERIES = 6
REPORTER_QUEUE_QUERIES = 7 + READINESS_QUERIES
QUEUE_QUERIES = REPORTER_QUEUE_QUERIES + 1
SEARCH_QUERIES = 1
NAMED_QUERIES = 1


def _seed(n):
    # Each asset gets its own uploader, so a per-row lookup of uploaders would show up.
    for i in range(n):
        new_asset(
            status=list(S)[i % len(S)],
            uploaded_by=new_user(roles=["reporter"]),
            source=list(AssetSource)[i % len(AssetSource)],
        )


@pytest.mark.parametrize("n_assets", [3, 30])
def test_queue_query_count_does_not_grow(editor_client, django_assert_num_queries, n_assets):
    _seed(n_assets)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = editor_client.get(QUEUE)
    assert len(rows(response)) == min(n_assets, QUEUE_PAGE_SIZE)


def test_queue_query_count_same_on_later_pages_and_with_filters(
    editor_client, django_assert_num_queries
):
    _seed(2 * QUEUE_PAGE_SIZE + 3)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = editor_client.get(QUEUE, {"page": 3})
    assert len(rows(response)) == 3
    with django_assert_num_queries(QUEUE_QUERIES + SEARCH_QUERIES):
        editor_client.get(QUEUE, {"source": "agency", "q": "photo", "status": "in_review"})
    with django_assert_num_queries(QUEUE_QUERIES):
        editor_client.get(QUEUE, headers=HTMX)


def test_reporter_queue_query_count(reporter, reporter_client, django_assert_num_queries):
    for _ in range(5):
        new_asset(uploaded_by=reporter)
    with django_assert_num_queries(REPORTER_QUEUE_QUERIES):
        reporter_client.get(QUEUE)


# session, user, role names with permissions (one), the asset with its uploader, duplicates,
# comments with their authors, the timeline, the latest provenance report (none here; the
# provenance tests pin the page with a full report); then the sign-off: the sign-off in force
# (none), and the gate's checklist for an asset in review: the latest report, classification,
# label and the parties (with person, guardian and waiver joined). Nothing of these exists on a
# bare asset, so the queries that would follow from them (acknowledgement, consent records,
# rendition) are not made. The gate runs once, in `signoff_panel`: the Approve button asks the
# access layer with that gate (it ran twice before the architecture work: 19 queries).
DETAIL_QUERIES = 8 + 1 + 4

# A ready asset in review adds, for the gate: the acknowledgement of the report and the
# parties' consent records (with lapse and collector); and the provenance panel's queries for a
# report: the number of checks, thumbnails, detector runs, trust lists.
READY_DETAIL_QUERIES = DETAIL_QUERIES + 2 + 4

# An approved asset shows no checklist, so no gate: the sign-off in force is read once, for the
# panel and for Mark as published (twice before: 16 queries), and the provenance panel reads
# its report as above.
APPROVED_DETAIL_QUERIES = 8 + 1 + 4


def _add_comments(asset, n):
    for i in range(n):
        author = new_user(roles=["editor"])
        services.comment_add(asset_id=asset.pk, author=author, body=f"comment {i}")


@pytest.mark.parametrize("n_comments", [1, 12])
def test_detail_query_count_is_pinned(asset, editor_client, django_assert_num_queries, n_comments):
    _add_comments(asset, n_comments)
    new_asset(sha256=asset.sha256)  # a duplicate to list

    with django_assert_num_queries(DETAIL_QUERIES):
        response = editor_client.get(reverse("review:asset_detail", args=[asset.pk]))
    assert response.content.decode().count('<article class="comment">') == n_comments
    assert 'aria-describedby="approve-blocked"' in response.content.decode()


@pytest.mark.parametrize("n_parties", [1, 8])
def test_detail_query_count_for_a_ready_asset_does_not_grow_with_parties(
    asset, reporter, editor_client, django_assert_num_queries, n_parties
):
    make_ready_for_signoff(asset)  # the creator, with consent
    for i in range(n_parties):
        person = person_create(actor=reporter, full_name=f"Person {i}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
        record_consent(party, collected_by=reporter)
    _add_comments(asset, n_parties)
    new_asset(sha256=asset.sha256)

    with django_assert_num_queries(READY_DETAIL_QUERIES):
        response = editor_client.get(reverse("review:asset_detail", args=[asset.pk]))
    content = response.content.decode()
    assert 'data-action="approve"' in content  # every party is covered: the gate passed
    assert content.count('<article class="comment">') == n_parties


@pytest.mark.parametrize("n_comments", [1, 12])
def test_detail_query_count_for_an_approved_asset_is_pinned(
    make_asset, editor_client, django_assert_num_queries, n_comments
):
    asset = sign_off_directly(make_asset(status=S.APPROVED))
    _add_comments(asset, n_comments)
    new_asset(sha256=asset.sha256)

    with django_assert_num_queries(APPROVED_DETAIL_QUERIES):
        response = editor_client.get(reverse("review:asset_detail", args=[asset.pk]))
    content = response.content.decode()
    assert 'data-action="mark_published"' in content
    assert content.count('<article class="comment">') == n_comments


def test_an_invalid_filter_value_drops_only_that_filter(make_asset, editor_client):
    make_asset(source=AssetSource.AGENCY, original_filename="wire.jpg")
    make_asset(source=AssetSource.STAFF, original_filename="staff.jpg")
    response = editor_client.get(QUEUE, {"source": "agency", "uploader": "999999"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "wire.jpg" in content and "staff.jpg" not in content
    assert "Select a valid choice" in content
