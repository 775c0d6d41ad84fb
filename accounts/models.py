"""What each person wants to be e-mailed about. One row per user, made the first time they save
their choices: until then every e-mail is on (`notifications.settings_of` answers the defaults
without writing)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.TextChoices):
    """The e-mails the desk sends to a person. The value is the settings' column name."""

    CHANGES_REQUESTED = "changes_requested", "An editor sent my upload back for changes"
    UPLOAD_DECIDED = "upload_decided", "My upload was approved, cleared or rejected"
    SECOND_APPROVAL = "second_approval", "An approved asset waits for a second approval"
    INCIDENT_REPORTED = "incident_reported", "An incident was reported on an asset"


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    changes_requested = models.BooleanField(default=True)
    upload_decided = models.BooleanField(default=True)
    second_approval = models.BooleanField(default=True)
    incident_reported = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of user {self.user_id}"

    def wants(self, notice: Notice) -> bool:
        return bool(getattr(self, notice.value))
