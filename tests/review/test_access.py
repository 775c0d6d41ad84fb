"""Who may see an asset and what they may do with it, for every persona, state and action.

The expected table below is written from the issue's rules, not read back from
`review.access.ACTIONS`, so a change to either shows up here. The table runs twice: on an asset
that has everything the sign-off gate asks for (so only role and state decide), and on a bare
one, where the gate refuses what role and state would allow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from review.access import (
    Action,
    Denial,
    can_view_asset,
    get_asset_for_user,
    visible_assets,
)
from review.access import action_denial as decide
from review.models import AssetStatus
from signoff.services import SIGNED_OFF
from tests.readiness import decided as action_denial
from tests.readiness import make_ready_for_signoff, sign_off_directly
from tests.readiness import offered as available_actions

# Every test here uses the database; some only through fixtures chosen at run time, which
# pytest-django cannot see when it orders tests before and after the transactional ones.
pytestmark = pytest.mark.django_db

S = AssetStatus
ALL_STATES = frozenset(S)

# The states each action may start from.
FROM_STATES: dict[Action, frozenset[str]] = {
    Action.APPROVE: frozenset({S.IN_REVIEW}),
    Action.REQUEST_CHANGES: frozenset({S.IN_REVIEW}),
    Action.REJECT: frozenset({S.IN_REVIEW, S.CHANGES_REQUESTED}),
    Action.RESUBMIT: frozenset({S.CHANGES_REQUESTED}),
    Action.WITHDRAW: frozenset(
        {S.RECEIVED, S.CHECKING, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED}
    ),
    Action.MARK_PUBLISHED: frozenset({S.APPROVED}),
    Action.COMMENT: ALL_STATES,
}

# What each persona's role allows on the asset in question, whatever its state.
ROLE_ALLOWS: dict[str, frozenset[Action]] = {
    # A reporter on their own upload.
    "uploader": frozenset({Action.COMMENT, Action.RESUBMIT, Action.WITHDRAW}),
    # A reporter on someone else's upload cannot even see it.
    "other_reporter": frozenset(),
    # An editor on someone else's upload: every reviewer action, but resubmitting is the
    # uploader's.
    "editor": frozenset(
        {
            Action.APPROVE,
            Action.REQUEST_CHANGES,
            Action.REJECT,
            Action.WITHDRAW,
            Action.MARK_PUBLISHED,
            Action.COMMENT,
        }
    ),
    # An editor on their own upload: the uploader's actions, never a review (four-eyes).
    "editor_uploader": frozenset(
        {Action.COMMENT, Action.RESUBMIT, Action.WITHDRAW, Action.MARK_PUBLISHED}
    ),
    "legal": frozenset({Action.COMMENT}),
    "standards": frozenset({Action.COMMENT, Action.MARK_PUBLISHED}),
    "outsider": frozenset(),
    "anonymous": frozenset(),
}

# The actions the sign-off gate guards once role and state allow them: approving needs the
# checklist done, marking published needs a cleared sign-off in force.
GATED = frozenset({Action.APPROVE, Action.MARK_PUBLISHED})


def _persona(request, name: str):
    if name == "anonymous":
        return AnonymousUser()
    if name == "uploader":
        return request.getfixturevalue("reporter")
    if name == "editor_uploader":
        return request.getfixturevalue("editor")
    return request.getfixturevalue(name)


def _uploader_for(request, persona: str):
    return request.getfixturevalue("editor" if persona == "editor_uploader" else "reporter")


def _make_ready(asset) -> None:
    """What the workflow would have left: a sign-off in force on an approved or published
    asset, everything the gate asks for on any other."""
    if asset.status in SIGNED_OFF:
        sign_off_directly(asset)
    else:
        make_ready_for_signoff(asset)


@pytest.mark.parametrize("ready", [True, False], ids=["ready", "bare"])
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("persona", list(ROLE_ALLOWS))
def test_action_denial_for_every_persona_state_and_action(
    request, make_asset, persona, state, ready
):
    asset = make_asset(status=state, uploaded_by=_uploader_for(request, persona))
    if ready:
        _make_ready(asset)
    user = _persona(request, persona)

    found: dict[Action, str | None] = {}
    expected: dict[Action, str | None] = {}
    for action in Action:
        denial = action_denial(asset, user, action)
        found[action] = None if denial is None else denial.kind
        # Role first, then state, then the gate: a reporter is never told about a checklist.
        if action not in ROLE_ALLOWS[persona]:
            expected[action] = "role"
        elif state not in FROM_STATES[action]:
            expected[action] = "state"
        elif action in GATED and not ready:
            expected[action] = "gate"
        else:
            expected[action] = None

    assert found == expected
    # The buttons shown are exactly the actions the server would accept.
    assert set(available_actions(asset, user)) == {a for a, kind in expected.items() if not kind}


def test_editor_cannot_approve_own_upload_four_eyes(make_asset, editor):
    asset = make_asset(uploaded_by=editor)
    denial = action_denial(asset, editor, Action.APPROVE)
    assert denial is not None
    assert denial.kind == "role"
    assert "four-eyes" in denial.message


def test_another_editor_may_approve_an_editors_upload(make_asset, editor, second_editor):
    asset = make_ready_for_signoff(make_asset(uploaded_by=editor))
    assert action_denial(asset, second_editor, Action.APPROVE) is None


@pytest.mark.parametrize("persona", ["editor", "standards"])
def test_marking_published_is_refused_without_a_signoff_in_force(request, make_asset, persona):
    asset = make_asset(status=S.APPROVED)
    user = _persona(request, persona)
    assert action_denial(asset, user, Action.MARK_PUBLISHED) == Denial(
        "gate", "This asset has no sign-off in force."
    )
    assert Action.MARK_PUBLISHED not in available_actions(asset, user)

    sign_off_directly(asset)
    assert action_denial(asset, user, Action.MARK_PUBLISHED) is None


@pytest.mark.parametrize("persona", ["uploader", "legal", "standards"])
def test_non_editors_are_told_their_role_cannot_approve(request, asset, persona):
    denial = action_denial(asset, _persona(request, persona), Action.APPROVE)
    assert denial is not None
    assert denial.kind == "role"
    assert denial.message == "Your role does not allow you to approve assets."


def test_only_the_uploader_may_resubmit(make_asset, editor):
    asset = make_asset(status=S.CHANGES_REQUESTED)
    denial = action_denial(asset, editor, Action.RESUBMIT)
    assert denial is not None
    assert denial.message == "Only the uploader can resubmit for review."


def test_legal_cannot_withdraw(asset, legal):
    denial = action_denial(asset, legal, Action.WITHDRAW)
    assert denial is not None
    assert denial.message == "Only the uploader or an editor can withdraw an asset."


def test_state_denial_says_what_the_asset_is_now(make_asset, editor):
    asset = make_asset(status=S.APPROVED)
    denial = action_denial(asset, editor, Action.APPROVE)
    assert denial is not None
    assert denial.kind == "state"
    assert denial.message == "This asset is approved, so it cannot be approved now."


@pytest.mark.parametrize("persona", ["other_reporter", "outsider", "anonymous"])
def test_no_access_means_no_actions_and_says_so(request, asset, persona):
    user = _persona(request, persona)
    assert available_actions(asset, user) == []
    denial = action_denial(asset, user, Action.COMMENT)
    assert denial is not None
    assert denial.message == "You do not have access to this asset."


@pytest.mark.parametrize(
    ("persona", "sees_reporters", "sees_own"),
    [
        ("other_reporter", False, True),
        ("editor", True, True),
        ("legal", True, True),
        ("standards", True, True),
        # Holding no role, not even their own upload is shown.
        ("outsider", False, False),
    ],
)
def test_visibility(request, make_asset, reporter, persona, sees_reporters, sees_own):
    user = _persona(request, persona)
    reporters_asset = make_asset(uploaded_by=reporter)
    own = make_asset(uploaded_by=user)

    assert can_view_asset(user, reporters_asset) is sees_reporters
    assert can_view_asset(user, own) is sees_own
    expected = {a for a, seen in [(reporters_asset, sees_reporters), (own, sees_own)] if seen}
    assert set(visible_assets(user)) == expected


def test_anonymous_sees_nothing(asset):
    assert can_view_asset(AnonymousUser(), asset) is False
    assert list(visible_assets(AnonymousUser())) == []


def test_get_asset_for_user_answers_404_alike_for_missing_and_forbidden(
    asset, other_reporter, editor
):
    assert get_asset_for_user(editor, asset.pk) == asset
    with pytest.raises(Http404) as missing:
        get_asset_for_user(editor, asset.pk + 1000)
    with pytest.raises(Http404) as forbidden:
        get_asset_for_user(other_reporter, asset.pk)
    assert str(missing.value) == str(forbidden.value)  # not even the message tells them apart


def test_gated_actions_are_refused_when_sign_off_was_not_consulted(make_asset, editor):
    """A caller that forgets to pass the readiness gets a refusal, never a silent approval."""
    ready = make_ready_for_signoff(make_asset())
    refused = decide(ready, editor, Action.APPROVE)
    assert refused is not None
    assert refused.kind == "gate"
    assert action_denial(ready, editor, Action.APPROVE) is None
