"""The sign-off endpoints (the second approval, the acknowledgement of failing credentials) and
what the asset page shows of the sign-off: the checklist with its fix links, Approve disabled
(and described) while the gate fails, enabled once the asset is ready."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from accounts.roles import Role
from audit.models import AuditEvent
from provenance.states import ProvenanceState
from review.access import Action
from review.models import AssetStatus
from signoff.events import asset_cleared
from signoff.gate import signoff_gate
from signoff.models import ProvenanceAcknowledgement, SignOff
from tests.conftest import client_for
from tests.readiness import (
    add_provenance_report,
    decided,
    make_ready_for_signoff,
    sign_off_directly,
)
from tests.review.helpers import new_user
from workflow.services import asset_approve

pytestmark = pytest.mark.django_db

S = AssetStatus
HTMX = {"HX-Request": "true"}
ACK_NOTE = "The agency re-encoded the file; we confirmed the original with them by phone."


def detail_url(asset):
    return reverse("review:asset_detail", args=[asset.pk])


def second_url(asset_or_pk):
    return reverse("review:second_approve", args=[getattr(asset_or_pk, "pk", asset_or_pk)])


def ack_url(asset_or_pk):
    return reverse("review:acknowledge_provenance", args=[getattr(asset_or_pk, "pk", asset_or_pk)])


def unchanged(asset):
    """Everything a refused request must leave as it was."""
    asset.refresh_from_db()
    return (
        asset.status,
        list(SignOff.objects.values()),
        ProvenanceAcknowledgement.objects.count(),
        AuditEvent.objects.count(),
    )


def checklist(content: str) -> dict[str, tuple[str, str | None]]:
    """The sign-off checklist on a page: title -> (ok or missing, the Fix link or None)."""
    start = content.index('<section id="signoff"')
    section = content[start : content.index("</section>", start)]
    items: dict[str, tuple[str, str | None]] = {}
    for state, body in re.findall(r'<li class="(ok|missing)">(.*?)</li>', section, re.S):
        title = re.search(r"<strong>(.*?)</strong>", body)
        assert title is not None
        fix = re.search(r'<a href="([^"]+)">Fix</a>', body)
        items[title.group(1)] = (state, fix.group(1) if fix else None)
    return items


@pytest.fixture
def awaiting_second(asset, editor, settings):
    """Approved by the editor under a rule that asks every asset for a second approval."""
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    make_ready_for_signoff(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    signoff = SignOff.objects.get(asset=asset)
    assert signoff.requires_second and signoff.cleared_at is None
    return asset


@pytest.fixture
def failing_credentials(asset):
    """Ready but for the latest provenance report, whose credentials fail verification."""
    make_ready_for_signoff(asset)
    add_provenance_report(asset, state=ProvenanceState.INVALID)
    return asset


# --- login, roles, methods, missing assets -------------------------------------------------

ENDPOINTS = [second_url, ack_url]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_sent_to_login(client, asset, url):
    before = unchanged(asset)
    response = client.post(url(asset), {"note": ACK_NOTE})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(asset)}"
    assert unchanged(asset) == before


@pytest.mark.parametrize("url", ENDPOINTS)
def test_outsider_without_role_gets_403(outsider_client, asset, url):
    before = unchanged(asset)
    response = outsider_client.post(url(asset), {"note": ACK_NOTE})
    assert response.status_code == 403
    assert unchanged(asset) == before


@pytest.mark.parametrize("url", ENDPOINTS)
def test_someone_who_cannot_see_the_asset_gets_404(other_reporter_client, asset, url):
    before = unchanged(asset)
    response = other_reporter_client.post(url(asset), {"note": ACK_NOTE})
    assert response.status_code == 404  # as if there were none: no oracle for asset ids
    assert unchanged(asset) == before


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_anything_but_post_is_405(editor_client, standards_client, awaiting_second, url, method):
    before = unchanged(awaiting_second)
    for client in (editor_client, standards_client):
        assert getattr(client, method)(url(awaiting_second)).status_code == 405
    assert unchanged(awaiting_second) == before


@pytest.mark.parametrize("url", ENDPOINTS)
def test_missing_asset_is_404(standards_client, editor_client, db, url):
    assert standards_client.post(url(424242), {"note": ACK_NOTE}).status_code == 404
    assert editor_client.post(url(424242), {"note": ACK_NOTE}).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the second approval ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["legal", "standards"])
def test_legal_or_standards_give_the_second_approval_and_clear_the_asset(
    request, awaiting_second, editor, persona
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    cleared = []
    asset_cleared.connect(lambda **kw: cleared.append(kw), weak=False, dispatch_uid="test-2nd")
    try:
        response = client.post(second_url(awaiting_second), {"note": "  Checked the release.  "})
    finally:
        asset_cleared.disconnect(dispatch_uid="test-2nd")

    assert response.status_code == 302
    assert response["Location"] == detail_url(awaiting_second)
    signoff = SignOff.objects.get(asset=awaiting_second)
    assert (signoff.second_by, signoff.approved_by) == (user, editor)
    assert signoff.second_at is not None
    assert signoff.cleared_at == signoff.second_at
    assert signoff.voided_at is None
    event = AuditEvent.objects.for_object(awaiting_second).get(action="signoff.second_approved")
    assert event.actor == user
    assert event.details == {"signoff_id": signoff.pk, "note": "Checked the release."}
    assert [(kw["signoff"].pk, kw["reason"]) for kw in cleared] == [(signoff.pk, "second_approval")]
    awaiting_second.refresh_from_db()
    assert awaiting_second.status == S.APPROVED
    # Cleared: now it may be marked as published.
    assert decided(awaiting_second, editor, Action.MARK_PUBLISHED) is None

    page = client.get(response["Location"]).content.decode()
    assert "Second approval recorded: cleared." in page
    assert "Cleared for publication." in page


def test_htmx_second_approval_returns_the_workflow_fragment(awaiting_second, standards_client):
    response = standards_client.post(second_url(awaiting_second), headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="workflow"')
    assert 'role="status">Second approval recorded: cleared.' in content
    assert SignOff.objects.get(asset=awaiting_second).cleared_at is not None


@pytest.mark.parametrize("client_fixture", ["editor_client", "second_editor_client"])
def test_an_editor_cannot_give_the_second_approval(request, awaiting_second, client_fixture):
    before = unchanged(awaiting_second)
    response = request.getfixturevalue(client_fixture).post(second_url(awaiting_second))
    assert response.status_code == 403
    assert b"Only legal or standards give the second approval." in response.content
    assert unchanged(awaiting_second) == before


def test_the_uploader_cannot_give_the_second_approval(awaiting_second, reporter_client):
    before = unchanged(awaiting_second)
    response = reporter_client.post(second_url(awaiting_second), headers=HTMX)
    assert response.status_code == 403
    assert b"<html" not in response.content
    assert unchanged(awaiting_second) == before


def test_the_approver_cannot_give_their_own_second_approval(asset, settings):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    # Holds both roles: may approve, and may give second approvals, but not to themselves.
    both = new_user(username="dana_both", roles=[Role.EDITOR, Role.STANDARDS])
    make_ready_for_signoff(asset)
    asset_approve(asset_id=asset.pk, actor=both)
    before = unchanged(asset)

    response = client_for(both).post(second_url(asset))

    assert response.status_code == 409
    assert b"The second approval must come from someone else." in response.content
    assert unchanged(asset) == before


def test_the_uploader_holding_a_second_approval_role_is_refused(make_asset, editor, settings):
    settings.SIGNOFF_SECOND_APPROVAL = "always"
    uploader = new_user(username="uma_uploader", roles=[Role.REPORTER, Role.STANDARDS])
    asset = make_ready_for_signoff(make_asset(uploaded_by=uploader))
    asset_approve(asset_id=asset.pk, actor=editor)
    before = unchanged(asset)

    response = client_for(uploader).post(second_url(asset))

    assert response.status_code == 409
    assert b"The second approval must come from someone else." in response.content
    assert unchanged(asset) == before


def test_second_approval_without_an_approval_waiting_is_409(asset, standards_client):
    make_ready_for_signoff(asset)  # in review: nothing approved yet
    before = unchanged(asset)
    response = standards_client.post(second_url(asset))
    assert response.status_code == 409
    assert b"This asset has no approval waiting for a second approval." in response.content
    assert unchanged(asset) == before


def test_second_approval_of_an_approval_that_needs_none_is_409(make_asset, standards_client):
    asset = sign_off_directly(make_asset(status=S.APPROVED))  # no person depicted: cleared
    before = unchanged(asset)
    response = standards_client.post(second_url(asset))
    assert response.status_code == 409
    assert b"This approval needs no (further) second approval." in response.content
    assert unchanged(asset) == before


def test_second_approval_given_twice_is_409_the_second_time(
    awaiting_second, legal_client, standards_client
):
    assert legal_client.post(second_url(awaiting_second)).status_code == 302
    before = unchanged(awaiting_second)
    response = standards_client.post(second_url(awaiting_second))
    assert response.status_code == 409
    assert b"needs no (further) second approval" in response.content
    assert unchanged(awaiting_second) == before


# --- acknowledging failing credentials -------------------------------------------------------


def test_an_editor_acknowledges_failing_credentials_with_a_note(
    failing_credentials, editor, editor_client
):
    asset = failing_credentials
    assert not signoff_gate(asset, editor).passed
    report = asset.provenance_reports.order_by("-created_at", "-pk").first()

    response = editor_client.post(ack_url(asset), {"note": f"  {ACK_NOTE}  "})

    assert response.status_code == 302
    assert response["Location"] == detail_url(asset)
    ack = ProvenanceAcknowledgement.objects.get()
    assert (ack.asset, ack.report, ack.by, ack.note) == (asset, report, editor, ACK_NOTE)
    event = AuditEvent.objects.for_object(asset).get(action="signoff.provenance_acknowledged")
    assert event.actor == editor
    assert event.details == {
        "report_id": report.pk,
        "state": ProvenanceState.INVALID,
        "note": ACK_NOTE,
    }
    # The checklist's provenance item is done, and with it the whole checklist.
    assert signoff_gate(asset, editor).passed
    page = editor_client.get(response["Location"]).content.decode()
    assert "Acknowledged, with your note." in page
    assert 'id="ack-note"' not in page
    assert 'data-action="approve"' in page


def test_htmx_acknowledgement_returns_the_workflow_fragment(failing_credentials, editor_client):
    response = editor_client.post(ack_url(failing_credentials), {"note": ACK_NOTE}, headers=HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="workflow"')
    assert 'role="status">Acknowledged, with your note.' in content
    assert ProvenanceAcknowledgement.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["reporter_client", "legal_client", "standards_client"])
def test_only_an_editor_may_acknowledge(request, failing_credentials, client_fixture):
    before = unchanged(failing_credentials)
    response = request.getfixturevalue(client_fixture).post(
        ack_url(failing_credentials), {"note": ACK_NOTE}
    )
    assert response.status_code == 403
    assert b"Only an editor can acknowledge credentials." in response.content
    assert unchanged(failing_credentials) == before


@pytest.mark.parametrize("note", ["", "   ", "ok", "  too short "])
def test_acknowledgement_without_a_sentence_is_400(failing_credentials, editor_client, note):
    before = unchanged(failing_credentials)
    response = editor_client.post(ack_url(failing_credentials), {"note": note}, headers=HTMX)
    assert response.status_code == 400
    assert b"<html" not in response.content
    assert b"Say why the asset may go ahead despite its credentials" in response.content
    assert unchanged(failing_credentials) == before


def test_acknowledgement_without_a_report_is_400(asset, editor_client):
    before = unchanged(asset)
    response = editor_client.post(ack_url(asset), {"note": ACK_NOTE})
    assert response.status_code == 400
    assert b"There is no provenance report to acknowledge yet." in response.content
    assert unchanged(asset) == before


def test_the_acknowledgement_form_is_shown_to_editors_when_credentials_fail(
    failing_credentials, editor_client, reporter_client
):
    page = editor_client.get(detail_url(failing_credentials)).content.decode()
    assert f'action="{ack_url(failing_credentials)}"' in page
    assert 'id="ack-note"' in page
    assert "acknowledge this with a note first" in page
    reporter_page = reporter_client.get(detail_url(failing_credentials)).content.decode()
    assert ack_url(failing_credentials) not in reporter_page


# --- the checklist and Approve on the asset page ---------------------------------------------

DISABLED_APPROVE = (
    '<button type="button" class="primary" disabled aria-describedby="approve-blocked">'
    "Approve</button>"
)


def test_the_page_lists_each_item_with_a_link_to_fix_it(asset, editor_client):
    content = editor_client.get(detail_url(asset)).content.decode()
    assert checklist(content) == {
        "Provenance checked": ("missing", detail_url(asset) + "#provenance"),
        "Consent complete or waived": ("missing", reverse("consent:asset", args=[asset.pk])),
        "Label set where required": ("missing", reverse("labeling:panel", args=[asset.pk])),
        "Reviewer is an editor, not the uploader": ("ok", None),
    }
    assert "the provenance check has not finished." in content
    assert "No creator recorded: add who made this media." in content
    assert "classify the asset." in content


def test_approve_is_disabled_and_described_while_the_gate_fails(asset, editor_client):
    content = editor_client.get(detail_url(asset)).content.decode()
    assertInHTML(DISABLED_APPROVE, content, count=1)
    # The description the button points at exists, and says where to look.
    assertInHTML(
        '<p id="approve-blocked" class="help">'
        "Not yet: the sign-off checklist below says what is missing.</p>",
        content,
        count=1,
    )
    assert "<strong>Approve is disabled</strong> until every item below is done." in content
    # No live Approve form to submit.
    approve_url = reverse("review:asset_action", args=[asset.pk, "approve"])
    assert approve_url not in content
    assert 'data-action="approve"' not in content
    # The other reviewer actions stay live.
    assert 'data-action="request_changes"' in content


def test_approve_is_enabled_once_the_asset_is_ready(asset, editor_client):
    make_ready_for_signoff(asset)
    content = editor_client.get(detail_url(asset)).content.decode()
    assert {state for state, _fix in checklist(content).values()} == {"ok"}
    assert all(fix is None for _state, fix in checklist(content).values())
    assert "Everything is in place: an editor may approve." in content
    approve_url = reverse("review:asset_action", args=[asset.pk, "approve"])
    assert f'action="{approve_url}"' in content
    assert 'data-action="approve"' in content
    assert 'aria-describedby="approve-blocked"' not in content
    assert 'id="approve-blocked"' not in content


@pytest.mark.parametrize("client_fixture", ["reporter_client", "legal_client", "standards_client"])
def test_no_disabled_approve_for_those_who_may_never_approve(request, asset, client_fixture):
    content = request.getfixturevalue(client_fixture).get(detail_url(asset)).content.decode()
    assert 'aria-describedby="approve-blocked"' not in content
    assert 'data-action="approve"' not in content
    # They still see what is missing, and that only an editor can approve.
    assert checklist(content)["Reviewer is an editor, not the uploader"] == ("missing", None)
    assert "only an editor can approve." in content


def test_no_disabled_approve_for_the_uploading_editor(make_asset, editor, editor_client):
    asset = make_ready_for_signoff(make_asset(uploaded_by=editor))
    content = editor_client.get(detail_url(asset)).content.decode()
    assert 'aria-describedby="approve-blocked"' not in content
    assert 'data-action="approve"' not in content
    assert "another editor must review it" in content
    assert "you uploaded this asset (four-eyes rule)." in content


def test_an_approved_asset_shows_its_signoff_instead_of_the_checklist(
    make_asset, editor, editor_client
):
    asset = sign_off_directly(make_asset(status=S.APPROVED), approver=editor)
    content = editor_client.get(detail_url(asset)).content.decode()
    assert "Approved by <strong>eddie_editor</strong>" in content
    assert "Cleared for publication." in content
    signoff = SignOff.objects.get(asset=asset)
    assert signoff.content_hash[:16] in content
    assert 'class="checklist"' not in content
    assert 'data-action="mark_published"' in content


def test_the_second_approval_form_is_shown_to_legal_and_standards_only(
    awaiting_second, editor_client, legal_client, standards_client
):
    for client in (legal_client, standards_client):
        content = client.get(detail_url(awaiting_second)).content.decode()
        assert "Waiting for a second approval:" in content
        assert f'action="{second_url(awaiting_second)}"' in content
    editor_page = editor_client.get(detail_url(awaiting_second)).content.decode()
    assert "Waiting for a second approval:" in editor_page
    assert second_url(awaiting_second) not in editor_page
    # Not cleared yet: it may not be marked as published.
    assert 'data-action="mark_published"' not in editor_page
