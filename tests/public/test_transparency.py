"""The transparency page: per month, assets labeled by term, reports, corrections, takedowns and
the time from report to takedown, as SVG charts with the numbers in a table."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from incidents.models import Decision, HarmCategory, IncidentSource, PublicReport, Severity
from incidents.services import incident_decide, incident_report
from labeling.models import Certainty, Classification, Label, LabelTerm
from public.transparency import transparency
from review.models import AssetStatus
from tests.readiness import make_ready_for_signoff

pytestmark = pytest.mark.django_db
NOON = timezone.make_aware(datetime(2026, 11, 10, 12, 0))


def _report(asset, editor):
    return incident_report(
        asset_id=asset.pk,
        reported_by=editor,
        harm_category=HarmCategory.DISINFORMATION,
        severity=Severity.HIGH,
        description="A fabricated scene.",
        source=IncidentSource.STAFF,
    )


def _decide(incident, standards, decision, note=""):
    return incident_decide(
        incident_id=incident.pk,
        actor=standards,
        decision=decision,
        public_note=note,
        note="",
    )


def _label(asset, user, name="AI-generated"):
    term, _ = LabelTerm.objects.get_or_create(
        key="ai-generated", defaults={"source_types": ["trainedAlgorithmicMedia"]}
    )
    classification = Classification.objects.create(
        asset=asset,
        version=Classification.objects.filter(asset=asset).count() + 1,
        source_type="trainedAlgorithmicMedia",
        certainty=Certainty.DECLARED,
        created_by=user,
    )
    Label.objects.create(
        asset=asset,
        version=1,
        classification=classification,
        term=term,
        language="en",
        name=name,
        text="Made with AI.",
        generated_text="Made with AI.",
        created_by=user,
    )


@pytest.fixture
def november(make_asset, editor, standards):
    """In November 2026: two takedowns 30 and 90 minutes after their reports, one correction,
    one report still open, one unmatched public report, and two labeled assets."""
    with time_machine.travel(NOON, tick=False):
        labeled = [make_ready_for_signoff(make_asset(status=AssetStatus.PUBLISHED)) for _ in "ab"]
        for asset in labeled:
            _label(asset, editor)
        first, second = _report(labeled[0], editor), _report(labeled[1], editor)
        corrected = _report(make_asset(status=AssetStatus.PUBLISHED), editor)
        _report(make_asset(status=AssetStatus.PUBLISHED), editor)
        PublicReport.objects.create(harm_category="other", description="Seen on a feed.")
    with time_machine.travel(NOON + timedelta(minutes=30), tick=False):
        _decide(first, standards, Decision.TAKEDOWN)
        _decide(corrected, standards, Decision.CORRECTION, "The caption was wrong.")
    with time_machine.travel(NOON + timedelta(minutes=90), tick=False):
        _decide(second, standards, Decision.TAKEDOWN)
    return labeled


def test_the_figures_of_a_month(november):
    months = transparency(today=date(2026, 12, 5))
    assert len(months) == 12 and months[-1].start == date(2026, 12, 1)
    nov = months[-2]
    assert nov.start == date(2026, 11, 1)
    assert nov.labeled_total == 2 and nov.labeled == {"AI-generated": 2}
    assert nov.reports == 5  # four incidents and the unmatched public report
    assert nov.corrections == 1
    assert nov.takedowns == 2
    assert sorted(nov.minutes_to_takedown) == [30.0, 90.0]
    assert nov.median_minutes == 60.0
    assert nov.p90_minutes == pytest.approx(84.0)
    assert months[-1].takedowns == 0 and months[-1].median_minutes is None


def test_the_page_draws_charts_and_gives_the_numbers(november, django_assert_num_queries):
    with (
        time_machine.travel(timezone.make_aware(datetime(2026, 12, 5, 9)), tick=False),
        django_assert_num_queries(4),
    ):
        response = Client().get("/transparency/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('<svg class="chart"') == 5
    assert 'role="img" aria-label="Takedowns per month"' in content
    assert "<title>Nov: 2</title>" in content  # the takedowns' bar, labeled
    assert "<title>Nov: 60</title>" in content  # the median, in minutes
    row = content.split("November 2026</th>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    assert cells[:2] == ["2", "2"]  # labeled, of which "AI-generated"
    assert cells[-5:] == ["5", "1", "2", "60.0", "84.0"]


def test_an_empty_desk_shows_dashes_not_errors():
    response = Client().get("/transparency/")
    assert response.status_code == 200
    assert "–" in response.content.decode()


def test_the_page_in_spanish(november):
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 5, 9)), tick=False):
        content = Client().get("/transparency/", {"lang": "es"}).content.decode()
    assert '<html lang="es">' in content
    assert 'aria-label="Retiradas por mes"' in content
    assert "<title>nov: 2</title>" in content
    assert "11/2026</th>" in content
