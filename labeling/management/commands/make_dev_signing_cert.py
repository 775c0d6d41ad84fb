"""Development signing credentials: a root CA and an end-entity certificate c2pa accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from labeling.signing import write_dev_credentials


class Command(BaseCommand):
    help = "Write DIR/root.pem, DIR/signing-chain.pem and DIR/signing-key.pem for development."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, metavar="DIR")
        parser.add_argument("--organisation", default="Proofdesk Demo Newsroom")
        parser.add_argument(
            "--force", action="store_true", help="Replace credentials already in DIR."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if (out / "signing-key.pem").exists() and not options["force"]:
            self.stdout.write(f"{out} already holds signing credentials; kept (--force replaces).")
            return
        write_dev_credentials(out, organisation=options["organisation"])
        self.stdout.write(
            f"Wrote {out}/root.pem, signing-chain.pem, signing-key.pem. Use:\n"
            f"  SIGNING_CERT_CHAIN={out}/signing-chain.pem SIGNING_KEY={out}/signing-key.pem\n"
            f"and add {out}/root.pem to C2PA_TRUST_ANCHORS to read the renditions as trusted."
        )
