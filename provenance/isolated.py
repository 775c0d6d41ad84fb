"""Verify a large file in a child process: `python -m provenance.isolated`.

c2pa-python holds the whole file in memory while it reads (a 200 MiB MP4 peaks at about 235 MB,
C2PA_NOTES.md). Without a broker the check runs in the web process, so a 500 MB upload would
grow a web worker by the size of the file and keep most of it. In a child the memory goes back
to the system when it exits, a read that hangs in native code is killed at the time limit
instead of holding a thread for ever, and hostile media that crashes the native library takes
down the child, not the worker. Small files stay in-process: starting a child costs more than
reading them.

No Django here: the parent passes a local path and the trust bundles, the child answers with
one JSON document on stdout.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from typing import IO, Any

from provenance.reader import (
    Verification,
    reader_context,
    remote_fetch_permitted,
    verify_stream,
)
from provenance.states import ProvenanceState
from provenance.xmp import XmpMetadata, read_xmp


def _encode(verification: Verification, xmp: XmpMetadata) -> dict[str, Any]:
    payload = asdict(verification)
    payload["state"] = str(verification.state)
    payload["thumbnails"] = {
        identifier: [fmt, base64.b64encode(data).decode("ascii")]
        for identifier, (fmt, data) in verification.thumbnails.items()
    }
    return {"verification": payload, "xmp": asdict(xmp)}


def _decode(document: dict[str, Any]) -> tuple[Verification, XmpMetadata]:
    payload = dict(document["verification"])
    payload["state"] = ProvenanceState(payload["state"])
    payload["thumbnails"] = {
        identifier: (fmt, base64.b64decode(data))
        for identifier, (fmt, data) in payload["thumbnails"].items()
    }
    return Verification(**payload), XmpMetadata(**document["xmp"])


def verify_handle(
    handle: IO[bytes],
    media_type: str,
    *,
    trust_anchors: str,
    allowed_list: str,
    remote_fetch: bool,
    remote_hosts: list[str],
) -> tuple[Verification, XmpMetadata]:
    """The read itself, in this process or the child: XMP first (it may name a remote
    manifest), then the credentials with the trust and remote-fetch settings."""
    xmp = read_xmp(handle)
    context = reader_context(
        trust_anchors=trust_anchors,
        allowed_list=allowed_list,
        remote_fetch=remote_fetch_permitted(
            xmp.remote_manifest_url, enabled=remote_fetch, hosts=remote_hosts
        ),
    )
    return verify_stream(handle, media_type, context=context), xmp


def unreadable(message: str) -> tuple[Verification, XmpMetadata]:
    return Verification(ProvenanceState.UNREADABLE, error=message), XmpMetadata()


def verify_in_child(
    path: str,
    media_type: str,
    *,
    trust_anchors: str,
    allowed_list: str,
    remote_fetch: bool,
    remote_hosts: list[str],
    timeout: float,
) -> tuple[Verification, XmpMetadata]:
    """Run `verify_handle` on a local file in a fresh interpreter, killed after `timeout` s."""
    job = json.dumps(
        {
            "path": path,
            "media_type": media_type,
            "trust_anchors": trust_anchors,
            "allowed_list": allowed_list,
            "remote_fetch": remote_fetch,
            "remote_hosts": remote_hosts,
        }
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "provenance.isolated"],
            input=job.encode(),
            capture_output=True,
            timeout=timeout,
            cwd=root,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return unreadable(f"Verification took longer than {timeout:g} s and was abandoned.")
    if completed.returncode < 0:
        name = signal.Signals(-completed.returncode).name
        return unreadable(f"The Content Credentials reader crashed on this file ({name}).")
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip().splitlines()
        return unreadable(
            "The Content Credentials reader failed on this file"
            + (f": {detail[-1][:500]}" if detail else ".")
        )
    try:
        return _decode(json.loads(completed.stdout))
    except (ValueError, KeyError, TypeError) as exc:
        return unreadable(
            f"The Content Credentials reader gave an answer that could not be read: {exc}"
        )


def main() -> int:
    job = json.loads(sys.stdin.buffer.read())
    with open(job["path"], "rb") as handle:
        verification, xmp = verify_handle(
            handle,
            job["media_type"],
            trust_anchors=job["trust_anchors"],
            allowed_list=job["allowed_list"],
            remote_fetch=job["remote_fetch"],
            remote_hosts=job["remote_hosts"],
        )
    sys.stdout.write(json.dumps(_encode(verification, xmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
