"""Consent services and the completeness answer: what is recorded, what is refused, and that
nothing signed is ever changed or deleted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from audit.models import AuditEvent
from consent.completeness import consent_completeness
from consent.errors import ConsentError, ConsentLinkError
from consent.events import consent_lapsed
from consent.evidence.records import document_sha256, record_document, text_sha256
from consent.models import (
    ConsentAlert,
    ConsentLapse,
    ConsentMethod,
    ConsentRecord,
    ConsentRole,
    LapseKind,
    Party,
    Person,
    WaiverBasis,
    WriteOnceError,
)
from consent.remote.services import consent_link_create, consent_link_open, consent_link_sign
from consent.services import (
    Signing,
    consent_expire_due,
    consent_revoke,
    party_remove,
    person_create,
    statement_publish,
    waiver_grant,
)
from review.models import AssetStatus
from tests.consent.helpers import (
    ALL_POINTS,
    default_statement,
    record_consent,
    scope,
    signature_data_url,
)
from tests.readiness import add_provenance_report, classify_plainly_captured

pytestmark = pytest.mark.django_db

SATIRE, REPORTING = WaiverBasis.SATIRE, WaiverBasis.REPORTING
WAIVER_WHY = "Satirical sketch about the minister, clearly labeled; public-interest reporting."


# --- completeness -----------------------------------------------------------------------------


def test_asset_without_parties_is_incomplete_for_want_of_a_creator(asset):
    result = consent_completeness(asset)
    assert not result.complete
    assert result.missing == ["No creator recorded: add who made this media."]


def test_consent_from_creator_and_subject_completes_the_asset(
    asset, creator_party, subject_party, reporter
):
    assert not consent_completeness(asset).complete
    record_consent(creator_party, collected_by=reporter)
    result = consent_completeness(asset)
    assert result.missing == ["Ada Subject (person depicted): no consent recorded."]
    record_consent(subject_party, collected_by=reporter)
    assert consent_completeness(asset).complete


def test_unidentified_person_blocks_until_consent_or_waiver(
    asset, creator_party, unidentified_party, reporter, legal
):
    record_consent(creator_party, collected_by=reporter)
    result = consent_completeness(asset)
    assert not result.complete
    assert "Unidentified person (person depicted): no consent recorded." in result.missing
    waiver_grant(
        party_id=unidentified_party.pk,
        actor=legal,
        basis=WaiverBasis.SATIRE,
        justification=WAIVER_WHY,
    )
    assert consent_completeness(asset).complete


def test_a_minor_needs_the_guardians_signature(asset, creator_party, minor_party, reporter):
    record_consent(creator_party, collected_by=reporter)
    with pytest.raises(ConsentError, match="is a minor: their guardian"):
        record_consent(minor_party, collected_by=reporter)
    record = record_consent(minor_party, collected_by=reporter, role=ConsentRole.GUARDIAN)
    assert record.role == ConsentRole.GUARDIAN
    assert record.signer is not None and record.signer.full_name == "Gwen Guardian"
    assert record.person is not None and record.person.full_name == "Milo Minor"
    assert consent_completeness(asset).complete


def test_expired_and_not_yet_valid_consents_do_not_count(asset, creator_party, reporter):
    record_consent(
        creator_party,
        collected_by=reporter,
        valid_from=date.today() - timedelta(days=30),
        valid_until=date.today() - timedelta(days=1),
    )
    assert "consent expired on" in consent_completeness(asset).missing[0]
    newer = creator_party.consent_records.get()
    record_consent(
        creator_party,
        collected_by=reporter,
        supersedes=newer,
        valid_from=date.today() + timedelta(days=3),
        valid_until=None,
    )
    assert "consent starts only on" in consent_completeness(asset).missing[0]


# --- records ---------------------------------------------------------------------------------


def test_record_keeps_the_exact_text_its_hash_and_a_verifiable_document(creator_party, reporter):
    record = record_consent(creator_party, collected_by=reporter)
    assert default_statement().body in record.statement_text
    assert f"media item #{creator_party.asset_id}" in record.statement_text
    assert record.statement_sha256 == text_sha256(record.statement_text)
    assert record.record_sha256 == document_sha256(record_document(record))
    assert record.signature_sha256 and record.signature_image.name
    assert record.ip_address == "203.0.113.7"
    event = AuditEvent.objects.get(action="consent.recorded")
    assert event.details["record_sha256"] == record.record_sha256


def test_a_signed_record_is_never_edited_or_deleted(creator_party, reporter):
    record = record_consent(creator_party, collected_by=reporter)
    record.signed_name = "Someone Else"
    with pytest.raises(WriteOnceError):
        record.save()
    with pytest.raises(WriteOnceError):
        record.delete()
    with pytest.raises(WriteOnceError):
        ConsentRecord.objects.filter(pk=record.pk).update(signed_name="x")
    with pytest.raises(WriteOnceError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    assert ConsentRecord.objects.get(pk=record.pk).signed_name == "Cy Creator"


def test_a_change_is_a_new_version_that_supersedes_the_last(creator_party, reporter):
    first = record_consent(creator_party, collected_by=reporter)
    second = record_consent(
        creator_party, collected_by=reporter, supersedes=first, uses=["Explainer video"]
    )
    assert (first.version, second.version) == (1, 2)
    assert second.supersedes == first
    # Starting from a stale version is refused: someone else changed it meanwhile.
    with pytest.raises(ConsentError, match="newer version"):
        record_consent(creator_party, collected_by=reporter, supersedes=first)


def test_standing_records_are_those_neither_lapsed_nor_superseded(
    creator_party, subject_party, reporter, legal
):
    first = record_consent(creator_party, collected_by=reporter)
    second = record_consent(creator_party, collected_by=reporter, supersedes=first)
    revoked = record_consent(subject_party, collected_by=reporter)
    consent_revoke(record_id=revoked.pk, actor=legal, how="E-mail to the desk")
    assert list(ConsentRecord.objects.standing()) == [second]
    # As anti-joins the planner can stop early, not as outer joins filtered afterwards.
    sql = str(ConsentRecord.objects.standing().query)
    assert sql.count("NOT EXISTS") == 2
    assert "OUTER JOIN" not in sql


@pytest.mark.parametrize(
    ("data_url", "message"),
    [
        ("", "Sign in the box first"),
        (signature_data_url(ink=False), "Sign in the box first"),
        ("data:image/png;base64,!!!", "could not be read"),
        ("data:image/jpeg;base64,AAAA", "Sign in the box first"),
    ],
)
def test_an_empty_or_broken_signature_is_refused_and_nothing_is_stored(
    creator_party, reporter, data_url, message, media_files
):
    with pytest.raises(ConsentError, match=message):
        from consent.services import consent_record_create

        consent_record_create(
            party_id=creator_party.pk,
            collected_by=reporter,
            statement=default_statement(),
            scope=scope(),
            acknowledged=ALL_POINTS,
            signing=Signing(
                method=ConsentMethod.SIGNED_IN_PERSON,
                signed_name="Cy Creator",
                signature_data_url=data_url,
            ),
        )
    assert not ConsentRecord.objects.exists()
    assert not [p for p in media_files() if "consent/" in str(p)]


def test_every_informed_point_must_be_acknowledged(creator_party, reporter):
    with pytest.raises(ConsentError, match="It will be labeled"):
        record_consent(
            creator_party, collected_by=reporter, acknowledged=["synthetic", "use", "revocable"]
        )


@pytest.mark.parametrize(
    ("method", "upload", "message"),
    [
        (ConsentMethod.UPLOADED_RELEASE, None, "Attach the signed release"),
        (
            ConsentMethod.UPLOADED_RELEASE,
            SimpleUploadedFile("release.pdf", b"MZ\x90\x00" + b"\x00" * 100),
            "could not be used",
        ),
        (
            ConsentMethod.UPLOADED_RELEASE,
            SimpleUploadedFile("release.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n"),
            "damaged or incomplete",
        ),
        (
            ConsentMethod.VERBAL,
            SimpleUploadedFile("call.mp3", b"%PDF-1.4\n%%EOF\n"),
            "needs an audio or video recording",
        ),
    ],
)
def test_unreadable_or_wrong_type_evidence_is_refused(
    creator_party, reporter, method, upload, message
):
    from consent.services import consent_record_create

    with pytest.raises(ConsentError, match=message):
        consent_record_create(
            party_id=creator_party.pk,
            collected_by=reporter,
            statement=default_statement(),
            scope=scope(),
            acknowledged=ALL_POINTS,
            signing=Signing(method=method, signed_name="Cy Creator", evidence=upload),
        )
    assert not ConsentRecord.objects.exists()


def test_uploaded_release_is_stored_with_its_hash(creator_party, reporter):
    record = record_consent(
        creator_party, collected_by=reporter, method=ConsentMethod.UPLOADED_RELEASE
    )
    assert record.evidence_media_type == "application/pdf"
    with record.evidence_file.open("rb") as handle:
        import hashlib

        assert hashlib.sha256(handle.read()).hexdigest() == record.evidence_sha256


# --- people and parties ------------------------------------------------------------------------


def test_a_minor_without_a_guardian_is_refused(reporter):
    with pytest.raises(ConsentError, match="A minor needs a guardian"):
        person_create(actor=reporter, full_name="Kid", is_minor=True)
    with pytest.raises(IntegrityError):
        Person.objects.create(full_name="Kid", is_minor=True, created_by=reporter)


def test_a_party_with_records_cannot_be_removed(creator_party, subject_party, reporter):
    record_consent(creator_party, collected_by=reporter)
    with pytest.raises(ConsentError, match="stays on the record"):
        party_remove(party_id=creator_party.pk, actor=reporter)
    removed = party_remove(party_id=subject_party.pk, actor=reporter)
    assert removed.removed_at is not None
    assert Party.objects.filter(pk=subject_party.pk).exists()


# --- remote links ----------------------------------------------------------------------------


def test_a_remote_link_signs_once(subject_party, reporter):
    link, token = consent_link_create(
        party_id=subject_party.pk, actor=reporter, statement=default_statement(), scope=scope()
    )
    assert token not in link.token_sha256
    assert consent_link_open(token) == link
    signing = Signing(
        method=ConsentMethod.SIGNED_REMOTELY,
        signed_name="Ada Subject",
        signature_data_url=signature_data_url(),
        ip_address="198.51.100.4",
        user_agent="Phone",
    )
    record = consent_link_sign(token=token, acknowledged=ALL_POINTS, signing=signing)
    assert record.method == ConsentMethod.SIGNED_REMOTELY
    assert record.collected_by is None
    with pytest.raises(ConsentLinkError, match="already been used"):
        consent_link_sign(token=token, acknowledged=ALL_POINTS, signing=signing)
    with pytest.raises(ConsentLinkError, match="not valid"):
        consent_link_open(token + "x")
    assert ConsentRecord.objects.count() == 1


def test_an_expired_link_is_refused(subject_party, reporter, time_machine):
    _, token = consent_link_create(
        party_id=subject_party.pk, actor=reporter, statement=default_statement(), scope=scope()
    )
    time_machine.move_to(timezone.now() + timedelta(days=8))
    with pytest.raises(ConsentLinkError, match="expired"):
        consent_link_open(token)


# --- revocation, expiry, waivers -----------------------------------------------------------------


def test_revoking_consent_on_a_published_asset_alerts_legal_and_the_approver(
    asset, creator_party, reporter, legal, editor
):
    from workflow.services import asset_approve, asset_mark_published

    legal.email = "lena@example.org"
    legal.save()
    editor.email = "eddie@example.org"
    editor.save()
    record = record_consent(creator_party, collected_by=reporter)
    # The rest of what the sign-off gate asks for; the creator's consent is the one above.
    add_provenance_report(asset)
    classify_plainly_captured(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    asset_mark_published(asset_id=asset.pk, actor=editor)
    received = []
    consent_lapsed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        lapse = consent_revoke(record_id=record.pk, actor=legal, how="E-mail to the desk")
    finally:
        consent_lapsed.disconnect(dispatch_uid="t")
    assert lapse.kind == LapseKind.REVOKED
    alert = ConsentAlert.objects.get()
    assert alert.asset_status == AssetStatus.PUBLISHED
    assert received and received[0]["alert"] == alert
    assert not consent_completeness(asset).complete
    assert ConsentRecord.objects.filter(pk=record.pk).exists()  # never deleted
    with pytest.raises(ConsentError, match="already revoked"):
        consent_revoke(record_id=record.pk, actor=legal, how="again")


def test_revocation_mail_goes_out_after_commit(
    asset, creator_party, reporter, legal, editor, django_capture_on_commit_callbacks
):
    from workflow.services import asset_approve

    legal.email = "lena@example.org"
    legal.save()
    editor.email = "eddie@example.org"
    editor.save()
    record = record_consent(creator_party, collected_by=reporter)
    add_provenance_report(asset)
    classify_plainly_captured(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        consent_revoke(record_id=record.pk, actor=legal, how="Phone call")
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"lena@example.org", "eddie@example.org"}
    assert "revoked" in mail.outbox[0].subject


def test_expiry_is_recorded_once_as_an_event(asset, creator_party, reporter, time_machine):
    record = record_consent(creator_party, collected_by=reporter, valid_until=date.today())
    assert consent_expire_due() == []
    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert consent_expire_due() == [record.pk]
    assert consent_expire_due() == []
    assert ConsentLapse.objects.get().kind == LapseKind.EXPIRED
    assert AuditEvent.objects.filter(action="consent.expired").count() == 1


@pytest.mark.parametrize("status", [AssetStatus.APPROVED, AssetStatus.PUBLISHED])
@pytest.mark.parametrize("kind", [LapseKind.REVOKED, LapseKind.EXPIRED])
def test_a_lapse_on_a_cleared_asset_is_flagged_told_voids_the_signoff_and_emits_consent_revoked(
    asset,
    creator_party,
    reporter,
    legal,
    editor,
    second_editor,
    time_machine,
    django_capture_on_commit_callbacks,
    kind,
    status,
):
    """The revocation and its twin, the expiry (found by the daily task): on an asset the
    audience may already see, either flags the asset, tells legal and the editor who approved
    it, voids the sign-off and sends the CMS `consent.revoked`."""
    from integrations.models import OutboxEvent
    from signoff.models import SignOff
    from workflow.services import asset_approve, asset_mark_published

    time_machine.move_to(timezone.make_aware(datetime(2030, 3, 1, 9, 0)), tick=False)
    for user, address in [(legal, "lena@example.org"), (editor, "eddie@example.org")]:
        user.email = address
        user.save()
    second_editor.email = "erin@example.org"  # an editor who did not approve: not told
    second_editor.save()
    record = record_consent(creator_party, collected_by=reporter, valid_until=date(2030, 3, 10))
    add_provenance_report(asset)
    classify_plainly_captured(asset)
    asset_approve(asset_id=asset.pk, actor=editor)
    if status == AssetStatus.PUBLISHED:
        asset_mark_published(asset_id=asset.pk, actor=editor)
    signoff = SignOff.objects.get(asset=asset)
    assert signoff.cleared_at is not None and signoff.voided_at is None

    time_machine.move_to(timezone.make_aware(datetime(2030, 3, 12, 3, 0)), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        if kind == LapseKind.EXPIRED:
            from consent.tasks import expire_consents

            assert expire_consents.delay().get() == [record.pk]
        else:
            consent_revoke(record_id=record.pk, actor=legal, how="E-mail to the desk")

    lapse = ConsentLapse.objects.get(record=record)
    assert lapse.kind == kind
    if kind == LapseKind.EXPIRED:
        # Effective from the first moment after the last day of the term, by nobody.
        assert lapse.effective_at == timezone.make_aware(datetime(2030, 3, 11))
        assert lapse.recorded_by is None
    else:
        assert lapse.recorded_by == legal
    # Flagged: an open alert on the asset, with the status the audience saw.
    alert = ConsentAlert.objects.get(asset=asset)
    assert (alert.lapse, alert.asset_status, alert.resolved_at) == (lapse, status, None)
    [event] = AuditEvent.objects.filter(action=f"consent.{kind}")
    assert event.details["alert_id"] == alert.pk and event.details["record_id"] == record.pk
    # Told: legal and the approving editor, once, after the commit.
    [message] = mail.outbox
    assert sorted(message.to) == ["eddie@example.org", "lena@example.org"]
    assert f"Consent {kind}" in message.subject and f"{status} asset #{asset.pk}" in message.subject
    # The sign-off is void and the asset back in review.
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert signoff.void_reason == f"Consent {kind}: Cy Creator."
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert not consent_completeness(asset).complete
    # The CMS is told, without the person's name.
    [outbox] = OutboxEvent.objects.filter(asset=asset, type="consent.revoked")
    data = outbox.payload["data"]
    assert (data["kind"], data["alert"], data["party_role"]) == (kind, True, "creator")
    assert "Cy Creator" not in str(outbox.payload)
    # Recorded once: the daily task run again, or a revocation after the expiry, adds nothing.
    assert consent_expire_due() == []
    assert ConsentLapse.objects.count() == ConsentAlert.objects.count() == 1


def test_only_legal_waives_and_a_justification_is_required(subject_party, editor, legal):
    with pytest.raises(ConsentError, match="Only legal"):
        waiver_grant(
            party_id=subject_party.pk,
            actor=editor,
            basis=WaiverBasis.SATIRE,
            justification=WAIVER_WHY,
        )
    with pytest.raises(ConsentError, match="justification"):
        waiver_grant(party_id=subject_party.pk, actor=legal, basis=SATIRE, justification="ok")
    waiver = waiver_grant(
        party_id=subject_party.pk,
        actor=legal,
        basis=WaiverBasis.REPORTING,
        justification=WAIVER_WHY,
    )
    assert waiver.granted_by == legal


def test_statements_are_versioned(legal):
    first = statement_publish(actor=legal, key="voice", title="Voice", body="You agree A.")
    second = statement_publish(actor=legal, key="voice", title="Voice", body="You agree B.")
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
