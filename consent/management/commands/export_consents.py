"""Write the consent PDF of an asset or a person to a file, for legal's scripts and for when the
web app is not at hand. The export is on the audit chain with the system as its actor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.exports.services import consent_asset_pdf_export, consent_person_pdf_export
from consent.models import Person
from review.models import Asset


class Command(BaseCommand):
    help = "Write the consent PDF (PDF/A-3b with the records as JSON) of an asset or a person."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--asset", type=int, metavar="ID", help="every party of this asset")
        which.add_argument("--person", type=int, metavar="ID", help="all of this person's assets")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if options["asset"] is not None:
            asset = Asset.objects.filter(pk=options["asset"]).first()
            if asset is None:
                raise CommandError(f"No asset #{options['asset']}.")
            pdf, sha256 = consent_asset_pdf_export(
                actor=None, asset=asset, ip_address=None, via="command line"
            )
        else:
            person = Person.objects.select_related("guardian").filter(pk=options["person"]).first()
            if person is None:
                raise CommandError(f"No person #{options['person']}.")
            pdf, sha256 = consent_person_pdf_export(
                actor=None, person=person, ip_address=None, via="command line"
            )
        out.write_bytes(pdf)
        self.stdout.write(f"Wrote {out}: {len(pdf):,} bytes, sha256 {sha256}")
