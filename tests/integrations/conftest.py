"""Fixtures for the CMS integration tests."""

from __future__ import annotations

# --- webhooks (outbox, delivery, admin pages) ----------------------------------------------
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission

from accounts.roles import Role
from integrations.models import Integration, WebhookEndpoint
from integrations.signing import generate_secret
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.labeling.conftest import signing_keys

__all__ = ["signing_keys"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int = 204
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (a slow receiver)
    hold: threading.Event | None = None  # answer only once the test sets it
    headers: dict[str, str] = field(default_factory=dict)


class WebhookServer:
    """A receiver on 127.0.0.1 in a thread: answers with what the test scripted (then with
    `default`) and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hooks"

    def answer(self, *answers: Answer) -> None:
        self.script.extend(answers)

    def _next(self, received: Received) -> Answer:
        with self.lock:
            self.requests.append(received)
            return self.script.popleft() if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answer = server._next(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.hold is not None:
                    answer.hold.wait(timeout=10)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def make_webhook_endpoint(db):
    def make(url: str, *, name: str = "", event_types: list[str] | None = None, **fields):
        integration = Integration.objects.create(name=name or f"cms-{Integration.objects.count()}")
        return WebhookEndpoint.objects.create(
            integration=integration,
            url=url,
            secret=generate_secret(),
            event_types=event_types or [],
            **fields,
        )

    return make


@pytest.fixture
def webhook_endpoint(make_webhook_endpoint, webhook_server) -> WebhookEndpoint:
    endpoint: WebhookEndpoint = make_webhook_endpoint(webhook_server.url, name="main-cms")
    return endpoint


def _with_manage_permission(user):
    # Granted directly: the tests do not depend on which roles the data migration covers.
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="integrations", codename="manage_integrations"
        )
    )
    return user


@pytest.fixture
def integrations_manager(standards):
    return _with_manage_permission(standards)


@pytest.fixture
def integrations_admin(db):
    return _with_manage_permission(UserFactory(username="ada_admin", roles=[Role.ADMIN]))


@pytest.fixture
def manager_client(integrations_manager):
    return client_for(integrations_manager)


# --- CMS API (tokens, clearance, publications, downloads) -----------------------------------

from integrations.models import DEFAULT_SCOPES, TokenScope  # noqa: E402
from integrations.tokens import token_create  # noqa: E402
from tests.integrations.api_helpers import ApiClient  # noqa: E402


@pytest.fixture
def cms(db) -> Integration:
    """The newsroom's CMS, as `create_integration` would make it."""
    return Integration.objects.create(name="Main CMS")


@pytest.fixture
def make_token(cms):
    """A token's plaintext: all scopes unless some are named."""

    def make(*scopes: str, integration: Integration | None = None, expires_at=None) -> str:
        _, plaintext = token_create(
            integration=integration or cms,
            scopes=scopes or TokenScope.values,
            expires_at=expires_at,
        )
        return plaintext

    return make


@pytest.fixture
def cms_api(make_token) -> ApiClient:
    """The CMS with a token holding every scope."""
    return ApiClient(make_token())


@pytest.fixture
def reader_api(make_token) -> ApiClient:
    """The CMS with a read-only token."""
    return ApiClient(make_token(TokenScope.READ))


@pytest.fixture
def default_api(make_token) -> ApiClient:
    """The CMS with the scopes a new integration gets: it knows only assets cleared once."""
    return ApiClient(make_token(*DEFAULT_SCOPES))


@pytest.fixture
def uncleared_reader_api(make_token) -> ApiClient:
    """The CMS with a read-only token that may also read assets the desk never cleared."""
    return ApiClient(make_token(TokenScope.READ, TokenScope.READ_UNCLEARED))
