"""E-mail notifications: who wants which, and sending them one by one.

Each app that has news for someone composes its own e-mail (workflow/notify.py,
incidents/notify.py) and hands it here. Everything here runs after the commit of the change it
tells about (`transaction.on_commit`): a mail server that is down is logged and never fails,
or rolls back, what the person did.

One message per recipient rather than one with everyone in To: or Bcc:, so that no one learns
who else was told, the link to change one's own settings is one's own, and a refused address
loses only its own copy. They share one connection to the mail server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Notice, NotificationSettings

logger = logging.getLogger(__name__)


def settings_of(user: User) -> NotificationSettings:
    """The person's choices: their row, or (never saved yet) an unsaved row with every e-mail on."""
    found = NotificationSettings.objects.filter(user_id=user.pk).first()
    return found if found is not None else NotificationSettings(user=user)


@transaction.atomic
def notification_settings_update(*, user: User, choices: Mapping[Notice, bool]) -> None:
    """Save the choices given; the others keep their value (or their default)."""
    if not choices:
        return
    row, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    for notice, wanted in choices.items():
        setattr(row, notice.value, bool(wanted))
    row.save(update_fields=[*(notice.value for notice in choices), "updated_at"])


def reachable(users: QuerySet[User], notice: Notice, *, actor_id: int | None) -> QuerySet[User]:
    """`users` who can be told: active, with an address, who did not turn `notice` off (no row
    counts as on), and not the person who acted (nobody is told of their own action)."""
    users = users.filter(is_active=True).exclude(email="")
    # A user without a settings row is kept: the SQL is "NOT (col = false AND col IS NOT NULL)".
    users = users.exclude(**{f"notification_settings__{notice.value}": False})
    if actor_id is not None:
        users = users.exclude(pk=actor_id)
    return users.order_by("pk")


def send_each(
    recipients: Iterable[User], subject: str, body_for: Callable[[User], str], *, what: str
) -> int:
    """Send one plain-text e-mail per recipient; return how many went. `what` names the
    notice in the log when one fails."""
    sent = 0
    users = list(recipients)
    if not users:
        return 0
    try:
        # Opened once for all of them; closed on the way out, also when one fails.
        with get_connection(fail_silently=False) as connection:
            for user in users:
                try:
                    sent += send_mail(
                        subject,
                        body_for(user),
                        settings.DEFAULT_FROM_EMAIL,
                        [user.email],
                        connection=connection,
                    )
                except Exception:
                    logger.exception("could not e-mail user %s about %s", user.pk, what)
    except Exception:
        logger.exception("could not send the e-mails about %s", what)
    return sent


def run_logged(notify: Callable[[], object], *, what: str) -> None:
    """Run a notifier after the commit without letting it fail the request: the change is
    committed already, and an e-mail is never worth an error page."""
    try:
        notify()
    except Exception:
        logger.exception("could not notify about %s", what)
