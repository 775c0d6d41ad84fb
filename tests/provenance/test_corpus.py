"""Interoperability: every file of the shared C2PA corpus through `manage.py ingest --json`,
compared with the reference reader's verdicts in expected.tsv."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from review.intake import ALLOWED_MEDIA_TYPES

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))

EXPECTED_STATE = {
    "Valid": "valid",
    "Invalid": "invalid",
    "Trusted": "trusted",
    "ManifestNotFound": "no_manifest",
    "Error": "remote_unavailable",
    "NotSupported": "unsupported",
    "Other": "unreadable",
}


def _expected() -> list[tuple[str, str]]:
    if not (CORPUS / "expected.tsv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"The C2PA corpus is missing at {CORPUS} (set C2PA_CORPUS).")
        return []
    rows = []
    with (CORPUS / "expected.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = row["validation_state"] if row["result"] == "manifest" else row["result"]
            rows.append((row["path"], EXPECTED_STATE[key]))
    return rows


ROWS = _expected()


@pytest.mark.skipif(not ROWS, reason="no C2PA corpus here (set C2PA_CORPUS); CI fails instead")
@pytest.mark.django_db
def test_ingest_agrees_with_the_reference_reader_on_every_corpus_file(reporter):
    out = io.StringIO()
    paths = [str(CORPUS / path) for path, _ in ROWS]
    # Non-media files (a PDF) make the command exit non-zero; their lines are checked below.
    with contextlib.suppress(SystemExit, CommandError):
        call_command("ingest", *paths, "--json", "--uploader", reporter.username, stdout=out)
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    lines = {Path(line["path"]).relative_to(CORPUS).as_posix(): line for line in parsed}
    mismatches = []
    for path, expected in ROWS:
        line = lines.get(path)
        assert line is not None, f"no JSON line for {path}"
        if "error" in line:
            # The desk takes images, video and audio only; anything else must say so.
            assert "not an image, video or audio" in line["error"], (path, line)
            continue
        if line["provenance"]["state"] != expected:
            mismatches.append(
                (path, expected, line["provenance"]["state"], line["provenance"]["codes"])
            )
    assert mismatches == []
    ingested = [line for line in lines.values() if "error" not in line]
    # Nearly all of the corpus is media the desk accepts.
    assert len(ingested) >= len(ROWS) - 2
    assert all(line["media_type"] in ALLOWED_MEDIA_TYPES for line in ingested)
