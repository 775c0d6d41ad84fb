"""The incident selectors: the desk's list newest first, and the CMS's items with exactly the
fields of the API's `IncidentOut`, without personal data."""

from __future__ import annotations

import pytest
import time_machine

from incidents.models import Decision, IncidentSource
from incidents.selectors import incident_api_items, incidents_for_asset
from incidents.services import incident_decide
from integrations.api_schemas import IncidentOut

pytestmark = pytest.mark.django_db

NOTE = "This picture was generated with AI; we said it was a photograph."


@pytest.fixture
def three(published, editor, report, standards):
    """Three incidents a day apart: a correction, a CMS report still open, a takedown."""
    made = []
    for day, reporter, source in (
        (1, editor, IncidentSource.STAFF),
        (2, None, IncidentSource.CMS),
        (3, editor, IncidentSource.STAFF),
    ):
        with time_machine.travel(f"2026-03-0{day} 09:00Z", tick=False):
            made.append(report(published, reporter, source=source))
    incident_decide(
        incident_id=made[0].pk,
        actor=standards,
        decision=Decision.CORRECTION,
        public_note=NOTE,
        note="Internal: the agency mislabeled it.",
    )
    incident_decide(
        incident_id=made[2].pk, actor=standards, decision=Decision.TAKEDOWN, public_note="", note=""
    )
    return made


def test_incidents_for_asset_are_newest_first(three, published, approved, editor, report):
    report(approved, editor)  # another asset's incident is not listed
    assert list(incidents_for_asset(asset_id=published.pk)) == list(reversed(three))


def test_api_items_have_exactly_the_fields_of_incident_out(three, published):
    items = incident_api_items(asset_id=published.pk)
    assert len(items) == 3
    for item in items:
        assert set(item) == set(IncidentOut.model_fields)
        IncidentOut(**item)  # and the values fit the schema's types


def test_api_items_type_is_the_decision_or_report_while_open(three, published):
    items = incident_api_items(asset_id=published.pk)
    assert [(i["id"], i["type"], i["status"]) for i in items] == [
        (three[2].pk, "takedown", "decided"),
        (three[1].pk, "report", "open"),
        (three[0].pk, "correction", "decided"),
    ]
    assert [i["opened_at"].day for i in items] == [3, 2, 1]
    assert [i["public_note"] for i in items] == ["", "", NOTE]


def test_api_items_carry_no_personal_data(three, published):
    text = str(incident_api_items(asset_id=published.pk))
    for secret in ("eddie_editor", "sam_standards", "rally", "Internal", "agency"):
        assert secret not in text


def test_api_items_of_an_asset_without_incidents_are_empty(approved):
    assert incident_api_items(asset_id=approved.pk) == []


def test_api_items_take_one_query(three, published, django_assert_num_queries):
    with django_assert_num_queries(1):
        incident_api_items(asset_id=published.pk)
