"""The newsroom's published policies. A document (one slug in one language) is a list of
versions; a version is never edited or deleted, so every link to an old version keeps working
and the history shows what the audience was told when."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The languages the audience reads the desk's public words in, as the labels.
POLICY_LANGUAGES = [("en", "English"), ("es", "Español")]
MAX_POLICY_BODY = 100_000  # characters of Markdown: a long policy is a few thousand


class PolicyDocument(models.Model):
    slug = models.SlugField(max_length=60)
    language = models.CharField(max_length=10, choices=POLICY_LANGUAGES)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug", "language"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="policy_per_language")
        ]
        permissions = [("edit_policy", "Can publish new versions of the public policies")]

    def __str__(self) -> str:
        return f"{self.slug} ({self.language})"


class PolicyVersion(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown. Raw HTML is not rendered.")
    change_note = models.CharField(max_length=300, blank=True)
    # Null for the version a migration installs (nobody on the desk wrote it).
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="one_policy_version"),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="policy_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version}"
