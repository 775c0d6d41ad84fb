"""Remote manifests (issue 15.4): fetched only when the settings turn fetching on and name the
host, over https, never from a private or loopback address, within a time limit and a size
cap. Nothing here leaves 127.0.0.1: the refusals happen before any connection, and the fetches
that succeed go to a server on loopback, which the real rules refuse, so those tests pass the
fetcher rules that let it through."""

from __future__ import annotations

import io
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest

from provenance import remote
from provenance.isolated import verify_handle
from provenance.reader import remote_fetch_permitted
from provenance.remote import (
    RemoteManifestUnavailable,
    check_manifest_url,
    fetch_remote_manifest,
)
from provenance.states import ProvenanceState
from tests.provenance import formats
from tests.provenance.media import make_signer, plain_jpeg

MANIFEST_URL = "https://manifests.example.org/store/photo.c2pa"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    stall: threading.Event | None = None  # the answer waits until this is set


class ManifestServer:
    """An HTTP server on 127.0.0.1 answering the routes a test sets; it records each path
    asked for, so a test can tell that a refused fetch never connected."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path, Route(status=404))
                if route.stall is not None:
                    route.stall.wait(10)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(route.body), 4096):
                        piece = route.body[start : start + 4096]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[ManifestServer]:
    running = ManifestServer()
    thread = threading.Thread(
        target=running.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield running
    for route in running.routes.values():
        if route.stall is not None:
            route.stall.set()
    running.httpd.shutdown()
    running.httpd.server_close()


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Remote Agency")


def allow_any_url(url: str, hosts: list[str], address_rule: Callable[..., str]) -> None:
    """The test server is http on loopback: the real URL rule refuses it (tested below)."""


def allow_any_address(address: object) -> str:
    return ""


def fetch_from_test_server(url: str, **limits: object) -> bytes:
    return fetch_remote_manifest(
        url,
        hosts=["127.0.0.1"],
        url_rule=allow_any_url,
        address_rule=allow_any_address,
        **limits,  # type: ignore[arg-type]
    )


def public_dns(host, port, *args, **kwargs):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]


def dns_answering(address: str):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


# --- the rules: refused before any connection ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "hosts", "resolver", "why"),
    [
        ("http://cdn.example.org/m.c2pa", ["cdn.example.org"], public_dns, "only https"),
        ("ftp://cdn.example.org/m.c2pa", ["cdn.example.org"], public_dns, "only https"),
        ("https://u:p@cdn.example.org/m.c2pa", ["cdn.example.org"], public_dns, "password"),
        ("https://evil.example.com/m.c2pa", ["cdn.example.org"], public_dns, "not a host named"),
        ("https://cdn.example.org/m.c2pa", [], public_dns, "not a host named"),
        ("https://127.0.0.1/m.c2pa", ["127.0.0.1"], public_dns, "loopback"),
        ("https://localhost/m.c2pa", ["localhost"], public_dns, "loopback"),
        ("https://[::1]/m.c2pa", ["::1"], public_dns, "loopback"),
        ("https://169.254.169.254/latest", ["169.254.169.254"], public_dns, "link-local"),
        (
            "https://cdn.example.org/m.c2pa",
            ["cdn.example.org"],
            dns_answering("10.1.2.3"),
            "private",
        ),
        (
            "https://cdn.example.org/m.c2pa",
            ["cdn.example.org"],
            dns_answering("192.168.0.9"),
            "private",
        ),
        ("https://[::ffff:10.0.0.1]/m.c2pa", ["::ffff:10.0.0.1"], public_dns, "private"),
        ("https://0.0.0.0/m.c2pa", ["0.0.0.0"], public_dns, "unspecified"),
    ],
)
def test_the_url_rules_refuse(url, hosts, resolver, why):
    with mock.patch("socket.getaddrinfo", resolver):
        with pytest.raises(RemoteManifestUnavailable, match=why):
            check_manifest_url(url, hosts, remote.address_problem)
        with pytest.raises(RemoteManifestUnavailable, match=why):
            fetch_remote_manifest(url, hosts=hosts)


def test_a_named_public_https_host_passes_the_url_rules():
    with mock.patch("socket.getaddrinfo", public_dns):
        check_manifest_url(
            "https://cdn.example.org/m.c2pa", ["CDN.example.org"], remote.address_problem
        )


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "::1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "fd00::1"],
)
def test_the_address_rule_refuses_the_newsrooms_own_network(address):
    assert remote.address_problem(ipaddress.ip_address(address))
    assert not remote.address_problem(ipaddress.ip_address("93.184.216.34"))


def test_a_loopback_server_is_refused_by_the_real_rules_without_a_request(server):
    server.routes["/m.c2pa"] = Route(body=b"\x00\x00\x00\x10jumb" + b"\x00" * 8)
    https_url = server.url("/m.c2pa").replace("http://", "https://")
    with pytest.raises(RemoteManifestUnavailable, match="loopback"):
        fetch_remote_manifest(https_url, hosts=["127.0.0.1"])
    assert server.requests == []


def test_the_address_connected_to_is_checked_too(server):
    """A name that passed its check and then resolves to loopback (DNS rebinding) is refused
    on the socket, before the request is sent."""
    server.routes["/m.c2pa"] = Route(body=b"\x00\x00\x00\x10jumb" + b"\x00" * 8)
    with pytest.raises(RemoteManifestUnavailable, match="loopback address"):
        fetch_remote_manifest(server.url("/m.c2pa"), hosts=["127.0.0.1"], url_rule=allow_any_url)
    assert server.requests == []


# --- the fetch itself, to a server on loopback with the rules let through --------------------


def test_the_manifest_store_is_fetched(server):
    store = b"\x00\x00\x00\x20jumb" + bytes(range(24))
    server.routes["/m.c2pa"] = Route(body=store, headers={"Content-Type": "application/c2pa"})
    assert fetch_from_test_server(server.url("/m.c2pa")) == store
    assert server.requests == ["/m.c2pa"]


def test_redirects_are_not_followed(server):
    server.routes["/moved"] = Route(status=302, headers={"Location": server.url("/m.c2pa")})
    server.routes["/m.c2pa"] = Route(body=b"\x00\x00\x00\x10jumb" + b"\x00" * 8)
    with pytest.raises(RemoteManifestUnavailable, match="redirect"):
        fetch_from_test_server(server.url("/moved"))
    assert server.requests == ["/moved"]


def test_an_error_answer_is_not_a_manifest(server):
    with pytest.raises(RemoteManifestUnavailable, match="answered 404"):
        fetch_from_test_server(server.url("/missing"))


def test_an_answer_that_is_no_manifest_store_is_refused(server):
    server.routes["/page"] = Route(body=b"<html>Not found</html>")
    with pytest.raises(RemoteManifestUnavailable, match="not a C2PA manifest store"):
        fetch_from_test_server(server.url("/page"))


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "streamed"])
def test_a_manifest_over_the_size_cap_is_refused(server, chunked):
    server.routes["/big"] = Route(body=b"\x00\x00\x00\x10jumb" + b"\x00" * 50_000, chunked=chunked)
    with pytest.raises(RemoteManifestUnavailable, match="larger than the 20000 byte cap"):
        fetch_from_test_server(server.url("/big"), max_bytes=20_000)


def test_a_server_that_does_not_answer_in_time_is_given_up(server):
    server.routes["/slow"] = Route(body=b"\x00\x00\x00\x10jumb", stall=threading.Event())
    with pytest.raises(RemoteManifestUnavailable, match="fetch failed"):
        fetch_from_test_server(server.url("/slow"), timeout=0.3)


# --- in the verification ----------------------------------------------------------------------


OPTIONS: dict[str, Any] = {"trust_anchors": "", "allowed_list": ""}


def test_with_fetching_off_the_remote_reference_is_reported_not_fetched(signer, monkeypatch):
    photo, _ = formats.remote(signer, plain_jpeg(), "image/jpeg", url=MANIFEST_URL)
    monkeypatch.setattr(remote, "fetch_remote_manifest", pytest.fail)

    off, _ = verify_handle(
        io.BytesIO(photo), "image/jpeg", remote_fetch=False, remote_hosts=[], **OPTIONS
    )
    unnamed, _ = verify_handle(
        io.BytesIO(photo),
        "image/jpeg",
        remote_fetch=True,
        remote_hosts=["other.example.org"],
        **OPTIONS,
    )

    assert off.state == unnamed.state == ProvenanceState.REMOTE_UNAVAILABLE
    assert off.remote_manifest_url == MANIFEST_URL
    assert "not fetched: fetching remote manifests is off" in off.error
    assert "manifests.example.org is not named in C2PA_REMOTE_MANIFEST_HOSTS" in unnamed.error


def test_an_allowed_remote_manifest_is_fetched_and_verified(signer, server, monkeypatch):
    photo, store = formats.remote(signer, plain_jpeg((5, 6, 7)), "image/jpeg", url=MANIFEST_URL)
    server.routes["/store/photo.c2pa"] = Route(body=store)
    asked: list[tuple[str, dict[str, object]]] = []

    def fetch_through_loopback(url: str, **limits: object) -> bytes:
        # The file names a public https host; the test serves it from loopback instead.
        asked.append((url, limits))
        return fetch_from_test_server(
            server.url("/store/photo.c2pa"),
            timeout=limits["timeout"],
            max_bytes=limits["max_bytes"],
        )

    monkeypatch.setattr(remote, "fetch_remote_manifest", fetch_through_loopback)
    verification, _ = verify_handle(
        io.BytesIO(photo),
        "image/jpeg",
        remote_fetch=True,
        remote_hosts=["manifests.example.org"],
        remote_timeout=4.0,
        remote_max_bytes=100_000,
        **OPTIONS,
    )

    assert asked == [
        (
            MANIFEST_URL,
            {"hosts": ["manifests.example.org"], "timeout": 4.0, "max_bytes": 100_000},
        )
    ]
    assert verification.state == ProvenanceState.VALID
    assert verification.manifest_source == "remote"
    assert verification.remote_manifest_url == MANIFEST_URL
    assert verification.signer["organisation"] == "Remote Agency"


def test_a_failed_fetch_leaves_the_reference_unavailable_with_the_reason(signer, monkeypatch):
    photo, _ = formats.remote(signer, plain_jpeg(), "image/jpeg", url=MANIFEST_URL)

    def refuse(url: str, **limits: object) -> bytes:
        raise RemoteManifestUnavailable("manifests.example.org: 10.0.0.7 is a private address")

    monkeypatch.setattr(remote, "fetch_remote_manifest", refuse)
    verification, _ = verify_handle(
        io.BytesIO(photo),
        "image/jpeg",
        remote_fetch=True,
        remote_hosts=["manifests.example.org"],
        **OPTIONS,
    )
    assert verification.state == ProvenanceState.REMOTE_UNAVAILABLE
    assert "could not be fetched: manifests.example.org: 10.0.0.7 is a private" in (
        verification.error
    )


def test_fetching_needs_the_switch_and_a_named_host():
    assert not remote_fetch_permitted(MANIFEST_URL, enabled=True, hosts=[])
    assert not remote_fetch_permitted(MANIFEST_URL, enabled=False, hosts=["manifests.example.org"])
    assert remote_fetch_permitted(MANIFEST_URL, enabled=True, hosts=["manifests.example.org"])
