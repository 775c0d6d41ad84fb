"""Make a CMS integration: its API token and, with --webhook-url, its webhook endpoint and
signing secret. The token is printed once and only its sha256 is kept."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import DEFAULT_SCOPES, TokenScope
from integrations.tokens import CredentialsError, integration_create


class Command(BaseCommand):
    help = "Create a CMS integration and print its API token (and webhook secret) once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("--webhook-url", default="", metavar="URL")
        parser.add_argument(
            "--scopes",
            default=",".join(DEFAULT_SCOPES),
            metavar="SCOPES",
            help=f"Comma-separated, from: {', '.join(TokenScope.values)} "
            f"(default: {','.join(DEFAULT_SCOPES)}).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"token": ..., "webhook_secret": ...} as JSON (the secret null without '
            "--webhook-url).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            made = integration_create(
                name=options["name"], scopes=scopes, webhook_url=options["webhook_url"]
            )
        except CredentialsError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            # Always both keys, so that a script reads the output one way: the secret is null
            # when there is no endpoint to sign for.
            output = {"token": made.plaintext_token, "webhook_secret": made.webhook_secret or None}
            self.stdout.write(json.dumps(output))
            return
        lines = [
            f"Integration {made.integration.name!r} created (id {made.integration.pk}).",
            f"API token (scopes: {', '.join(made.token.scopes)}); shown only now:",
            f"  {made.plaintext_token}",
        ]
        if made.endpoint is not None:
            lines += [
                f"Webhooks go to {made.endpoint.url}, signed with this secret (give it to the "
                "receiver):",
                f"  {made.webhook_secret}",
            ]
        self.stdout.write("\n".join(lines))
