"""Every review endpoint: the allowed case, 403, login redirect, 405, 404, and the rows each
change must write. Also htmx fragments versus full pages, and PRG without htmx."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from review.models import AssetStatus, Comment
from tests.conftest import client_for
from tests.readiness import make_ready_for_signoff, sign_off_directly
from workflow import services

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db

S = AssetStatus
HTMX = {"HX-Request": "true"}
HTMX_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


def detail_url(asset_or_pk):
    return reverse("review:asset_detail", args=[getattr(asset_or_pk, "pk", asset_or_pk)])


def action_url(asset_or_pk, action):
    return reverse("review:asset_action", args=[getattr(asset_or_pk, "pk", asset_or_pk), action])


def comment_url(asset_or_pk):
    return reverse("review:asset_comment", args=[getattr(asset_or_pk, "pk", asset_or_pk)])


def media_url(asset_or_pk):
    return reverse("review:asset_media", args=[getattr(asset_or_pk, "pk", asset_or_pk)])


def snapshot(asset):
    """Everything a refused request must leave untouched."""
    asset.refresh_from_db()
    return (
        asset.status,
        asset.status_changed_at,
        AuditEvent.objects.count(),
        Comment.objects.count(),
    )


def assert_login_redirect(response, url):
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


# --- login redirect, outsider, 405, 404 across every endpoint ------------------------------

ENDPOINTS = [
    # (name, method, url builder)
    ("queue", "get", lambda a: reverse("review:queue")),
    ("queue", "post", lambda a: reverse("review:queue")),
    ("upload", "get", lambda a: reverse("review:upload")),
    ("upload", "post", lambda a: reverse("review:upload")),
    ("asset_detail", "get", detail_url),
    ("asset_media", "get", media_url),
    ("asset_comment", "post", comment_url),
    ("asset_action", "post", lambda a: action_url(a, "approve")),
]


@pytest.mark.parametrize(("name", "method", "url"), ENDPOINTS)
def test_anonymous_is_sent_to_login(client, asset, name, method, url):
    before = snapshot(asset)
    response = getattr(client, method)(url(asset))
    assert_login_redirect(response, url(asset))
    assert snapshot(asset) == before


@pytest.mark.parametrize(("name", "method", "url"), ENDPOINTS)
def test_outsider_without_role_gets_403(outsider_client, asset, name, method, url):
    before = snapshot(asset)
    response = getattr(outsider_client, method)(url(asset), {"note": "hi"})
    assert response.status_code == 403
    assert b"Your account has no newsroom role" in response.content
    assert snapshot(asset) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", lambda a: reverse("review:queue")),  # POST is the queue's bulk actions
        ("put", lambda a: reverse("review:upload")),
        ("delete", lambda a: reverse("review:upload")),
        ("post", detail_url),
        ("post", media_url),
        ("get", comment_url),
        ("get", lambda a: action_url(a, "approve")),
    ],
)
def test_wrong_method_is_405(editor_client, asset, method, url):
    before = snapshot(asset)
    response = getattr(editor_client, method)(url(asset))
    assert response.status_code == 405
    assert snapshot(asset) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", detail_url),
        ("get", media_url),
        ("post", comment_url),
        ("post", lambda a: action_url(a, "approve")),
    ],
)
def test_missing_asset_is_404(editor_client, db, method, url):
    response = getattr(editor_client, method)(url(424242), {"note": "x"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("action", ["fly_to_the_moon", "comment"])
def test_unknown_action_is_404(editor_client, asset, action):
    before = snapshot(asset)
    response = editor_client.post(action_url(asset, action), {"note": "x"})
    assert response.status_code == 404
    assert snapshot(asset) == before


# --- asset detail ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("reporter_client", 200),
        ("editor_client", 200),
        ("legal_client", 200),
        ("standards_client", 200),
        ("other_reporter_client", 404),  # as if there were none
    ],
)
def test_detail_access_by_role(request, asset, client_fixture, status):
    response = request.getfixturevalue(client_fixture).get(detail_url(asset))
    assert response.status_code == status
    if status == 200:
        assert asset.original_filename.encode() in response.content
    else:
        assert asset.original_filename.encode() not in response.content
        assert b"No such asset." in response.content


def test_detail_shows_exactly_the_buttons_the_user_may_use(
    asset, reporter_client, editor_client, legal_client
):
    make_ready_for_signoff(asset)  # so that Approve is a live button, not the gate's disabled one
    editor_page = editor_client.get(detail_url(asset)).content.decode()
    for action in ["approve", "request_changes", "reject", "withdraw"]:
        assert f'data-action="{action}"' in editor_page
        assert f'action="{action_url(asset, action)}"' in editor_page
    assert 'data-action="resubmit"' not in editor_page

    reporter_page = reporter_client.get(detail_url(asset)).content.decode()
    assert 'data-action="approve"' not in reporter_page
    assert 'data-action="withdraw"' in reporter_page

    legal_page = legal_client.get(detail_url(asset)).content.decode()
    assert "data-action=" not in legal_page
    assert 'id="comment-body"' in legal_page


def test_uploading_editor_is_told_another_editor_must_review(make_asset, editor, editor_client):
    asset = make_asset(uploaded_by=editor)
    page = editor_client.get(detail_url(asset)).content.decode()
    assert 'data-action="approve"' not in page
    assert "another editor must review it" in page


@pytest.mark.parametrize(
    ("media_kind", "media_type", "tag"),
    [
        ("image", "image/jpeg", "<img"),
        ("video", "video/mp4", "<video"),
        ("audio", "audio/mpeg", "<audio"),
    ],
)
def test_detail_preview_matches_media_kind(make_asset, editor_client, media_kind, media_type, tag):
    asset = make_asset(media_kind=media_kind, media_type=media_type)
    page = editor_client.get(detail_url(asset)).content.decode()
    assert f"{tag} " in page
    assert media_url(asset) in page


def test_detail_shows_timeline_and_comments(asset, editor, reporter_client):
    services.asset_request_changes(asset_id=asset.pk, actor=editor, note="Crop the watermark")
    page = reporter_client.get(detail_url(asset)).content.decode()
    assert "Crop the watermark" in page
    # In words (it printed "asset.request_changes in_review → changes_requested").
    assert "eddie_editor</strong>: Changes requested" in page
    assert "(In review → Changes requested)" in page
    assert "asset.request_changes" not in page


def test_detail_links_duplicates_the_user_may_open(make_asset, editor_client, reporter):
    first = make_asset(uploaded_by=reporter)
    second = make_asset(uploaded_by=reporter, sha256=first.sha256)
    page = editor_client.get(detail_url(second)).content.decode()
    assert f'href="{detail_url(first)}"' in page
    assert "Same file as" in page


def test_detail_hides_duplicates_the_user_may_not_open(
    make_asset, reporter, other_reporter, other_reporter_client
):
    mine = make_asset(uploaded_by=other_reporter)
    theirs = make_asset(uploaded_by=reporter, sha256=mine.sha256)
    page = other_reporter_client.get(detail_url(mine)).content.decode()
    assert detail_url(theirs) not in page
    assert "Same file as" not in page


# --- actions -------------------------------------------------------------------------------


def test_editor_approves_with_prg_redirect(asset, editor, editor_client):
    make_ready_for_signoff(asset)
    before = snapshot(asset)
    response = editor_client.post(action_url(asset, "approve"), {"note": "Source confirmed"})

    assert response.status_code == 302
    assert response["Location"] == detail_url(asset)
    asset.refresh_from_db()
    assert asset.status == S.APPROVED
    event = AuditEvent.objects.for_object(asset).get(action="asset.approve")
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "asset.approve",
        S.IN_REVIEW,
        S.APPROVED,
        editor,
    )
    # The approval and the sign-off it records, nothing else.
    assert AuditEvent.objects.count() == before[2] + 2
    assert AuditEvent.objects.for_object(asset).filter(action="signoff.recorded").count() == 1
    comment = Comment.objects.get()
    assert (comment.asset, comment.author, comment.body) == (asset, editor, "Source confirmed")

    followed = editor_client.get(response["Location"])
    assert b"Approved: cleared for publication." in followed.content


def test_reporter_posting_approve_gets_403_and_nothing_changes(asset, reporter_client):
    before = snapshot(asset)
    response = reporter_client.post(action_url(asset, "approve"), {"note": "ship it"})
    assert response.status_code == 403
    assert b"Your role does not allow you to approve assets." in response.content
    assert snapshot(asset) == before


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject", "mark_published"])
def test_legal_cannot_take_editor_actions(asset, legal_client, action):
    before = snapshot(asset)
    response = legal_client.post(action_url(asset, action), {"note": "a note"})
    assert response.status_code == 403
    assert snapshot(asset) == before


def test_other_reporter_cannot_act_on_someone_elses_asset(asset, other_reporter_client):
    before = snapshot(asset)
    response = other_reporter_client.post(action_url(asset, "withdraw"), {"note": "mine now"})
    assert response.status_code == 404
    assert snapshot(asset) == before


def test_editor_cannot_approve_own_upload(make_asset, editor, editor_client):
    asset = make_asset(uploaded_by=editor)
    before = snapshot(asset)
    response = editor_client.post(action_url(asset, "approve"))
    assert response.status_code == 403
    assert b"four-eyes" in response.content
    assert snapshot(asset) == before


def test_action_in_wrong_state_is_409_naming_who_acted(asset, editor_client, second_editor):
    make_ready_for_signoff(asset)
    services.asset_approve(asset_id=asset.pk, actor=second_editor)
    before = snapshot(asset)

    response = editor_client.post(action_url(asset, "approve"))

    assert response.status_code == 409
    content = response.content.decode()
    assert "This asset is approved, so it cannot be approved now." in content
    assert "erin_editor made it approved at" in content
    assert snapshot(asset) == before


@pytest.mark.parametrize("action", ["request_changes", "reject", "withdraw"])
def test_action_without_required_note_is_400_and_nothing_changes(asset, editor_client, action):
    before = snapshot(asset)
    response = editor_client.post(action_url(asset, action), {"note": "   "})
    assert response.status_code == 400
    assert b"a note is required" in response.content
    assert snapshot(asset) == before


def test_uploader_resubmits_and_withdraws(make_asset, reporter, reporter_client):
    asset = make_asset(status=S.CHANGES_REQUESTED)
    assert reporter_client.post(action_url(asset, "resubmit")).status_code == 302
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW

    response = reporter_client.post(action_url(asset, "withdraw"), {"note": "Wrong photo"})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.status == S.WITHDRAWN
    events = list(AuditEvent.objects.for_object(asset).values_list("action", "actor"))
    assert events == [("asset.resubmit", reporter.pk), ("asset.withdraw", reporter.pk)]


def test_standards_marks_approved_asset_published(make_asset, standards_client):
    asset = sign_off_directly(make_asset(status=S.APPROVED))
    assert standards_client.post(action_url(asset, "mark_published")).status_code == 302
    asset.refresh_from_db()
    assert asset.status == S.PUBLISHED


# --- htmx ------------------------------------------------------------------------------------


def test_htmx_action_returns_the_workflow_fragment(asset, editor_client):
    make_ready_for_signoff(asset)
    response = editor_client.post(action_url(asset, "approve"), headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="workflow"')
    assert "Approved: cleared for publication." in content
    assert "status-approved" in content
    asset.refresh_from_db()
    assert asset.status == S.APPROVED


def test_htmx_refused_action_returns_fragment_with_the_reason(asset, reporter_client):
    response = reporter_client.post(action_url(asset, "approve"), headers=HTMX)
    assert response.status_code == 403
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="workflow"' in content
    assert 'role="alert">Your role does not allow you to approve assets.' in content


def test_htmx_conflict_returns_fragment_with_409(asset, editor_client, second_editor):
    make_ready_for_signoff(asset)
    services.asset_approve(asset_id=asset.pk, actor=second_editor)
    response = editor_client.post(action_url(asset, "approve"), headers=HTMX)
    assert response.status_code == 409
    assert b"<html" not in response.content
    assert b"erin_editor made it approved" in response.content


def test_refused_action_without_htmx_renders_the_full_page(asset, reporter_client):
    response = reporter_client.post(action_url(asset, "approve"))
    assert response.status_code == 403
    assert b"<html" in response.content


def test_detail_workflow_fragment_for_htmx_polling(asset, editor_client):
    url = detail_url(asset) + "?fragment=workflow"
    fragment = editor_client.get(url, headers=HTMX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert fragment.content.lstrip().startswith(b'<section id="workflow"')
    assert "HX-Request" in fragment["Vary"]

    # The back button restores history with an htmx request: it needs the whole page.
    restored = editor_client.get(url, headers=HTMX_RESTORE)
    assert b"<html" in restored.content
    # A plain browser visit to the same URL also gets the whole page.
    assert b"<html" in editor_client.get(url).content


def test_htmx_request_without_fragment_parameter_gets_full_detail(asset, editor_client):
    response = editor_client.get(detail_url(asset), headers=HTMX)
    assert b"<html" in response.content


def test_checking_asset_polls_and_settled_asset_does_not(make_asset, editor_client):
    checking = make_asset(status=S.CHECKING)
    settled = make_asset(status=S.IN_REVIEW)
    assert (
        b'hx-trigger="gate-changed from:body, every 2s"'
        in editor_client.get(detail_url(checking)).content
    )
    assert b'hx-trigger="gate-changed from:body"' in editor_client.get(detail_url(settled)).content


def test_a_later_gate_change_replaces_a_refresh_still_in_flight(asset, editor_client):
    # Two quick saves (classification, then label) fire gate-changed twice; htmx's default
    # drops the second refresh while the first is in flight, leaving a stale checklist.
    page = editor_client.get(detail_url(asset)).content.decode()
    workflow_tag = page[page.index('<section id="workflow"') :].split(">", 1)[0]
    assert 'hx-sync="this:replace"' in workflow_tag


# --- comments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_fixture", ["reporter_client", "editor_client", "legal_client", "standards_client"]
)
def test_comment_allowed_writes_comment_and_event(request, asset, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(comment_url(asset), {"note": "Who took this?"})

    assert response.status_code == 302
    assert response["Location"] == detail_url(asset)
    comment = Comment.objects.get()
    assert comment.body == "Who took this?"
    assert comment.asset == asset
    event = AuditEvent.objects.for_object(asset).get()
    assert event.action == "comment.added"
    assert event.actor == comment.author
    assert event.details["comment_id"] == comment.pk
    asset.refresh_from_db()
    assert asset.status == S.IN_REVIEW


def test_reporter_sees_reviewers_comments(asset, editor_client, reporter_client):
    editor_client.post(comment_url(asset), {"note": "Please add the photographer's name"})
    page = reporter_client.get(detail_url(asset)).content.decode()
    assert "Please add the photographer&#x27;s name" in page


def test_comment_by_reporter_on_others_asset_is_404(asset, other_reporter_client):
    before = snapshot(asset)
    response = other_reporter_client.post(comment_url(asset), {"note": "sneaky"})
    assert response.status_code == 404
    assert snapshot(asset) == before


def test_empty_comment_is_400(asset, editor_client):
    before = snapshot(asset)
    response = editor_client.post(comment_url(asset), {"note": ""})
    assert response.status_code == 400
    assert b"a note is required to comment" in response.content
    assert snapshot(asset) == before


def test_htmx_comment_returns_the_workflow_fragment(asset, editor_client):
    response = editor_client.post(comment_url(asset), {"note": "Looks staged"}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Looks staged" in response.content
    assert b"Comment added." in response.content


# --- pages for other roles -----------------------------------------------------------------


def test_a_role_can_be_added_later_and_takes_effect(asset, outsider):
    outsider.groups.add(Group.objects.get(name="legal"))
    response = client_for(outsider).get(detail_url(asset))
    assert response.status_code == 200


# --- CSRF ----------------------------------------------------------------------------------


def test_action_without_csrf_token_is_refused(asset, editor):
    make_ready_for_signoff(asset)  # with the token, this approval would go through
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    before = snapshot(asset)
    response = client.post(action_url(asset, "approve"))
    assert response.status_code == 403
    assert snapshot(asset) == before


def test_htmx_requests_carry_the_csrf_token_from_the_body(asset, editor):
    """The page puts the token in `hx-headers` on <body>; an htmx POST sending it is accepted."""
    make_ready_for_signoff(asset)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(detail_url(asset)).content.decode()
    found = re.search(r"<body hx-headers='([^']*)'", page)
    assert found is not None
    hx_headers = json.loads(found.group(1))

    response = client.post(action_url(asset, "approve"), headers={**HTMX, **hx_headers})

    assert response.status_code == 200
    asset.refresh_from_db()
    assert asset.status == S.APPROVED
