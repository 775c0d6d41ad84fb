"""Revoke a CMS integration's API token without a Python shell: by the prefix the integrations
page shows, by the whole token (one that leaked), or by id. The token stays on record; from now
on the API answers 401 to it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import ApiToken
from integrations.tokens import CredentialsError, token_lookup, token_revoke


class Command(BaseCommand):
    help = "Revoke an API token, named by its prefix (pd_ and 8 characters), in full, or by --id."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "token", nargs="?", metavar="TOKEN", help="The prefix shown on the page, or the token."
        )
        target.add_argument("--id", type=int, metavar="ID", help="The token's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["id"] is not None:
            token_id = options["id"]
        else:
            try:
                token_id = token_lookup(identifier=options["token"]).pk
            except CredentialsError as exc:
                raise CommandError(str(exc)) from None
        # No actor: the audit log records the revocation as the system's, from the console.
        try:
            token, newly = token_revoke(token_id=token_id)
        except ApiToken.DoesNotExist:
            raise CommandError(f"There is no token with id {token_id}.") from None
        assert token.revoked_at is not None  # what token_revoke guarantees
        when = f"{token.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
        if not newly:
            self.stdout.write(
                f"Token {token.prefix}… of {token.integration} was already revoked ({when})."
            )
            return
        self.stdout.write(
            f"Revoked token {token.prefix}… (id {token.pk}) of {token.integration}: the API "
            f"refuses it from now on ({when})."
        )
