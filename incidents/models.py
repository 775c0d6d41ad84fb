"""Incidents: a report that an approved or published asset does harm, and the standards desk's
decision on it (correction, relabel, takedown or no action).

`Incident.status` and the decision fields are only ever written by `incidents.services`. Rows
are never deleted: the asset is PROTECTed and there is no delete view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from review.models import Asset


class HarmCategory(models.TextChoices):
    """PAI Responsible Practices for Synthetic Media, Appendix B (potential harms), plus other."""

    IMPERSONATION = "impersonation", "Impersonating someone to gain information or privileges"
    DECEPTIVE_MESSAGES = (
        "deceptive_messages",
        "Unsolicited calls, bulk messages or posts that deceive or harass",
    )
    FRAUD = "fraud", "Fraud for financial gain"
    DISINFORMATION = "disinformation", "Disinformation about an individual, group or organization"
    CHILD_EXPLOITATION = "child_exploitation", "Exploiting or manipulating children"
    HARASSMENT = "harassment", "Bullying and harassment"
    ESPIONAGE = "espionage", "Espionage"
    POLITICAL_MANIPULATION = (
        "political_manipulation",
        "Manipulating democratic and political processes",
    )
    MARKET_MANIPULATION = "market_manipulation", "Market manipulation and corporate sabotage"
    HATE_OR_VIOLENCE = (
        "hate_or_violence",
        "Hate speech, discrimination, terrorism or incitement to violence",
    )
    DEFAMATION = "defamation", "Defamation and reputational sabotage"
    INTIMATE_CONTENT = "intimate_content", "Non-consensual intimate or sexual content"
    EXTORTION = "extortion", "Extortion and blackmail"
    FAKE_IDENTITIES = (
        "fake_identities",
        "Fake identities at scale to manufacture public opinion",
    )
    # What the audience reports most about a newsroom's own media, beyond Appendix B.
    MISLABELED = "mislabeled", "Mislabeled: the label is wrong or missing"
    FACTUAL_ERROR = "factual_error", "A factual error in the media or its caption"
    CONSENT_WITHDRAWN = "consent_withdrawn", "A person shown withdrew their consent"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentSource(models.TextChoices):
    STAFF = "staff", "Staff"
    CMS = "cms", "CMS"
    PUBLIC = "public", "Public"
    # Opened by the desk itself: a consent revoked or expired on a published asset.
    DESK = "desk", "Opened by the desk"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class Decision(models.TextChoices):
    CORRECTION = "correction", "Correction"
    RELABEL = "relabel", "Relabel"
    TAKEDOWN = "takedown", "Takedown"
    NO_ACTION = "no_action", "No action"


# Decisions the audience is told about in words: they cannot be made without the text.
NEEDS_PUBLIC_NOTE = frozenset({Decision.CORRECTION.value, Decision.RELABEL.value})


class Incident(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="incidents")
    harm_category = models.CharField(max_length=32, choices=HarmCategory.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    source = models.CharField(max_length=10, choices=IncidentSource.choices)
    # Null for reports from the CMS or the public: no desk account stands behind them.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(default=timezone.now)
    # Triage: a standards editor looked at the report and set its severity. Deciding triages
    # too, when nobody did before.
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    # For the desk only; never leaves Proofdesk.
    decision_note = models.TextField(blank=True)
    # The audience-facing text of the correction; sent to the CMS.
    public_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A takedown: by when the CMS must confirm the removal, when it did (every live publication
    # withdrawn, or none was live), and when the desk was alerted that it had not.
    takedown_deadline = models.DateTimeField(null=True, blank=True)
    takedown_confirmed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # When a CMS first acknowledged (2xx) the webhook that announced the decision.
    cms_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["asset", "-reported_at", "-id"], name="incident_asset_idx"),
            models.Index(fields=["status", "-reported_at"], name="incident_inbox_idx"),
            models.Index(
                fields=["takedown_deadline"],
                condition=Q(takedown_deadline__isnull=False, takedown_confirmed_at__isnull=True),
                name="incident_unconfirmed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(harm_category__in=HarmCategory.values),
                name="incident_harm_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="incident_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=IncidentSource.values), name="incident_source_valid"
            ),
            # A staff report names its reporter.
            models.CheckConstraint(
                condition=~Q(source=IncidentSource.STAFF) | Q(reported_by__isnull=False),
                name="incident_staff_report_has_reporter",
            ),
            # Open: nothing decided yet. Decided: what, when and by whom.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=IncidentStatus.OPEN,
                        decision="",
                        decided_at__isnull=True,
                        decided_by__isnull=True,
                    )
                    | Q(
                        status=IncidentStatus.DECIDED,
                        decision__in=Decision.values,
                        decided_at__isnull=False,
                        decided_by__isnull=False,
                    )
                ),
                name="incident_decided_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(decision__in=sorted(NEEDS_PUBLIC_NOTE)) | ~Q(public_note=""),
                name="incident_correction_has_public_note",
            ),
        ]
        permissions = [
            ("decide_incident", "Can decide on incidents: correction, relabel, takedown"),
        ]

    def __str__(self) -> str:
        return f"Incident {self.pk} on asset {self.asset_id}"


class PublicReport(models.Model):
    """What someone sent through the public report form, as they sent it. Matched to a
    published asset (by the page's address, through the CMS's publications) it opens an
    incident; otherwise the standards desk reads it in the inbox. The e-mail, if given, is for a
    reply and is shown to the standards desk only."""

    url = models.CharField(max_length=500, blank=True)
    harm_category = models.CharField(max_length=32, choices=HarmCategory.choices)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    incident = models.OneToOneField(
        Incident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_report",
    )
    # A report that matched nothing and that the standards desk set aside (spam, nothing we
    # published): kept, and out of the inbox.
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["incident", "-received_at"], name="public_report_inbox")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(description=""), name="public_report_says_something"
            )
        ]

    def __str__(self) -> str:
        return f"Public report {self.pk}"
