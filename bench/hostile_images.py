"""Memory of a server process under the image attacks of issue 13: a 13000×13000 transparent
PNG posted as a signature, a 9400² black PNG as a signature, and a 13300² PNG labeled and
rendered. Each attack runs in a fresh child process; the figure is the growth of its peak
resident memory (ru_maxrss) over the same process just before the attack. Goal: under 100 MB.

    .venv/bin/python bench/hostile_images.py [--unbounded]

--unbounded lifts every limit, to show what the attacks cost without them.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 100

CHILD = r"""
import io, os, resource, sys, time
sys.path.insert(0, os.environ["ROOT"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
import django
django.setup()
from tests.hardening.images import as_data_url, png_bomb
from consent.errors import ConsentError
from consent.evidence.files import signature_from_data_url
from labeling.renditions import RenditionError, _labeled_image
from labeling.models import Label

attack = sys.argv[1]
if os.environ.get("UNBOUNDED"):
    # What the attacks cost before the limits: every check lifted.
    import consent.evidence.files as files
    from django.conf import settings
    from PIL import Image
    files.MAX_SIGNATURE_PIXELS = settings.RENDER_MAX_PIXELS = 10**12
    Image.MAX_IMAGE_PIXELS = None
if attack == "signature-13000":
    payload = as_data_url(png_bomb(13000, 13000, color_type=6, channels=4))
elif attack == "signature-9400":
    payload = as_data_url(png_bomb(9400, 9400))
else:
    payload = png_bomb(13300, 13300, color_type=2, channels=3)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    if attack.startswith("signature"):
        signature_from_data_url(payload)
    else:
        _labeled_image(payload, "image/png", Label(name="AI-generated"), b"<x/>")
    outcome = "accepted"
except (ConsentError, RenditionError) as exc:
    outcome = "refused: " + str(exc)[:90]
took = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{len(payload)}\t{(after - before) / 1024:.1f}\t{took * 1000:.0f}\t{outcome}")
"""


def main() -> None:
    print("Proofdesk hostile images: peak memory growth of one process per attack")
    print(f"{'attack':<32}{'payload KB':>11}{'growth MB':>11}{'ms':>7}  outcome")
    worst = 0.0
    unbounded = "--unbounded" in sys.argv[1:]
    for attack, name in [
        ("signature-13000", "signature, 13000² transparent"),
        ("signature-9400", "signature, 9400² black"),
        ("rendition-13300", "rendition, 13300² PNG"),
    ]:
        env = {**os.environ, "ROOT": str(ROOT), "UNBOUNDED": "1" if unbounded else ""}
        out = (
            subprocess.run(
                [sys.executable, "-c", CHILD, attack],
                env=env,
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        size, growth, ms, outcome = out.split("\t")
        worst = max(worst, float(growth))
        print(f"{name:<32}{int(size) / 1024:>11.0f}{float(growth):>11.1f}{ms:>7}  {outcome}")
    print(f"\nworst growth {worst:.1f} MB (goal: under {GOAL_MB} MB)")
    print(f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if worst >= GOAL_MB and not unbounded:
        sys.exit(1)


if __name__ == "__main__":
    main()
