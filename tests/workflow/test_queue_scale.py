"""The queue on a big desk (issue 15): counts that stop at a cap, page numbers past a capped
count, short searches, the small sets read first (people by name, "needs me"), and query counts
that stay the same when those sets outgrow their lists. The caps are lowered here, so that a
handful of assets stands for a million."""

from __future__ import annotations

import re

import pytest

from accounts.roles import Role
from consent.models import PartyRole
from consent.services import party_add, person_create
from provenance.states import ProvenanceState
from review.models import AssetSource, AssetStatus
from review.selectors import QUEUE_PAGE_SIZE
from signoff.services import provenance_acknowledge
from tests.conftest import client_for
from tests.readiness import add_provenance_report, sign_off_directly
from tests.review.helpers import new_user
from tests.workflow.test_queue import NAMED_QUERIES, QUEUE, QUEUE_QUERIES, SEARCH_QUERIES, rows
from workflow import queue_selectors
from workflow.queue_selectors import QueueQuery, Tally, queue_counts, queue_filtered

pytestmark = pytest.mark.django_db

S = AssetStatus


def count_spans(response) -> dict[str, str]:
    """The tabs' counts as shown ("12", "3+"); a tab without a count is left out."""
    page = response.content.decode()
    shown = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="count">([^<]+)</span>', page))
    total = re.search(r'All <span class="count">([^<]+)</span>', page)
    assert total is not None
    shown["all"] = total.group(1)
    return shown


def _with_person(asset, name: str) -> None:
    person = person_create(actor=asset.uploaded_by, full_name=name)
    party_add(asset_id=asset.pk, actor=asset.uploaded_by, role=PartyRole.SUBJECT, person=person)


# --- counts that stop at a cap -----------------------------------------------------------------


def test_counts_stop_at_the_cap_and_say_so(make_asset, editor_client, monkeypatch):
    monkeypatch.setattr(queue_selectors, "COUNT_CAP", 3)
    for _ in range(4):
        make_asset(status=S.IN_REVIEW)
    make_asset(status=S.APPROVED)

    shown = count_spans(editor_client.get(QUEUE))

    assert shown["in_review"] == "3+"
    assert shown["approved"] == "1"
    assert shown["rejected"] == "0"
    assert shown["all"] == "3+"


def test_exact_counts_below_the_cap_follow_the_filters(make_asset, editor_client):
    make_asset(status=S.IN_REVIEW, source=AssetSource.AGENCY)
    make_asset(status=S.IN_REVIEW, source=AssetSource.STAFF)
    make_asset(status=S.APPROVED, source=AssetSource.AGENCY)
    counts = queue_counts(
        queue_filtered(new_user(roles=[Role.EDITOR]), QueueQuery(source="agency")),
        QueueQuery(source="agency"),
    )
    assert counts.total == Tally(2)
    assert counts.per_status[S.IN_REVIEW] == Tally(1)
    assert counts.per_status[S.APPROVED] == Tally(1)
    assert counts.per_status[S.REJECTED] == Tally(0)


def test_a_search_past_its_cap_shows_the_total_only(make_asset, editor_client, monkeypatch):
    monkeypatch.setattr(queue_selectors, "MATCH_COUNT_CAP", 2)
    for status in (S.IN_REVIEW, S.IN_REVIEW, S.APPROVED):
        make_asset(status=status, description="Flood at the harbour")
    make_asset(description="Parade")

    response = editor_client.get(QUEUE, {"q": "harbour"})

    assert count_spans(response) == {"all": "2+"}  # no status says how many it holds
    assert len(rows(response)) == 3  # the list itself is whole


def test_a_search_below_its_cap_counts_each_status(make_asset, editor_client):
    make_asset(status=S.IN_REVIEW, description="Flood at the harbour")
    make_asset(status=S.APPROVED, description="Harbour at dawn")
    make_asset(status=S.APPROVED, description="Parade")
    shown = count_spans(editor_client.get(QUEUE, {"q": "harbour"}))
    assert (shown["all"], shown["in_review"], shown["approved"]) == ("2", "1", "1")


# --- pages past a capped count -----------------------------------------------------------------


def test_pages_past_a_capped_count_keep_going(make_asset, editor_client, monkeypatch):
    monkeypatch.setattr(queue_selectors, "COUNT_CAP", 3)
    assets = [make_asset() for _ in range(2 * QUEUE_PAGE_SIZE + 2)]
    newest_first = [a.pk for a in reversed(assets)]

    second = editor_client.get(QUEUE, {"page": 2})
    third = editor_client.get(QUEUE, {"page": 3})

    assert rows(second) == newest_first[QUEUE_PAGE_SIZE : 2 * QUEUE_PAGE_SIZE]
    # The count stopped at 3, so the pages are "at least" this one and the next.
    assert b"Page 2 of 3+" in second.content
    assert b'rel="next" href="?page=3"' in second.content
    assert rows(third) == newest_first[2 * QUEUE_PAGE_SIZE :]
    assert b'rel="next"' not in third.content


def test_a_page_past_the_end_of_a_capped_list_says_so(make_asset, editor_client, monkeypatch):
    monkeypatch.setattr(queue_selectors, "COUNT_CAP", 1)
    make_asset()
    make_asset()
    response = editor_client.get(QUEUE, {"page": 7})
    assert rows(response) == []
    assert b"Page 7 is past the end of this list." in response.content
    assert b'href="?page=1"' in response.content


