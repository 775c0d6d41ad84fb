"""A real HTTP server on 127.0.0.1 that answers what each test scripts and records what the
client sent (the client's retries, headers and bodies go over real sockets), and API answers
shaped as the schema says."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# docs/openapi.json of the repository this client lives in.
REPO_ROOT = Path(__file__).resolve().parents[3]
OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"
CMS_DOC_PATH = REPO_ROOT / "docs" / "cms-integration.md"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Answer:
        return cls(
            status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers}
        )

    @classmethod
    def problem(cls, status: int, kind: str, detail: str = "", **extra: Any) -> Answer:
        body = {
            "type": f"tag:proofdesk,2026:problems/{kind}",
            "title": kind.replace("-", " ").capitalize(),
            "status": status,
            "detail": detail or kind,
            **extra,
        }
        return cls(status, json.dumps(body).encode(), {"Content-Type": "application/problem+json"})


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeProofdesk:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Answer]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def on(self, method: str, path: str, *answers: Answer) -> None:
        """Answer the next requests to `path` with `answers` in turn; the last one repeats."""
        self.answers[(method, path)] = list(answers)

    def _answer_for(self, method: str, path: str) -> Answer:
        with self.lock:
            queue = self.answers.get((method, path))
            if not queue:
                return Answer.problem(404, "not-found", "nothing scripted")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    fake.seen.append(
                        Seen(
                            self.command,
                            parts.path,
                            dict(parse_qsl(parts.query)),
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                answer = fake._answer_for(self.command, parts.path)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def requests_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path == path]


def clearance_json(asset_id: int = 7, *, cleared: bool = True, base: str = "") -> dict[str, Any]:
    """An asset's clearance as the API answers it (every field the schema requires)."""
    rendition = {
        "id": 3,
        "media_type": "image/jpeg",
        "size_bytes": 5,
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",  # "hello"
        "placement": "embedded",
        "download_url": f"{base}/api/v1/renditions/3/download?sig=abc",
        "sidecar_url": None,
        "sidecar_sha256": "",
        "slate_url": None,
        "links_expire_at": "2026-11-28T10:25:02.417Z",
    }
    label = {
        "name": "AI-generated",
        "text": "This image was made with an AI image generator.",
        "language": "en",
        "version": 1,
        "caption": "AI-generated: This image was made with an AI image generator.",
        "html": '<p class="proofdesk-label">AI-generated</p>',
        "json_ld": {"@context": "https://schema.org", "@type": "ImageObject"},
    }
    return {
        "id": asset_id,
        "uid": "5b0c3e7d0f6a4f0e9f3e2f7d6a1c9b21",
        "story_ref": "flood-2026-11",
        "media_kind": "image",
        "media_type": "image/jpeg",
        "status": "approved" if cleared else "in_review",
        "clearance": {
            "status": "cleared" if cleared else "not_cleared",
            "reasons": [] if cleared else ["Consent is missing for the person depicted."],
        },
        "signoff": {
            "approved_at": "2026-11-28T10:15:02.401Z",
            "cleared_at": "2026-11-28T10:15:02.401Z",
            "content_hash": "a" * 64,
            "second_approval_required": False,
            "second_approved_at": None,
        }
        if cleared
        else None,
        "label": label if cleared else None,
        "rendition": rendition if cleared else None,
        "provenance": {
            "state": "no_manifest",
            "state_label": "No Content Credentials",
            "signer_organisation": "",
            "digital_source_types": [],
            "checked_at": "2026-11-28T10:00:00Z",
        },
        "consent": {"complete": cleared, "parties": 1, "waived": 0},
    }


def listed_json(asset_id: int) -> dict[str, Any]:
    return {
        "id": asset_id,
        "uid": f"{asset_id:032x}",
        "story_ref": "flood",
        "media_kind": "image",
        "media_type": "image/jpeg",
        "status": "approved",
        "clearance": "cleared",
        "cleared_at": "2026-11-28T10:15:02Z",
        "revoked_at": None,
        "changed_at": "2026-11-28T10:15:02Z",
        "content_hash": "b" * 64,
        "url": f"http://proofdesk.test/api/v1/assets/{asset_id}",
    }


def publication_json(asset_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "id": 11,
        "asset_id": asset_id,
        "cms_reference": "article-77",
        "public_url": "https://news.example/77",
        "published_at": "2026-11-28T10:20:00Z",
        "unpublished_at": None,
        "unpublish_reason": "",
        "signoff_content_hash": "a" * 64,
        "rendition_sha256": "",
        "asset_status": "published",
        **overrides,
    }
