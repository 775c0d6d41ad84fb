"""A relabel decision: the new label version is set in the decision's transaction (voiding the
sign-off, so an editor approves the new label), the rendition is re-rendered and re-signed after
the commit, and the CMS hears of it (`asset.correction_issued` carrying the new label, besides
`asset.label_changed` and `asset.clearance_revoked`)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from incidents.models import Decision, HarmCategory, IncidentStatus
from incidents.services import InvalidIncident, Relabel, incident_decide
from integrations.models import EventType, OutboxEvent
from labeling.models import Label, Rendition
from labeling.services import label_set
from labeling.tasks import rendition_render
from review.models import AssetStatus
from signoff.models import SignOff
from tests.integrations.api_helpers import cleared_labeled_asset

pytestmark = pytest.mark.django_db

NOTE = "This picture is an AI illustration; an earlier label called it AI-generated news imagery."


@pytest.fixture
def labeled(make_asset, editor, signing_keys):
    """Approved and cleared: classified AI-generated, labeled "ai-generated", rendition signed."""
    return cleared_labeled_asset(make_asset, editor)


@pytest.fixture
def mislabeled_report(labeled, editor, report):
    return report(labeled, editor, harm_category=HarmCategory.MISLABELED)


def relabel(incident, actor, relabel, public_note=NOTE):
    return incident_decide(
        incident_id=incident.pk,
        actor=actor,
        decision=Decision.RELABEL,
        public_note=public_note,
        note="The reader is right.",
        relabel=relabel,
    )


def test_a_relabel_sets_the_label_re_signs_and_tells_the_cms(
    mislabeled_report, standards, django_capture_on_commit_callbacks
):
    asset = mislabeled_report.asset
    first = Rendition.objects.get(asset=asset)
    with django_capture_on_commit_callbacks(execute=True):
        relabel(mislabeled_report, standards, Relabel("ai-illustration"))

    label = Label.objects.filter(asset=asset).latest("version")
    assert (label.version, label.term.key, label.created_by) == (2, "ai-illustration", standards)
    assert label.text and not label.edited  # the term's suggested wording
    # Re-rendered and re-signed for the new label, after the commit; the old file is kept.
    rendition = Rendition.objects.filter(asset=asset).latest("created_at")
    assert rendition.pk != first.pk and rendition.label == label
    assert rendition.verification_state == "trusted"
    assert Rendition.objects.filter(pk=first.pk).exists()
    # The sign-off covered the old label: void, and the asset waits for an editor again.
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert not SignOff.objects.filter(asset=asset, voided_at__isnull=True).exists()
    # The CMS: the clearance revoked, the label changed, and the correction with the label.
    types = list(OutboxEvent.objects.filter(asset=asset).values_list("type", flat=True))
    assert types[-3:] == [
        EventType.CLEARANCE_REVOKED,
        EventType.LABEL_CHANGED,
        EventType.CORRECTION_ISSUED,
    ]
    correction = OutboxEvent.objects.get(asset=asset, type=EventType.CORRECTION_ISSUED)
    data = correction.payload["data"]
    assert data["decision"] == "relabel" and data["public_note"] == NOTE
    assert data["label"] == {
        "version": 2,
        "language": "en",
        "term": "ai-illustration",
        "name": label.name,
        "text": label.text,
    }
    decided = AuditEvent.objects.for_object(mislabeled_report).get(action="incident.decided")
    assert decided.details["label_version"] == 2


def test_the_editors_own_wording_is_kept(
    mislabeled_report, standards, django_capture_on_commit_callbacks
):
    text = "Illustration made with an AI image generator; not a photograph."
    with django_capture_on_commit_callbacks(execute=True):
        relabel(mislabeled_report, standards, Relabel("ai-illustration", text))
    label = Label.objects.filter(asset=mislabeled_report.asset).latest("version")
    assert label.text == text and label.edited


@pytest.mark.parametrize(
    ("new_label", "message"),
    [
        (Relabel("digitally-altered"), "does not fit"),
        (Relabel("no-such-term"), "No active label term"),
        (Relabel("ai-illustration", "x" * 501), "too long"),
    ],
)
def test_a_relabel_that_cannot_be_set_changes_nothing(
    mislabeled_report, standards, new_label, message, django_capture_on_commit_callbacks
):
    asset = mislabeled_report.asset
    events = OutboxEvent.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InvalidIncident, match=message),
    ):
        relabel(mislabeled_report, standards, new_label)
    assert callbacks == []
    mislabeled_report.refresh_from_db()
    assert mislabeled_report.status == IncidentStatus.OPEN
    assert Label.objects.filter(asset=asset).count() == 1
    assert Rendition.objects.filter(asset=asset).count() == 1
    assert OutboxEvent.objects.count() == events
    asset.refresh_from_db()
    assert asset.status == AssetStatus.APPROVED


def test_a_relabel_needs_its_label_and_nothing_else_takes_one(mislabeled_report, standards):
    with pytest.raises(InvalidIncident, match="needs the new label"):
        relabel(mislabeled_report, standards, None)
    with pytest.raises(InvalidIncident, match="Only a relabel"):
        incident_decide(
            incident_id=mislabeled_report.pk,
            actor=standards,
            decision=Decision.CORRECTION,
            public_note=NOTE,
            note="",
            relabel=Relabel("ai-illustration"),
        )
    mislabeled_report.refresh_from_db()
    assert mislabeled_report.status == IncidentStatus.OPEN


def test_the_render_skips_a_label_replaced_meanwhile(mislabeled_report, standards, editor):
    """The task runs after the commit; if an editor set yet another label before it ran, the
    rendition would carry replaced words: that label's own rendition is made instead."""
    asset = mislabeled_report.asset
    relabel(mislabeled_report, standards, Relabel("ai-illustration"))  # task not run: no commit
    relabeled = Label.objects.filter(asset=asset).latest("version")
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    assert rendition_render(asset.pk, relabeled.pk, standards.pk) is None
    assert Rendition.objects.filter(asset=asset).count() == 1


