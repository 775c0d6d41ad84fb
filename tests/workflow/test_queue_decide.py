"""The queue helps people decide (issue 14, item 7): filters that compose and stay in every link,
sortable columns, readiness columns in a fixed number of queries, "needs me" per role, search
over people (only those the user may see) and bulk actions that go through the services."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from audit.models import AuditEvent
from consent.models import ConsentRecord, PartyRole
from consent.services import consent_revoke, party_add, person_create
from review.models import Asset, AssetSource, AssetStatus, Comment
from tests.consent.helpers import record_consent
from tests.readiness import add_provenance_report, make_ready_for_signoff, sign_off_directly
from tests.workflow.test_queue import QUEUE, QUEUE_QUERIES, rows

pytestmark = pytest.mark.django_db

S = AssetStatus
HTMX = {"HX-Request": "true"}


def content(response) -> str:
    return str(response.content.decode())


def hrefs(response) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(\?[^"]*)"', content(response))]


# --- filters compose --------------------------------------------------------------------------


def test_every_link_keeps_the_other_filters(make_asset, editor_client):
    make_asset(source=AssetSource.AGENCY, story_ref="harbour")
    response = editor_client.get(
        QUEUE, {"status": "in_review", "source": "agency", "q": "harbour", "sort": "story"}
    )
    links = hrefs(response)
    tab = next(h for h in links if "status=approved" in h)
    assert "source=agency" in tab and "q=harbour" in tab and "sort=story" in tab
    sort_link = next(h for h in links if "sort=-updated" in h)
    assert "status=in_review" in sort_link and "source=agency" in sort_link
    # The status tab and the sort ride along with the filter form, so changing the source
    # (a form submission) keeps them.
    page = content(response)
    assert '<input type="hidden" name="status" value="in_review" form="queue-filters">' in page
    assert '<input type="hidden" name="sort" value="story" form="queue-filters">' in page
    assert 'id="queue-filters"' in page


def test_a_new_source_keeps_the_status_tab(make_asset, editor_client):
    wanted = make_asset(source=AssetSource.AGENCY, status=S.APPROVED)
    make_asset(source=AssetSource.AGENCY, status=S.IN_REVIEW)
    make_asset(source=AssetSource.STAFF, status=S.APPROVED)
    # What the filter form sends once the source changes on the "Approved" tab.
    response = editor_client.get(QUEUE, {"q": "", "source": "agency", "status": "approved"})
    assert rows(response) == [wanted.pk]
    assert re.search(r'status=approved"\s+class="active"', content(response))


# --- sorting ----------------------------------------------------------------------------------


def test_sort_by_story_both_ways_with_aria_sort(make_asset, editor_client):
    b = make_asset(story_ref="b-story")
    a = make_asset(story_ref="a-story")
    c = make_asset(story_ref="c-story")

    ascending = editor_client.get(QUEUE, {"sort": "story"})
    assert rows(ascending) == [a.pk, b.pk, c.pk]
    assert re.search(
        r'<th scope="col" class="sortable" aria-sort="ascending"><a[^>]*>Story', content(ascending)
    )
    assert content(ascending).count("aria-sort=") == 1
    # The sorted column's link turns the order round; it works without JavaScript (an href).
    assert "?sort=-story" in hrefs(ascending)

    descending = editor_client.get(QUEUE, {"sort": "-story"})
    assert rows(descending) == [c.pk, b.pk, a.pk]
    assert 'aria-sort="descending"' in content(descending)


def test_sort_by_status_follows_the_workflow_and_by_updated(make_asset, editor_client):
    approved = make_asset(status=S.APPROVED)
    received = make_asset(status=S.RECEIVED)
    review = make_asset(status=S.IN_REVIEW)
    assert rows(editor_client.get(QUEUE, {"sort": "status"})) == [
        received.pk,
        review.pk,
        approved.pk,
    ]

    Asset.objects.filter(pk=received.pk).update(updated_at=received.updated_at.replace(year=2001))
    assert rows(editor_client.get(QUEUE, {"sort": "updated"}))[0] == received.pk
    assert rows(editor_client.get(QUEUE, {"sort": "-updated"}))[-1] == received.pk


def test_default_order_is_newest_first_and_a_bad_sort_falls_back(make_asset, editor_client):
    older, newer = make_asset(), make_asset()
    assert rows(editor_client.get(QUEUE)) == [newer.pk, older.pk]
    response = editor_client.get(QUEUE, {"sort": "password"})
    assert response.status_code == 200
    assert rows(response) == [newer.pk, older.pk]
    assert re.search(r'aria-sort="descending"><a[^>]*>Received', content(response))


# --- readiness columns ------------------------------------------------------------------------


def _cells(response, asset) -> dict[str, str]:
    row = re.search(rf'<tr data-asset="{asset.pk}">(.*?)</tr>', content(response), re.S)
    assert row is not None
    cells = re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row.group(1), re.S)
    return {label: re.sub(r"<[^>]+>|\s+", " ", text).strip() for label, text in cells}


def test_each_row_names_kind_source_assignee_and_times_in_the_desk_time_zone(
    make_asset, editor, second_editor, editor_client, settings
):
    settings.TIME_ZONE = "Europe/Madrid"
    mine = make_asset(assigned_to=editor, source=AssetSource.AGENCY, media_kind="video")
    theirs = make_asset(assigned_to=second_editor)
    nobody = make_asset()
    Asset.objects.filter(pk=nobody.pk).update(
        created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
        updated_at=datetime(2026, 7, 2, 10, 30, tzinfo=UTC),
    )

    response = editor_client.get(QUEUE)

    assert _cells(response, mine)["Assigned"] == "You"
    assert _cells(response, mine)["Asset"].endswith("Video · Agency / wire")
    assert _cells(response, theirs)["Assigned"] == second_editor.username
    assert _cells(response, nobody)["Assigned"] == "—"
    row = re.search(rf'<tr data-asset="{nobody.pk}">(.*?)</tr>', content(response), re.S)
    assert row is not None
    # Summer in Madrid: two hours ahead of UTC.
    assert '<time datetime="2026-07-02T12:30:00+02:00">' in row.group(1)
    assert '<time datetime="2026-07-01T12:00:00+02:00">' in row.group(1)


def test_readiness_columns_say_what_is_missing(make_asset, editor_client):
    ready = make_ready_for_signoff(make_asset())
    bare = make_asset()
    checked = make_asset()
    add_provenance_report(checked, state="trusted")

    response = editor_client.get(QUEUE)

    ready_cells = _cells(response, ready)
    assert ready_cells["Provenance"] == "No credentials"
    assert ready_cells["Consent"] == "Complete"
    assert ready_cells["Label"] == "Not needed"
    assert ready_cells["Ready for sign-off"] == "✓ Ready"
    bare_cells = _cells(response, bare)
    assert bare_cells["Provenance"] == "Not checked yet"
    assert bare_cells["Consent"] == "Incomplete"
    assert bare_cells["Label"] == "Not classified"
    assert bare_cells["Ready for sign-off"].startswith("✗ Not ready")
    assert "consent complete or waived" in bare_cells["Ready for sign-off"]
    assert _cells(response, checked)["Provenance"] == "Trusted"


def test_an_approved_asset_says_where_its_signoff_stands(make_asset, editor_client, settings):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    waiting = sign_off_directly(make_asset(status=S.APPROVED))
    cells = _cells(editor_client.get(QUEUE), waiting)
    assert cells["Ready for sign-off"] == "Waiting for second approval"


@pytest.mark.parametrize("n_assets", [2, 12])
def test_readiness_query_count_does_not_grow_with_rows_or_parties(
    make_asset, reporter, editor_client, django_assert_num_queries, n_assets
):
    for i in range(n_assets):
        asset = make_ready_for_signoff(make_asset())
        person = person_create(actor=reporter, full_name=f"Subject {i}")
        party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
        record_consent(party, collected_by=reporter)
    # Parties on the page come with their consent records, in the readiness's one query.
    with django_assert_num_queries(QUEUE_QUERIES):
        response = editor_client.get(QUEUE)
    assert len(rows(response)) == n_assets
    assert content(response).count("✓ Ready") == n_assets


# --- needs me -----------------------------------------------------------------------------------


def test_needs_me_for_an_editor(make_asset, editor, second_editor, editor_client):
    waiting = make_asset()
    mine = make_asset(uploaded_by=editor)
    taken = make_asset()
    Asset.objects.filter(pk=taken.pk).update(assigned_to=second_editor)
    mine_taken = make_asset()
    Asset.objects.filter(pk=mine_taken.pk).update(assigned_to=editor)
    make_asset(status=S.APPROVED)
    assert sorted(rows(editor_client.get(QUEUE, {"needs": "on"}))) == sorted(
        [waiting.pk, mine_taken.pk]
    )
    assert mine.pk not in rows(editor_client.get(QUEUE, {"needs": "on"}))


def test_needs_me_for_a_reporter(make_asset, reporter_client):
    sent_back = make_asset(status=S.CHANGES_REQUESTED)
    make_asset(status=S.IN_REVIEW)
    assert rows(reporter_client.get(QUEUE, {"needs": "on"})) == [sent_back.pk]


@pytest.mark.parametrize("client_fixture", ["legal_client", "standards_client"])
def test_needs_me_for_second_approvers(request, make_asset, settings, client_fixture):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    waiting = sign_off_directly(make_asset(status=S.APPROVED))
    settings.SIGNOFF_SECOND_APPROVAL = "never"
    sign_off_directly(make_asset(status=S.APPROVED))  # cleared already
    make_asset(status=S.IN_REVIEW)
    client = request.getfixturevalue(client_fixture)
    assert rows(client.get(QUEUE, {"needs": "on"})) == [waiting.pk]


def test_needs_me_for_legal_includes_consent_alerts(make_asset, legal, legal_client):
    published = sign_off_directly(make_asset(status=S.PUBLISHED))
    record = ConsentRecord.objects.get(asset=published)
    consent_revoke(record_id=record.pk, actor=legal, how="E-mail from the creator")
    make_asset(status=S.PUBLISHED)
    assert rows(legal_client.get(QUEUE, {"needs": "on"})) == [published.pk]


# --- search -------------------------------------------------------------------------------------


def _with_person(asset: Asset, name: str) -> None:
    person = person_create(actor=asset.uploaded_by, full_name=name)
    party_add(asset_id=asset.pk, actor=asset.uploaded_by, role=PartyRole.SUBJECT, person=person)


def test_search_finds_descriptions_numbers_and_people(make_asset, editor_client):
    described = make_asset(description="Fire at the old mill")
    with_person = make_asset()
    _with_person(with_person, "Amaia Etxeberria")
    make_asset()
    assert rows(editor_client.get(QUEUE, {"q": "old mill"})) == [described.pk]
    assert rows(editor_client.get(QUEUE, {"q": "etxeberria"})) == [with_person.pk]
    assert rows(editor_client.get(QUEUE, {"q": f"#{described.pk}"})) == [described.pk]
    assert rows(editor_client.get(QUEUE, {"q": "99999999999999999999999"})) == []


def test_search_by_name_is_not_an_oracle(make_asset, legal_client, standards_client):
    asset = make_asset()
    _with_person(asset, "Amaia Etxeberria")
    # Legal sees everyone on file; standards sees the asset but not the people on it, so the
    # name matches nothing for them.
    assert rows(legal_client.get(QUEUE, {"q": "Etxeberria"})) == [asset.pk]
    assert rows(standards_client.get(QUEUE, {"q": "Etxeberria"})) == []
    assert rows(standards_client.get(QUEUE)) == [asset.pk]


# --- bulk actions -------------------------------------------------------------------------------


def _bulk(client, action, ids, htmx=True, **extra):
    data = {"action": action, "asset": [str(i) for i in ids], **extra}
    headers = HTMX if htmx else {}
    return client.post(f"{QUEUE}?status=in_review", data, headers=headers)


def test_bulk_request_changes_goes_through_the_service_per_asset(make_asset, editor, editor_client):
    other = make_asset()
    own = make_asset(uploaded_by=editor)
    approved = make_asset(status=S.APPROVED)
    response = _bulk(
        editor_client, "request_changes", [other.pk, own.pk, approved.pk], note="Crop the logo."
    )
    assert response.status_code == 200
    page = content(response)
    assert page.lstrip().startswith('<section id="results"')
    assert re.search(rf'class="done" data-asset="{other.pk}">.*Sent back for changes', page)
    assert re.search(rf'class="refused" data-asset="{own.pk}">.*four-eyes', page)
    assert re.search(rf'class="refused" data-asset="{approved.pk}">.*approved', page)

    for asset in (other, own, approved):
        asset.refresh_from_db()
    assert (other.status, own.status, approved.status) == (
        S.CHANGES_REQUESTED,
        S.IN_REVIEW,
        S.APPROVED,
    )
    assert list(Comment.objects.values_list("asset_id", "body")) == [(other.pk, "Crop the logo.")]
    assert AuditEvent.objects.filter(action="asset.request_changes").count() == 1

    # The same form sent again (a double click) changes nothing more.
    again = _bulk(editor_client, "request_changes", [other.pk], note="Crop the logo.")
    assert re.search(rf'class="refused" data-asset="{other.pk}">', content(again))
    assert Comment.objects.count() == 1
    assert AuditEvent.objects.filter(action="asset.request_changes").count() == 1


def test_bulk_request_changes_needs_a_note(make_asset, editor_client):
    asset = make_asset()
    response = _bulk(editor_client, "request_changes", [asset.pk], note="  ")
    assert response.status_code == 400
    assert "the note is required" in content(response)
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW


def test_bulk_assign_to_me_and_to_another_editor(make_asset, editor, second_editor, editor_client):
    other = make_asset()
    own = make_asset(uploaded_by=editor)
    _bulk(editor_client, "assign_me", [other.pk, own.pk])
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.assigned_to_id == editor.pk
    assert own.assigned_to_id is None  # four-eyes: not the reviewer of their own upload
    assert _cells(editor_client.get(QUEUE), other)["Assigned"] == "You"
    events = AuditEvent.objects.filter(action="asset.assigned")
    assert events.count() == 1

    _bulk(editor_client, "assign_me", [other.pk])  # again: nothing to write
    assert events.count() == 1

    response = _bulk(editor_client, "assign", [other.pk], assignee=str(second_editor.pk))
    assert f"Assigned to {second_editor.username}" in content(response)
    other.refresh_from_db()
    assert other.assigned_to_id == second_editor.pk

    _bulk(editor_client, "unassign", [other.pk])
    other.refresh_from_db()
    assert other.assigned_to_id is None
    assert events.count() == 3


def test_bulk_assign_refuses_a_reporter_as_assignee_and_closed_assets(
    make_asset, reporter, editor_client
):
    approved = make_asset(status=S.APPROVED)
    response = _bulk(editor_client, "assign_me", [approved.pk])
    assert "nobody needs to take it on" in content(response)
    # Only editors are offered; a forged choice is refused by the form.
    forged = _bulk(editor_client, "assign", [approved.pk], assignee=str(reporter.pk))
    assert forged.status_code == 400
    approved.refresh_from_db()
    assert approved.assigned_to_id is None


def test_bulk_reports_unknown_assets(editor_client):
    response = _bulk(editor_client, "assign_me", [987654])
    assert "#987654: No such asset." in content(response)


def test_bulk_is_for_editors_only(make_asset, reporter_client, legal_client):
    asset = make_asset()
    for client in (reporter_client, legal_client):
        response = _bulk(client, "request_changes", [asset.pk], note="x")
        assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
    assert b'id="bulk"' not in reporter_client.get(QUEUE).content


def test_bulk_without_javascript_redirects_back_with_a_message_per_asset(make_asset, editor_client):
    asset = make_asset()
    response = _bulk(editor_client, "request_changes", [asset.pk], htmx=False, note="Wrong date")
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?status=in_review"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [f"#{asset.pk} {asset.original_filename}: Sent back for changes."]


def test_bulk_is_csrf_protected(make_asset, editor):
    asset = make_asset()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = _bulk(client, "request_changes", [asset.pk], note="No token")
    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW
