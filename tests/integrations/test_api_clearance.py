"""Reading clearances: the list of cleared assets (filters, pagination, constant queries) and
one asset's clearance (cleared, waiting for a second approval, not cleared with the gate's
reasons), with no personal data in any answer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import PartyRole, WaiverBasis
from consent.services import party_add, person_create, waiver_grant
from integrations import clearance as clearance_module
from integrations.models import DEFAULT_SCOPES, EventType, OutboxEvent, TokenScope
from integrations.outbox import iso
from integrations.tokens import integration_create
from review.models import AssetStatus
from signoff.services import signoff_recheck, signoff_void
from tests.consent.helpers import record_consent
from tests.integrations.api_helpers import (
    assert_problem,
    clear,
    cleared_labeled_asset,
    cleared_plain_asset,
)
from tests.readiness import make_ready_for_signoff

pytestmark = pytest.mark.django_db


def clearance(api, asset_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/assets/{asset_id}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data: dict[str, Any] = json.loads(response.content)
    return data


# --- one asset ---------------------------------------------------------------------------


def test_a_cleared_labeled_asset_comes_with_its_label_and_rendition(
    make_asset, editor, signing_keys, reader_api
):
    asset = cleared_labeled_asset(make_asset, editor)
    signoff = asset.signoffs.get()
    rendition = asset.renditions.get()
    data = clearance(reader_api, asset.pk)

    assert data["clearance"] == {"status": "cleared", "reasons": []}
    assert data["status"] == AssetStatus.APPROVED
    assert data["signoff"]["content_hash"] == signoff.content_hash
    assert data["signoff"]["second_approval_required"] is False
    label = data["label"]
    assert label["name"] == "AI-generated"
    assert label["caption"] == f"{label['name']}. {label['text']}"
    assert 'class="synthetic-media-label"' in label["html"]
    assert label["json_ld"]["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
    assert label["json_ld"]["@type"] == "ImageObject"
    assert data["rendition"]["id"] == rendition.pk
    assert data["rendition"]["sha256"] == rendition.sha256
    assert data["rendition"]["placement"] == "embedded"
    assert data["rendition"]["download_url"].startswith(
        f"http://testserver/api/v1/renditions/{rendition.pk}/download?part=file&sig="
    )
    assert data["rendition"]["sidecar_url"] is None
    assert data["provenance"]["state"] == "no_manifest"
    assert data["consent"] == {"complete": True, "parties": 1, "waived": 0}


def test_a_cleared_plain_capture_needs_no_label(make_asset, editor, reader_api):
    asset = cleared_plain_asset(make_asset, editor)
    data = clearance(reader_api, asset.pk)
    assert data["clearance"]["status"] == "cleared"
    assert data["label"] is None and data["rendition"] is None


def test_an_asset_in_review_is_not_cleared_with_the_gate_reasons(asset, uncleared_reader_api):
    data = clearance(uncleared_reader_api, asset.pk)
    assert data["clearance"] == {
        "status": "not_cleared",
        "reasons": [
            "The asset has not been approved by an editor.",
            "Provenance checked: the provenance check has not finished.",
            "Consent complete or waived: no creator is recorded.",
            "Label set where required: classify the asset.",
        ],
    }
    assert data["signoff"] is None and data["label"] is None and data["rendition"] is None
    assert data["consent"] == {"complete": False, "parties": 0, "waived": 0}


def test_a_ready_but_unapproved_asset_says_only_that_it_is_unapproved(asset, uncleared_reader_api):
    make_ready_for_signoff(asset)
    assert clearance(uncleared_reader_api, asset.pk)["clearance"]["reasons"] == [
        "The asset has not been approved by an editor."
    ]


def test_a_real_person_depicted_waits_for_the_second_approval(
    asset, editor, reporter, legal, uncleared_reader_api
):
    make_ready_for_signoff(asset)
    person = person_create(actor=reporter, full_name="Known Person")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    waiver_grant(
        party_id=party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification="Reporting on the deepfake of this public figure itself.",
    )
    clear(asset, editor)
    data = clearance(uncleared_reader_api, asset.pk)
    assert data["clearance"]["status"] == "pending_second_approval"
    assert data["clearance"]["reasons"] == [
        "A real person is depicted: legal or standards must also approve."
    ]
    assert data["signoff"]["second_approval_required"] is True
    assert data["label"] is None and data["rendition"] is None
    assert data["consent"] == {"complete": True, "parties": 2, "waived": 1}


def test_a_voided_signoff_takes_the_clearance_away(make_asset, editor, reader_api):
    asset = cleared_plain_asset(make_asset, editor)
    signoff_void(asset_id=asset.pk, reason="Takedown requested.")
    data = clearance(reader_api, asset.pk)
    assert data["clearance"]["status"] == "not_cleared"
    assert data["status"] == AssetStatus.IN_REVIEW
    assert data["signoff"] is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [(AssetStatus.REJECTED, "The asset was rejected."), (AssetStatus.WITHDRAWN, "withdrawn")],
)
def test_a_rejected_or_withdrawn_asset_is_not_cleared(
    make_asset, uncleared_reader_api, status, reason
):
    asset = make_asset(status=status)
    reasons = clearance(uncleared_reader_api, asset.pk)["clearance"]["reasons"]
    assert len(reasons) == 1 and reason in reasons[0]


def test_an_unknown_asset_is_a_404_problem(reader_api):
    problem = assert_problem(reader_api.get("/api/v1/assets/999999"), 404, "not-found")
    assert problem["detail"] == "There is no asset 999999."
    # Not an id at all: the path parameter does not validate.
    assert_problem(reader_api.get("/api/v1/assets/not-a-number"), 400, "malformed-request")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_a_405_problem(asset, reader_api, method):
    for path in (
        "/api/v1/assets",
        f"/api/v1/assets/{asset.pk}",
        f"/api/v1/assets/{asset.pk}/incidents",
    ):
        response = reader_api.method(method, path)
        assert_problem(response, 405, "method-not-allowed")
        assert response["Allow"] == "GET"


def test_the_clearance_takes_a_fixed_number_of_queries(
    make_asset, editor, reporter, signing_keys, reader_api, settings
):
    settings.SIGNOFF_SECOND_APPROVAL = "never"
    labeled = cleared_labeled_asset(make_asset, editor)
    reader_api.get(f"/api/v1/assets/{labeled.pk}")  # last_used_at written: not counted below
    # token, asset, sign-off, parties, their consent records, label (with classification),
    # rendition, provenance report
    with CaptureQueriesContext(connection) as queries:
        clearance(reader_api, labeled.pk)
    assert len(queries) == 8

    plain = cleared_plain_asset(make_asset, editor)
    crowded = make_asset()
    make_ready_for_signoff(crowded)
    for n in range(3):
        person = person_create(actor=reporter, full_name=f"Person {n}")
        party = party_add(
            asset_id=crowded.pk, actor=reporter, role=PartyRole.SUBJECT, person=person
        )
        record_consent(party, collected_by=reporter)
    clear(crowded, editor)
    with CaptureQueriesContext(connection) as one_party:
        clearance(reader_api, plain.pk)
    with CaptureQueriesContext(connection) as four_parties:
        assert clearance(reader_api, crowded.pk)["consent"]["parties"] == 4
    assert len(one_party) == len(four_parties) == 6  # no label, no rendition


def test_an_uncleared_clearance_takes_a_fixed_number_of_queries(asset, uncleared_reader_api):
    uncleared_reader_api.get(f"/api/v1/assets/{asset.pk}")
    make_ready_for_signoff(asset)
    # token, asset, sign-off, parties, records; the gate: report, acknowledgement,
    # classification, label, parties, records; the newest report
    with CaptureQueriesContext(connection) as queries:
        clearance(uncleared_reader_api, asset.pk)
    assert len(queries) == 12


# --- no personal data --------------------------------------------------------------------


def test_no_personal_data_leaves_through_the_api(make_asset, editor, reporter, cms_api, settings):
    settings.SIGNOFF_SECOND_APPROVAL = "never"
    asset = make_asset()
    make_ready_for_signoff(asset)
    person = person_create(
        actor=reporter,
        full_name="Zelda Quixotic-Marsh",
        email="zelda.qm@private.example",
        phone="+44 7700 900123",
        notes="Red coat, left of the frame.",
    )
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    record_consent(party, collected_by=reporter)  # signed by her, from 203.0.113.7
    forbidden = [
        "Zelda",
        "Quixotic",
        "zelda.qm@private.example",
        "7700 900123",
        "Red coat",
        "203.0.113.7",
        "Creator of",  # the creator's name made by make_ready_for_signoff
        "data:image/png",  # a drawn signature
        reporter.username,
        editor.username,
    ]

    def assert_clean(response) -> None:
        text = response.content.decode()
        leaked = [word for word in forbidden if word in text]
        assert not leaked, f"{leaked} in {text}"

    assert_clean(cms_api.get(f"/api/v1/assets/{asset.pk}"))  # not cleared yet
    clear(asset, editor)
    for response in (
        cms_api.get(f"/api/v1/assets/{asset.pk}"),
        cms_api.get("/api/v1/assets"),
        cms_api.post(
            f"/api/v1/assets/{asset.pk}/publications",
            {"cms_reference": "a-1", "public_url": "https://news.example/a-1"},
        ),
    ):
        assert response.status_code in (200, 201), response.content
        assert_clean(response)
    # Her sister turns out to be in the picture too, without consent: the sign-off is voided and
    # the reasons the CMS gets count the gap without naming anyone.
    party_add(
        asset_id=asset.pk,
        actor=reporter,
        role=PartyRole.SUBJECT,
        person=person_create(actor=reporter, full_name="Zelda Quixotic-Marsh Junior"),
    )
    signoff_recheck(asset_id=asset.pk, reason="A person depicted was added.")
    response = cms_api.get(f"/api/v1/assets/{asset.pk}")
    assert json.loads(response.content)["clearance"]["status"] == "not_cleared"
    assert_clean(response)
    assert (
        "Consent complete or waived: consent or a waiver is missing for 1 of 3 parties."
        in json.loads(response.content)["clearance"]["reasons"]
    )


# --- the list ----------------------------------------------------------------------------


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in json.loads(response.content)["items"]]


def test_only_cleared_assets_are_listed(make_asset, editor, reporter, legal, reader_api):
    cleared = cleared_plain_asset(make_asset, editor)
    published = cleared_plain_asset(make_asset, editor)
    published.__class__.objects.filter(pk=published.pk).update(status=AssetStatus.PUBLISHED)
    voided = cleared_plain_asset(make_asset, editor)
    signoff_void(asset_id=voided.pk, reason="Label edited.")
    waiting = make_asset()
    make_ready_for_signoff(waiting)
    person = person_create(actor=reporter, full_name="Known Person")
    party = party_add(asset_id=waiting.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    waiver_grant(
        party_id=party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification="Reporting on the deepfake of this public figure itself.",
    )
    clear(waiting, editor)  # needs a second approval
    make_asset()  # in review

    response = reader_api.get("/api/v1/assets")
    assert ids(response) == [cleared.pk, published.pk]
    items = json.loads(response.content)["items"]
    assert [i["status"] for i in items] == ["approved", "published"]
    assert items[0]["url"] == f"http://testserver/api/v1/assets/{cleared.pk}"
    assert items[0]["content_hash"] == cleared.signoffs.get().content_hash
    assert json.loads(response.content)["next_cursor"] is None


def test_the_list_filters_by_story(make_asset, editor, reader_api):
    first = cleared_plain_asset(make_asset, editor, story_ref="budget-2027")
    cleared_plain_asset(make_asset, editor, story_ref="election")
    assert ids(reader_api.get("/api/v1/assets", {"story": "budget-2027"})) == [first.pk]
    assert ids(reader_api.get("/api/v1/assets", {"story": "nothing"})) == []


def test_changed_since_covers_clearance_status_and_webhook_events(make_asset, editor, reader_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = cleared_plain_asset(make_asset, editor)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        new = cleared_plain_asset(make_asset, editor)
    since = (start + timedelta(hours=1)).isoformat()
    assert ids(reader_api.get("/api/v1/assets", {"changed_since": since})) == [new.pk]

    # An event about the old asset (a label change, say) puts it back in the list.
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        last = OutboxEvent.objects.filter(asset=old).order_by("-sequence").first()
        OutboxEvent.objects.create(
            event_id="msg_test_label_changed",
            type=EventType.LABEL_CHANGED,
            asset=old,
            sequence=(last.sequence + 1) if last else 1,
            payload={},
        )
    response = reader_api.get("/api/v1/assets", {"changed_since": since})
    assert ids(response) == [old.pk, new.pk]
    changed_at = json.loads(response.content)["items"][0]["changed_at"]
    assert changed_at.startswith((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    # Any offset: the same moment in another zone.
    later = (start + timedelta(hours=2, minutes=30)).astimezone(timezone.get_fixed_timezone(-300))
    assert ids(reader_api.get("/api/v1/assets", {"changed_since": later.isoformat()})) == [old.pk]


def items_of(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    items: list[dict[str, Any]] = json.loads(response.content)["items"]
    return items


def test_changed_since_lists_revoked_clearances_as_not_cleared(make_asset, editor, reader_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        revoked = cleared_plain_asset(make_asset, editor)
        kept = cleared_plain_asset(make_asset, editor)
    signoff = revoked.signoffs.get()
    since = (start + timedelta(hours=1)).isoformat()
    assert items_of(reader_api.get("/api/v1/assets", {"changed_since": since})) == []

    with time_machine.travel(start + timedelta(hours=2), tick=False):
        signoff_void(asset_id=revoked.pk, reason="Label edited.", actor=editor)

    [item] = items_of(reader_api.get("/api/v1/assets", {"changed_since": since}))
    assert item["id"] == revoked.pk
    assert item["clearance"] == "not_cleared"
    assert item["status"] == AssetStatus.IN_REVIEW
    assert (item["cleared_at"], item["content_hash"]) == (None, None)
    two_hours_later = (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    assert item["revoked_at"].startswith(two_hours_later)
    assert item["changed_at"].startswith(two_hours_later)
    # Only with changed_since, and only when the revocation is newer than it.
    assert ids(reader_api.get("/api/v1/assets")) == [kept.pk]
    after = (start + timedelta(hours=3)).isoformat()
    assert ids(reader_api.get("/api/v1/assets", {"changed_since": after})) == []
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert item["revoked_at"] == iso(signoff.voided_at)


def test_an_asset_cleared_again_is_listed_once_as_cleared(make_asset, editor, reader_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        asset = cleared_plain_asset(make_asset, editor)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        signoff_void(asset_id=asset.pk, reason="Label edited.", actor=editor)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        clear(asset, editor)
    since = (start + timedelta(hours=1)).isoformat()
    [item] = items_of(reader_api.get("/api/v1/assets", {"changed_since": since}))
    assert (item["id"], item["clearance"], item["revoked_at"]) == (asset.pk, "cleared", None)
    assert item["content_hash"] == asset.signoffs.get(voided_at__isnull=True).content_hash


def test_a_voided_signoff_that_never_cleared_is_not_listed(
    make_asset, editor, reporter, legal, reader_api
):
    """The CMS never heard of it: no asset.cleared, no asset.clearance_revoked, not listed."""
    start = timezone.now()
    asset = make_asset()
    make_ready_for_signoff(asset)
    person = person_create(actor=reporter, full_name="Known Person")
    party = party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)
    waiver_grant(
        party_id=party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification="Reporting on the deepfake of this public figure itself.",
    )
    clear(asset, editor)  # waits for a second approval: never cleared
    signoff_void(asset_id=asset.pk, reason="Withdrawn.", actor=editor)
    assert not OutboxEvent.objects.filter(type=EventType.CLEARANCE_REVOKED).exists()
    assert ids(reader_api.get("/api/v1/assets", {"changed_since": start.isoformat()})) == []


def test_changed_since_pages_cleared_and_revoked_assets_together(make_asset, editor, reader_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assets = [cleared_plain_asset(make_asset, editor) for _ in range(5)]
    revoked = {assets[0].pk, assets[2].pk, assets[3].pk}
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        for asset_id in sorted(revoked):
            signoff_void(asset_id=asset_id, reason="Label edited.", actor=editor)
        # The two still cleared count as changed through a webhook event each.
        for asset in (assets[1], assets[4]):
            last = OutboxEvent.objects.filter(asset=asset).order_by("-sequence").first()
            OutboxEvent.objects.create(
                event_id=f"msg_test_{asset.pk}",
                type=EventType.LABEL_CHANGED,
                asset=asset,
                sequence=(last.sequence + 1) if last else 1,
                payload={},
            )
    since = (start + timedelta(hours=1)).isoformat()
    seen: list[tuple[int, str]] = []
    cursor = None
    while True:
        params = {"changed_since": since, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = reader_api.get("/api/v1/assets", params)
        seen += [(item["id"], item["clearance"]) for item in items_of(response)]
        cursor = json.loads(response.content)["next_cursor"]
        if cursor is None:
            break
    assert seen == [(a.pk, "not_cleared" if a.pk in revoked else "cleared") for a in assets]


def test_changed_since_takes_a_fixed_number_of_queries(make_asset, editor, reader_api):
    since = timezone.now().isoformat()

    def make_pair() -> None:
        cleared_plain_asset(make_asset, editor)
        revoked = cleared_plain_asset(make_asset, editor)
        signoff_void(asset_id=revoked.pk, reason="Label edited.", actor=editor)

    make_pair()
    reader_api.get("/api/v1/assets")  # last_used_at written: not counted below
    with CaptureQueriesContext(connection) as one:
        assert len(ids(reader_api.get("/api/v1/assets", {"changed_since": since}))) == 2
    for _ in range(3):
        make_pair()
    with CaptureQueriesContext(connection) as four:
        assert len(ids(reader_api.get("/api/v1/assets", {"changed_since": since}))) == 8
    # The token, the cleared page, the revoked page, the page's newest events.
    assert len(one) == len(four) == 4


@pytest.mark.parametrize(
    "since",
    [
        "2026-11-28T10:15:02.123456789Z",  # more digits than Python keeps
        "2026-12-31T23:59:60Z",  # a leap second, which RFC 3339 allows
        "0001-01-01T00:00:00+01:00",  # before the first moment Python holds in UTC
        "9999-12-31T23:59:59-01:00",  # after the last
    ],
)
def test_changed_since_takes_every_rfc_3339_date_time(reader_api, since):
    response = reader_api.get("/api/v1/assets", {"changed_since": since})
    assert response.status_code == 200, response.content


def test_the_list_pages_with_a_cursor(make_asset, editor, reader_api):
    assets = [cleared_plain_asset(make_asset, editor) for _ in range(5)]
    seen = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = reader_api.get("/api/v1/assets", params)
        seen += ids(response)
        cursor = json.loads(response.content)["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == [a.pk for a in assets]
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"cursor": "!!!"}, None),
        ({"cursor": "Yg"}, None),  # base64 of "b"
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"changed_since": "yesterday"}, "query.changed_since"),
        # RFC 3339 (OpenAPI's date-time) needs the offset; a Unix time is not one either.
        ({"changed_since": "2026-11-28T10:15:02"}, "query.changed_since"),
        ({"changed_since": "1700000000"}, "query.changed_since"),
        ({"changed_since": "2026-02-30T10:15:02Z"}, "query.changed_since"),
    ],
)
def test_bad_list_parameters_are_a_400_problem(reader_api, params, location):
    problem = assert_problem(reader_api.get("/api/v1/assets", params), 400, "malformed-request")
    if location:
        assert [e["location"] for e in problem["errors"]] == [location]


def test_the_list_takes_a_fixed_number_of_queries(make_asset, editor, reader_api):
    cleared_plain_asset(make_asset, editor)
    reader_api.get("/api/v1/assets")  # last_used_at written: not counted below
    with CaptureQueriesContext(connection) as one:
        assert len(ids(reader_api.get("/api/v1/assets", {"story": "story-1"}))) == 1
    for _ in range(4):
        cleared_plain_asset(make_asset, editor)
    with CaptureQueriesContext(connection) as five:
        assert len(ids(reader_api.get("/api/v1/assets", {"story": "story-1"}))) == 5
    assert len(one) == len(five) == 3  # the token, the page, the page's newest events


# --- incidents ---------------------------------------------------------------------------


def test_an_asset_without_incidents_lists_none(asset, uncleared_reader_api):
    response = uncleared_reader_api.get(f"/api/v1/assets/{asset.pk}/incidents")
    assert response.status_code == 200
    assert json.loads(response.content) == {"items": []}
    assert_problem(uncleared_reader_api.get("/api/v1/assets/999999/incidents"), 404, "not-found")


def test_incidents_list_reports_and_decisions_without_personal_data(
    make_asset, editor, standards, uncleared_reader_api
):
    from incidents.models import Decision, HarmCategory, IncidentSource, Severity
    from incidents.services import incident_decide, incident_report

    asset = make_asset(status=AssetStatus.PUBLISHED)
    other = make_asset(status=AssetStatus.PUBLISHED)

    def report(target, description):
        return incident_report(
            asset_id=target.pk,
            reported_by=editor,
            harm_category=HarmCategory.DISINFORMATION,
            severity=Severity.HIGH,
            description=description,
            source=IncidentSource.STAFF,
        )

    corrected = report(asset, "Presented as a photograph; it is generated.")
    incident_decide(
        incident_id=corrected.pk,
        actor=standards,
        decision=Decision.CORRECTION,
        public_note="Correction: this image was made with AI.",
        note="Caption was wrong; checked with the desk.",
    )
    still_open = report(asset, "A reader says the crowd was added.")
    report(other, "Not this asset's.")

    response = uncleared_reader_api.get(f"/api/v1/assets/{asset.pk}/incidents")
    assert response.status_code == 200
    items = json.loads(response.content)["items"]
    assert [(i["id"], i["type"], i["status"]) for i in items] == [
        (still_open.pk, "report", "open"),
        (corrected.pk, "correction", "decided"),
    ]
    assert items[1]["public_note"] == "Correction: this image was made with AI."
    assert items[0]["public_note"] == ""
    body = response.content.decode()
    for private in (editor.username, standards.username, "crowd was added", "checked with"):
        assert private not in body


# --- what a token may know of (issue 13, item 9) -------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [AssetStatus.IN_REVIEW, AssetStatus.REJECTED, AssetStatus.WITHDRAWN, AssetStatus.CHECKING],
)
def test_an_asset_never_cleared_is_answered_as_a_missing_one(make_asset, default_api, status):
    asset = make_asset(status=status, story_ref="secret-investigation")
    missing = asset.pk + 1000
    for path in ("/api/v1/assets/{}", "/api/v1/assets/{}/incidents"):
        seen = default_api.get(path.format(asset.pk))
        unseen = default_api.get(path.format(missing))
        assert seen.status_code == unseen.status_code == 404
        assert seen.json()["detail"] == f"There is no asset {asset.pk}."
        assert seen.json() == {**unseen.json(), "detail": f"There is no asset {asset.pk}."}
        assert b"secret-investigation" not in seen.content


def test_publishing_an_asset_never_cleared_is_a_404_without_its_reasons(
    make_asset, default_api, cms_api
):
    asset = make_asset(status=AssetStatus.IN_REVIEW)
    body = {"cms_reference": "a-1", "public_url": "https://news.example/a-1"}
    path = f"/api/v1/assets/{asset.pk}/publications"
    refused = default_api.post(path, body, key="k")
    assert refused.status_code == 404 and "reasons" not in refused.json()
    withdrawn = {"cms_reference": "a-1", "reason": "Pulled."}
    unpublished = default_api.post(
        path.replace("publications", "unpublications"), withdrawn, key="u"
    )
    assert unpublished.status_code == 404
    # A token granted more (cms_api has every scope) learns why.
    told = cms_api.post(path, body, key="k")
    assert told.status_code == 409 and told.json()["reasons"]


def test_an_asset_cleared_once_stays_visible_after_its_clearance_is_revoked(
    make_asset, editor, reader_api
):
    asset = cleared_plain_asset(make_asset, editor)
    signoff_void(asset_id=asset.pk, reason="Consent revoked.", actor=editor)
    response = reader_api.get(f"/api/v1/assets/{asset.pk}")
    assert response.status_code == 200
    assert response.json()["clearance"]["status"] == "not_cleared"


def test_a_new_integration_cannot_read_uncleared_assets_unless_granted():
    made = integration_create(name="Wagtail")
    assert made.token.scopes == sorted(DEFAULT_SCOPES)
    assert TokenScope.READ_UNCLEARED not in made.token.scopes


@pytest.mark.parametrize("story", ["flood\x00", "flood\x1b[0m", "a\x85b"])
def test_a_story_filter_with_control_characters_is_a_400_problem(reader_api, story):
    """A NUL in `story` was a 500 on PostgreSQL (found by the stateful schemathesis run)."""
    response = reader_api.get("/api/v1/assets", {"story": story})
    problem = assert_problem(response, 400, "malformed-request")
    assert "query.story" in [e["location"] for e in problem["errors"]]


def test_an_unexpected_error_is_a_logged_500_problem(reader_api, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(clearance_module, "listed_assets", broken)
    with caplog.at_level("ERROR", logger="integrations.api"):
        response = reader_api.get("/api/v1/assets")
    assert_problem(response, 500, "server-error")
    assert "database went away" not in response.content.decode()  # nothing internal leaks
    assert any("the database went away" in str(r.exc_info) for r in caplog.records)