def test_a_rendition_that_cannot_be_signed_is_recorded(
    mislabeled_report, standards, settings, django_capture_on_commit_callbacks
):
    settings.SIGNING_KEY = "/nonexistent/signing-key.pem"
    with django_capture_on_commit_callbacks(execute=True):
        relabel(mislabeled_report, standards, Relabel("ai-illustration"))
    asset = mislabeled_report.asset
    assert Rendition.objects.filter(asset=asset).count() == 1
    failed = AuditEvent.objects.for_object(asset).get(action="label.rendition_failed")
    assert "cannot sign" in failed.details["error"]
    # The decision stands: the label is the desk's word, the rendition waits for signing.
    mislabeled_report.refresh_from_db()
    assert mislabeled_report.decision == Decision.RELABEL


def test_the_decide_form_says_when_no_label_fits(standards_client, open_incident):
    # A plain capture: no term of the vocabulary fits until it is classified as synthetic.
    url = reverse("incidents:asset_incidents", args=[open_incident.asset_id])
    assertContains(standards_client.get(url), "No label fits this asset&#x27;s classification.")


def test_the_decide_form_offers_the_labels_that_fit_and_relabels(
    standards_client, mislabeled_report, django_capture_on_commit_callbacks
):
    url = reverse("incidents:asset_incidents", args=[mislabeled_report.asset_id])
    page = standards_client.get(url)
    assertContains(page, '<option value="ai-illustration">')
    # A term for another source type is not offered (the service would refuse it).
    assertNotContains(page, '<option value="digitally-altered">')
    decide = reverse("incidents:decide", args=[mislabeled_report.asset_id, mislabeled_report.pk])
    missing = standards_client.post(decide, {"decision": "relabel", "public_note": NOTE})
    assert missing.status_code == 400
    assertContains(missing, "Choose the new label for a relabel.", status_code=400)
    with django_capture_on_commit_callbacks(execute=True):
        done = standards_client.post(
            decide,
            {"decision": "relabel", "public_note": NOTE, "label_term": "ai-illustration"},
            follow=True,
        )
    assertContains(done, "back in review for an editor to approve them")
    label = Label.objects.filter(asset=mislabeled_report.asset).latest("version")
    assert label.term.key == "ai-illustration"
    assert Rendition.objects.filter(label=label).exists()