def test_a_page_number_past_any_desk_is_ignored(make_asset, editor_client):
    only = make_asset()
    response = editor_client.get(QUEUE, {"page": 10**12})
    assert rows(response) == [only.pk]
    assert b"Some filters were ignored" in response.content


# --- search ------------------------------------------------------------------------------------


def test_a_short_search_matches_a_number_or_a_whole_story(make_asset, editor_client):
    numbered = make_asset(story_ref="ab-elections")
    story = make_asset(story_ref="ab")
    longer = make_asset(original_filename="abc.jpg", story_ref="other")

    by_story = editor_client.get(QUEUE, {"q": "ab"})
    assert rows(by_story) == [story.pk]
    assert b"type three or more" in by_story.content
    assert rows(editor_client.get(QUEUE, {"q": f"#{numbered.pk}"})) == [numbered.pk]
    assert rows(editor_client.get(QUEUE, {"q": "abc"})) == [longer.pk]


def _one_person_on(assets, name: str) -> None:
    person = person_create(actor=assets[0].uploaded_by, full_name=name)
    for asset in assets:
        party_add(asset_id=asset.pk, actor=asset.uploaded_by, role=PartyRole.CREATOR, person=person)


@pytest.mark.parametrize(
    ("list_cap", "lookups"),
    [
        (1000, SEARCH_QUERIES + NAMED_QUERIES),  # the people, then their assets: both listed
        (2, SEARCH_QUERIES + NAMED_QUERIES),  # two people fit, their three assets do not
        (1, SEARCH_QUERIES),  # more people than fit: a subquery by name
    ],
)
def test_people_found_past_the_lists_are_still_found(
    make_asset, editor_client, django_assert_num_queries, monkeypatch, list_cap, lookups
):
    monkeypatch.setattr(queue_selectors, "ID_LIST_CAP", list_cap)
    first, second, third = make_asset(), make_asset(), make_asset()
    _one_person_on([first, second], "Amaia Etxeberria")
    _with_person(third, "Jon Etxeberria")
    make_asset()
    # Parties on the page cost nothing more: they come with their records in one query.
    with django_assert_num_queries(QUEUE_QUERIES + lookups):
        response = editor_client.get(QUEUE, {"q": "etxeberria"})
    assert sorted(rows(response)) == sorted([first.pk, second.pk, third.pk])


def test_a_name_matches_only_where_the_user_may_see_consent(make_asset, reporter):
    """Someone who sees every asset but may see consent only on their own (a reporter who is
    also on the standards desk) finds a name on their own assets only."""
    both = new_user(username="rosa_both", roles=[Role.REPORTER, Role.STANDARDS])
    own = make_asset(uploaded_by=both)
    _with_person(own, "Amaia Etxeberria")
    theirs = make_asset(uploaded_by=reporter)
    _with_person(theirs, "Amaia Etxeberria")
    client = client_for(both)
    assert sorted(rows(client.get(QUEUE))) == sorted([own.pk, theirs.pk])
    assert rows(client.get(QUEUE, {"q": "Etxeberria"})) == [own.pk]


# --- readiness -------------------------------------------------------------------------------


def test_an_acknowledged_report_says_so_and_an_older_acknowledgement_does_not_count(
    make_asset, editor, editor_client
):
    acknowledged = make_asset()
    add_provenance_report(acknowledged, ProvenanceState.INVALID)
    provenance_acknowledge(asset_id=acknowledged.pk, actor=editor, note="Checked with the agency.")
    rechecked = make_asset()
    add_provenance_report(rechecked, ProvenanceState.INVALID)
    provenance_acknowledge(asset_id=rechecked.pk, actor=editor, note="Checked with the agency.")
    add_provenance_report(rechecked, ProvenanceState.INVALID)  # a newer report, not acknowledged

    page = editor_client.get(QUEUE).content.decode()

    def provenance_cell(asset) -> str:
        row = re.search(rf'<tr data-asset="{asset.pk}">.*?</tr>', page, flags=re.S)
        assert row is not None
        cell = re.search(r'data-label="Provenance"[^>]*>([^<]*)<', row.group(0))
        assert cell is not None
        return cell.group(1)

    assert provenance_cell(acknowledged) == "Fails verification, acknowledged"
    assert provenance_cell(rechecked) == "Fails verification"


# --- query counts ------------------------------------------------------------------------------


# "Needs me" for legal reads the approvals waiting for a second one and the open consent
# alerts first (one query each).
LEGAL_NEEDS_ME_QUERIES = 2


@pytest.mark.parametrize("list_cap", [1000, 0])
def test_needs_me_query_count_is_the_same_whatever_the_sets(
    make_asset, legal_client, settings, django_assert_num_queries, monkeypatch, list_cap
):
    monkeypatch.setattr(queue_selectors, "ID_LIST_CAP", list_cap)
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    waiting = [sign_off_directly(make_asset(status=S.APPROVED)) for _ in range(2)]
    # Legal has no bulk form: one query fewer than an editor.
    with django_assert_num_queries(QUEUE_QUERIES - 1 + LEGAL_NEEDS_ME_QUERIES):
        response = legal_client.get(QUEUE, {"needs": "on"})
    assert sorted(rows(response)) == sorted(a.pk for a in waiting)
