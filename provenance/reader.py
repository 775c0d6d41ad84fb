"""Reading and verifying C2PA Content Credentials with c2pa-python. Pure: no database.

What comes out is a `Verification`: the state the desk shows, every status code, the active
manifest's signer, generator, actions and digital source types, the ingredient tree with each
node's own validation, thumbnails, CAWG identity assertions and the raw manifest store.
"""

from __future__ import annotations

import json
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

# The c2pa library reads these formats by MIME type; anything else is "unsupported" without
# asking it (it would say the same, more slowly).
C2PA_MIME_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "image/avif",
        "image/svg+xml",
        "image/x-adobe-dng",
        "image/dng",
        "video/mp4",
        "video/quicktime",
        "video/x-msvideo",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "audio/mpeg",
        "audio/x-wav",
        "audio/wav",
        "audio/vnd.wave",
        "audio/aac",
        "application/pdf",
        "application/mp4",
    }
)


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

    @property
    def ingredient_count(self) -> int:
        def count(nodes: list[dict[str, Any]]) -> int:
            return sum(1 + count(node.get("children", [])) for node in nodes)

        return count(self.ingredients)


def remote_fetch_permitted(url: str, *, enabled: bool, hosts: list[str]) -> bool:
    """Fetch a remote manifest only when fetching is on and the URL's host is on the allow-list
    (an empty list allows any https host): the desk never calls arbitrary servers by default."""
    if not enabled or not url:
        return False
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return False
    allowed = [h.lower() for h in hosts]
    return not allowed or parts.hostname.lower() in allowed


def reader_context(
    *, trust_anchors: str = "", allowed_list: str = "", remote_fetch: bool = False
) -> c2pa.Context:
    settings: dict[str, Any] = {
        # Off unless configured: a remote manifest on a server that never answers would block
        # a worker for 30 s (C2PA_NOTES.md).
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
    return ProvenanceState.UNREADABLE


def verify_stream(stream: IO[bytes], mime_type: str, *, context: c2pa.Context) -> Verification:
    started = time.perf_counter()
    result = _verify(stream, mime_type, context)
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result


def _verify(stream: IO[bytes], mime_type: str, context: c2pa.Context) -> Verification:
    if mime_type not in C2PA_MIME_TYPES:
        return Verification(
            ProvenanceState.UNSUPPORTED,
            error=f"Content Credentials cannot be read from {mime_type} files.",
        )
    stream.seek(0)
    try:
        reader = c2pa.Reader(mime_type, stream, context=context)
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
    )
