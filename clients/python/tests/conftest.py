"""Fixtures: the scripted Proofdesk on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from proofdesk_fakes import FakeProofdesk


@pytest.fixture
def fake() -> Iterator[FakeProofdesk]:
    server = FakeProofdesk()
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
