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
import time
from dataclasses import asdict
from typing import IO, Any

from provenance import remote
from provenance.reader import (
    Verification,
    reader_context,
    remote_fetch_refusal,
    remote_manifest_url,
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
    sidecar: bytes | None = None,
    remote_timeout: float = remote.DEFAULT_TIMEOUT,
    remote_max_bytes: int = remote.DEFAULT_MAX_BYTES,
) -> tuple[Verification, XmpMetadata]:
    """The read itself, in this process or the child: XMP first, then the credentials with the
    trust settings. With `sidecar` (the bytes of a .c2pa file that came with the media) that
    manifest store is verified against the file. Without one, a file whose manifest is
    remote gets it fetched when the settings allow (provenance.remote) and verified likewise."""
    xmp = read_xmp(handle)
    context = reader_context(trust_anchors=trust_anchors, allowed_list=allowed_list)
    if sidecar:
        return verify_stream(handle, media_type, context=context, manifest_data=sidecar), xmp
    verification = verify_stream(handle, media_type, context=context)
    if verification.state != ProvenanceState.REMOTE_UNAVAILABLE:
        return verification, xmp
    url = remote_manifest_url(verification) or xmp.remote_manifest_url
    verification.remote_manifest_url = url
    refusal = remote_fetch_refusal(url, enabled=remote_fetch, hosts=remote_hosts)
    if refusal:
        verification.error = _remote_message(url, f"it was not fetched: {refusal}.")
        return verification, xmp
    started = time.perf_counter()
    try:
        manifest = remote.fetch_remote_manifest(
            url, hosts=remote_hosts, timeout=remote_timeout, max_bytes=remote_max_bytes
        )
    except remote.RemoteManifestUnavailable as exc:
        verification.error = _remote_message(url, f"it could not be fetched: {exc}.")
        return verification, xmp
    fetched = verify_stream(handle, media_type, context=context, manifest_data=manifest)
    fetched.manifest_source = "remote" if fetched.manifest_store is not None else ""
    fetched.remote_manifest_url = url
    # The whole read: the first pass that found the reference, the fetch and the second pass.
    fetched.duration_ms = verification.duration_ms + (time.perf_counter() - started) * 1000
    return fetched, xmp


def _remote_message(url: str, outcome: str) -> str:
    return f"The Content Credentials are stored remotely ({url}); {outcome}"[:2000]


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
    sidecar: bytes | None = None,
    remote_timeout: float = remote.DEFAULT_TIMEOUT,
    remote_max_bytes: int = remote.DEFAULT_MAX_BYTES,
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
            "sidecar": None if sidecar is None else base64.b64encode(sidecar).decode("ascii"),
            "remote_timeout": remote_timeout,
            "remote_max_bytes": remote_max_bytes,
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
    sidecar = job.get("sidecar")
    with open(job["path"], "rb") as handle:
        verification, xmp = verify_handle(
            handle,
            job["media_type"],
            trust_anchors=job["trust_anchors"],
            allowed_list=job["allowed_list"],
            remote_fetch=job["remote_fetch"],
            remote_hosts=job["remote_hosts"],
            sidecar=None if sidecar is None else base64.b64decode(sidecar),
            remote_timeout=job["remote_timeout"],
            remote_max_bytes=job["remote_max_bytes"],
        )
    sys.stdout.write(json.dumps(_encode(verification, xmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
