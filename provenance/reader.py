"""Reading and verifying C2PA Content Credentials with c2pa-python. Pure: no database.

What comes out is a `Verification`: the state the desk shows, every status code, the active
manifest's signer, generator, actions and digital source types, the ingredient tree with each
node's own validation, thumbnails, CAWG identity assertions and the raw manifest store.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlsplit

import c2pa

from provenance.states import ProvenanceState, source_type_term

MAX_INGREDIENT_DEPTH = 16
# Ingredients may share manifests (a diamond of edits), so a hostile store of a few kilobytes
# can describe a tree of billions of nodes within the depth limit: cap the nodes walked too.
MAX_INGREDIENT_NODES = 500
MAX_THUMBNAIL_BYTES = 512 * 1024

# The desk's media types (review.intake sniffs them from the content) and the name the c2pa
# library reads each by; a type missing here is "unsupported" without asking the library (it
# would say the same, more slowly). tests/provenance/test_reader_formats.py checks that every
# name is one `c2pa.Reader.get_supported_mime_types()` lists and that every image, video and
# audio format on that list is here.
READER_MIME_TYPES: dict[str, str] = {
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "image/tiff": "image/tiff",
    "image/x-adobe-dng": "image/x-adobe-dng",
    "image/heic": "image/heic",
    "image/heif": "image/heif",
    "image/avif": "image/avif",
    "image/jxl": "image/jxl",
    "image/svg+xml": "image/svg+xml",
    "video/mp4": "video/mp4",
    "video/x-m4v": "video/x-m4v",
    "video/quicktime": "video/quicktime",
    "video/x-msvideo": "video/x-msvideo",
    "audio/mpeg": "audio/mpeg",
    "audio/x-wav": "audio/x-wav",
    "audio/x-flac": "audio/flac",
    "audio/mp4": "audio/mp4",
    "audio/m4a": "audio/mp4",
}


def reader_mime_type(media_type: str) -> str:
    """The name the c2pa library reads `media_type` by, "" when it cannot read it."""
    return READER_MIME_TYPES.get(media_type, "")


def library_version() -> str:
    return f"c2pa-python {version('c2pa-python')}"


@dataclass
class Verification:
    state: ProvenanceState
    codes: list[str] = field(default_factory=list)
    status: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    signer: dict[str, Any] = field(default_factory=dict)
    claim_generator: str = ""
    title: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    digital_source_types: list[str] = field(default_factory=list)
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    cawg: list[dict[str, Any]] = field(default_factory=list)
    thumbnails: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    manifest_store: dict[str, Any] | None = None
    duration_ms: float = 0.0
    # Where the manifest store read came from: "embedded", "sidecar" (a .c2pa file that came
    # with the media) or "remote" (fetched from remote_manifest_url); "" when none was read.
    manifest_source: str = ""
    remote_manifest_url: str = ""

    @property
    def ingredient_count(self) -> int:
        def count(nodes: list[dict[str, Any]]) -> int:
            return sum(1 + count(node.get("children", [])) for node in nodes)

        return count(self.ingredients)


def remote_fetch_refusal(url: str, *, enabled: bool, hosts: list[str]) -> str:
    """Why a remote manifest at `url` is not fetched, or "" when it may be: fetching must be
    on and the URL https on a host the setting names. The desk never calls a server nobody
    chose, so an empty host list allows none."""
    if not url:
        return "the file names no address for it"
    if not enabled:
        return "fetching remote manifests is off (C2PA_REMOTE_MANIFEST_FETCH)"
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "only https addresses are fetched"
    if parts.hostname.lower() not in {h.strip().lower() for h in hosts if h.strip()}:
        return f"{parts.hostname} is not named in C2PA_REMOTE_MANIFEST_HOSTS"
    return ""


def remote_fetch_permitted(url: str, *, enabled: bool, hosts: list[str]) -> bool:
    return not remote_fetch_refusal(url, enabled=enabled, hosts=hosts)


def reader_context(
    *, trust_anchors: str = "", allowed_list: str = "", remote_fetch: bool = False
) -> c2pa.Context:
    settings: dict[str, Any] = {
        # The desk leaves it off and fetches through provenance.remote instead, under its host
        # list, time limit, size cap and address rules: the library's own fetch has none of
        # them and waits 30 s on a server that never answers (C2PA_NOTES.md).
        "verify": {"remote_manifest_fetch": remote_fetch},
    }
    trust: dict[str, str] = {}
    if trust_anchors:
        trust["trust_anchors"] = trust_anchors
    if allowed_list:
        trust["allowed_list"] = allowed_list
    if trust:
        settings["trust"] = trust
    return c2pa.Context.from_dict(settings)


def _claim_generator(manifest: dict[str, Any]) -> str:
    if manifest.get("claim_generator"):
        return str(manifest["claim_generator"])
    parts = []
    for info in manifest.get("claim_generator_info") or []:
        if isinstance(info, dict) and info.get("name"):
            parts.append(f"{info['name']} {info.get('version', '')}".strip())
    return ", ".join(parts)


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        label = str(assertion.get("label", ""))
        if not label.startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = f"{agent.get('name', '')} {agent.get('version', '')}".strip()
            found.append(
                {
                    "action": action.get("action", ""),
                    "digital_source_type": str(action.get("digitalSourceType") or "").strip(),
                    "software_agent": agent or "",
                    "when": action.get("when", ""),
                    "description": action.get("description", ""),
                }
            )
    return found


def _cawg(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for assertion in manifest.get("assertions") or []:
        label = str(assertion.get("label", ""))
        if label.startswith("cawg."):
            found.append({"label": label, "data": assertion.get("data")})
    return found


def _signer(manifest: dict[str, Any]) -> dict[str, Any]:
    info = manifest.get("signature_info") or {}
    return {
        "organisation": info.get("issuer", ""),
        "common_name": info.get("common_name", ""),
        "algorithm": info.get("alg", ""),
        "serial_number": info.get("cert_serial_number", ""),
        "time": info.get("time", ""),
    }


def _ingredient_state(ingredient: dict[str, Any]) -> tuple[str, list[str]]:
    results = ingredient.get("validation_results") or {}
    failures = (results.get("activeManifest") or {}).get("failure") or []
    codes = [f.get("code", "") for f in failures]
    codes += [s.get("code", "") for s in ingredient.get("validation_status") or []]
    codes = sorted(set(filter(None, codes)))
    if not ingredient.get("active_manifest") and not ingredient.get("manifest_data"):
        return ProvenanceState.NO_MANIFEST, codes
    hard = [
        c
        for c in codes
        if not c.startswith(
            ("signingCredential.untrusted", "cawg.", "ingredient.unknownProvenance")
        )
    ]
    if hard:
        return ProvenanceState.INVALID, codes
    if "signingCredential.untrusted" in codes:
        return ProvenanceState.VALID, codes
    return ProvenanceState.TRUSTED, codes


def _ingredient_tree(
    store: dict[str, Any],
    manifest: dict[str, Any],
    depth: int,
    seen: set[str],
    budget: list[int] | None = None,
) -> list[dict[str, Any]]:
    budget = [MAX_INGREDIENT_NODES] if budget is None else budget  # shared by the whole walk
    nodes: list[dict[str, Any]] = []
    for ingredient in manifest.get("ingredients") or []:
        if budget[0] <= 0:
            break  # the caller marks its node truncated
        budget[0] -= 1
        state, codes = _ingredient_state(ingredient)
        label = ingredient.get("active_manifest") or ""
        child_manifest = store.get("manifests", {}).get(label) if label else None
        node: dict[str, Any] = {
            "title": ingredient.get("title", ""),
            "format": ingredient.get("format", ""),
            "relationship": ingredient.get("relationship", ""),
            "state": state,
            "codes": codes,
            "thumbnail": (ingredient.get("thumbnail") or {}).get("identifier", ""),
            "signer": _signer(child_manifest) if child_manifest else {},
            "claim_generator": _claim_generator(child_manifest) if child_manifest else "",
            "digital_source_types": [],
            "children": [],
        }
        if child_manifest is not None:
            node["digital_source_types"] = _source_types(_actions(child_manifest))
            # A manifest store is a graph; guard against cycles and absurd depth.
            if label not in seen and depth < MAX_INGREDIENT_DEPTH:
                node["children"] = _ingredient_tree(
                    store, child_manifest, depth + 1, seen | {label}, budget
                )
                if len(node["children"]) < len(child_manifest.get("ingredients") or []):
                    node["truncated"] = True
            elif depth >= MAX_INGREDIENT_DEPTH and child_manifest.get("ingredients"):
                node["truncated"] = True
        nodes.append(node)
    return nodes


def _source_types(actions: list[dict[str, Any]]) -> list[str]:
    terms: list[str] = []
    for action in actions:
        uri = action.get("digital_source_type") or ""
        if uri and source_type_term(uri) not in terms:
            terms.append(source_type_term(uri))
    return terms


def _thumbnails(reader: c2pa.Reader, identifiers: dict[str, str]) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for identifier, fmt in identifiers.items():
        buffer = BytesIO()
        try:
            reader.resource_to_stream(identifier, buffer)
        except c2pa.C2paError:
            continue  # a missing thumbnail is not a verification failure
        data = buffer.getvalue()
        if 0 < len(data) <= MAX_THUMBNAIL_BYTES:
            found[identifier] = (fmt, data)
    return found


def _thumbnail_ids(
    manifest: dict[str, Any],
    store: dict[str, Any],
    depth: int = 0,
    visited: set[str] | None = None,
) -> dict[str, str]:
    visited = set() if visited is None else visited  # each manifest once: shared ones too
    ids: dict[str, str] = {}
    thumb = manifest.get("thumbnail") or {}
    if thumb.get("identifier"):
        ids[thumb["identifier"]] = thumb.get("format", "image/jpeg")
    for ingredient in manifest.get("ingredients") or []:
        thumb = ingredient.get("thumbnail") or {}
        if thumb.get("identifier"):
            ids[thumb["identifier"]] = thumb.get("format", "image/jpeg")
        label = ingredient.get("active_manifest") or ""
        child = store.get("manifests", {}).get(label)
        if child is not None and label not in visited and depth < MAX_INGREDIENT_DEPTH:
            visited.add(label)
            ids.update(_thumbnail_ids(child, store, depth + 1, visited))
    return ids


def _state_from_store(store: dict[str, Any]) -> ProvenanceState:
    raw = str(store.get("validation_state", "")).lower()
    return {
        "trusted": ProvenanceState.TRUSTED,
        "valid": ProvenanceState.VALID,
        "invalid": ProvenanceState.INVALID,
    }.get(raw, ProvenanceState.INVALID)


def _error_state(exc: c2pa.C2paError) -> ProvenanceState:
    message = str(exc)
    name = type(exc).__name__
    # The remote case arrives as a plain C2paError whose message starts with "Remote:".
    if message.startswith("Remote") or name == "RemoteManifest":
        return ProvenanceState.REMOTE_UNAVAILABLE
    if name == "ManifestNotFound" or message.startswith("ManifestNotFound"):
        return ProvenanceState.NO_MANIFEST
    if name == "NotSupported" or message.startswith("NotSupported"):
        return ProvenanceState.UNSUPPORTED
    if "cannot contain C2PA manifests" in message:
        # A bare JPEG XL codestream: the format has nowhere to put a manifest (the reader calls
        # it "Other"), which is what "unsupported" tells the desk.
        return ProvenanceState.UNSUPPORTED
    return ProvenanceState.UNREADABLE


_REMOTE_URL = re.compile(r"from url (\S+)")


def remote_manifest_url(verification: Verification) -> str:
    """The URL the reader would fetch the manifest from, when it said it must fetch one."""
    if verification.state != ProvenanceState.REMOTE_UNAVAILABLE:
        return ""
    found = _REMOTE_URL.search(verification.error)
    return found.group(1) if found else ""


def verify_stream(
    stream: IO[bytes],
    mime_type: str,
    *,
    context: c2pa.Context,
    manifest_data: bytes | None = None,
) -> Verification:
    """Verify the credentials of the media in `stream` (a desk media type). With
    `manifest_data` (a sidecar .c2pa or a fetched remote manifest) that manifest store is
    verified against the media instead of one embedded in it."""
    started = time.perf_counter()
    result = _verify(stream, mime_type, context, manifest_data)
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result


def _verify(
    stream: IO[bytes], mime_type: str, context: c2pa.Context, manifest_data: bytes | None
) -> Verification:
    reader_type = reader_mime_type(mime_type)
    if not reader_type:
        return Verification(
            ProvenanceState.UNSUPPORTED,
            error=f"Content Credentials cannot be read from {mime_type} files.",
        )
    stream.seek(0)
    try:
        reader = c2pa.Reader(reader_type, stream, manifest_data=manifest_data, context=context)
    except c2pa.C2paError as exc:
        return Verification(_error_state(exc), error=str(exc)[:2000])
    except Exception as exc:  # the native layer may raise others on hostile input
        return Verification(ProvenanceState.UNREADABLE, error=f"{type(exc).__name__}: {exc}"[:2000])
    try:
        with reader:
            store: dict[str, Any] = json.loads(reader.json())
            manifest = store.get("manifests", {}).get(store.get("active_manifest", "")) or {}
            status = [
                {
                    "code": s.get("code", ""),
                    "explanation": s.get("explanation", ""),
                    "url": s.get("url", ""),
                }
                for s in store.get("validation_status") or []
            ]
            actions = _actions(manifest)
            thumbnails = _thumbnails(reader, _thumbnail_ids(manifest, store))
    except c2pa.C2paError as exc:
        return Verification(_error_state(exc), error=str(exc)[:2000])
    return Verification(
        state=_state_from_store(store),
        codes=sorted({s["code"] for s in status if s["code"]}),
        status=status,
        signer=_signer(manifest),
        claim_generator=_claim_generator(manifest),
        title=str(manifest.get("title", "")),
        actions=actions,
        digital_source_types=_source_types(actions),
        ingredients=_ingredient_tree(store, manifest, 0, {store.get("active_manifest", "")}),
        cawg=_cawg(manifest),
        thumbnails=thumbnails,
        manifest_store=store,
        manifest_source="embedded" if manifest_data is None else "sidecar",
    )
