"""Write an asset's signed, labeled rendition to a file (for scripts, and to re-sign after a key
rotation: a new rendition is made and stored each time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from labeling.services import LabelingError, rendition_create
from review.models import Asset


class Command(BaseCommand):
    help = "Render, sign and verify an asset's labeled rendition and write it to --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("asset_id", type=int, metavar="ASSET_ID")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Asset.objects.filter(pk=options["asset_id"]).exists():
            raise CommandError(f"No asset #{options['asset_id']}.")
        try:
            rendition = rendition_create(asset_id=options["asset_id"], actor=None)
        except LabelingError as exc:
            raise CommandError(str(exc)) from None
        out: Path = options["out"]
        with rendition.file.open("rb") as source:
            out.write_bytes(source.read())
        written = [str(out)]
        if rendition.sidecar:
            sidecar = out.with_name(out.name + ".c2pa")
            with rendition.sidecar.open("rb") as source:
                sidecar.write_bytes(source.read())
            written.append(f"{sidecar} (sidecar manifest: the format cannot embed one)")
        self.stdout.write(
            f"Wrote {', '.join(written)}: sha256 {rendition.sha256}, credentials "
            f"{rendition.verification_state} against the newsroom root, badge {rendition.badge}."
        )
