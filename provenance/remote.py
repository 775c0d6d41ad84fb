"""Fetching a remote C2PA manifest (a file whose XMP says its credentials live at a URL).

The c2pa library can fetch it itself, but with no host list, no size cap and a 30 s wait on a
silent server (C2PA_NOTES.md), so its own fetching stays off and the desk fetches here, under
the rules webhooks follow (integrations.webhook_urls): https only, no credentials in the URL,
only hosts the operator named, never a private, loopback, link-local, multicast, reserved or
unspecified address, checked on every address the name resolves to and again on the address
actually connected to (DNS rebinding); no redirects, no proxy from the environment, a time
limit for the whole fetch and a cap on the bytes read. The manifest fetched is then verified
against the file like a sidecar.

Pure (no Django): it also runs in the child process of provenance.isolated.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressRule = Callable[[IPAddress], str]
UrlRule = Callable[[str, list[str], AddressRule], None]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
CONNECT_TIMEOUT = 3.05
CHUNK = 64 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class RemoteManifestUnavailable(Exception):
    """The remote manifest was refused or could not be fetched; the message says why."""


def _unmapped(address: IPAddress) -> IPAddress:
    """::ffff:169.254.169.254 is 169.254.169.254."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_problem(address: IPAddress) -> str:
    """Why the desk must not connect to `address` for a manifest, or "" when it may. The
    webhook rule without its development exception: loopback is never allowed here."""
    address = _unmapped(address)
    for kind, flag in (
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("an unspecified", address.is_unspecified),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
    ):
        if flag:
            return f"{address} is {kind} address"
    return ""


def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return [literal]
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise RemoteManifestUnavailable(f"the host {host!r} does not resolve") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_manifest_url(url: str, hosts: list[str], address_rule: AddressRule) -> None:
    """Raise RemoteManifestUnavailable unless the desk may fetch a manifest from `url`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        raise RemoteManifestUnavailable("only https addresses are fetched")
    if parts.username is not None or parts.password is not None:
        raise RemoteManifestUnavailable("the address carries a user name or password")
    if host not in {h.strip().lower() for h in hosts if h.strip()}:
        raise RemoteManifestUnavailable(f"{host} is not a host named in the settings")
    for address in _addresses(host, parts.port or 443):
        problem = address_rule(address)
        if problem:
            raise RemoteManifestUnavailable(f"{host}: {problem}")


# --- at connection time: the address actually connected to -----------------------------------


class _PeerCheck:
    """Checks the peer of every new connection before a byte is sent."""

    address_rule: ClassVar[AddressRule]

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        address = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
        problem = type(self).address_rule(address)
        if problem:
            sock.close()
            raise NewConnectionError(self, f"refused: {problem}")  # type: ignore[arg-type]
        return sock


def _session(address_rule: AddressRule) -> requests.Session:
    rule = {"address_rule": staticmethod(address_rule)}
    http_conn = type("CheckedHTTPConnection", (_PeerCheck, HTTPConnection), rule)
    https_conn = type("CheckedHTTPSConnection", (_PeerCheck, HTTPSConnection), rule)
    pools = {
        "http": type("CheckedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }

    class CheckedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

    session = requests.Session()
    session.trust_env = False  # the peer checked must be the server, not a proxy
    adapter = CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch_remote_manifest(
    url: str,
    *,
    hosts: list[str],
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    url_rule: UrlRule = check_manifest_url,
    address_rule: AddressRule = address_problem,
) -> bytes:
    """The manifest store at `url`, or RemoteManifestUnavailable saying why not. The rules are
    parameters so a test can let a server on 127.0.0.1 through; the desk uses the defaults."""
    url_rule(url, hosts, address_rule)
    deadline = time.monotonic() + timeout
    try:
        with (
            _session(address_rule) as session,
            session.get(
                url,
                timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
                allow_redirects=False,
                stream=True,
                headers={"Accept": "application/c2pa, application/octet-stream"},
            ) as response,
        ):
            if response.is_redirect:
                raise RemoteManifestUnavailable(
                    f"the server answered with a redirect ({response.status_code}), which is "
                    "not followed"
                )
            if response.status_code != 200:
                raise RemoteManifestUnavailable(f"the server answered {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise RemoteManifestUnavailable(
                    f"the manifest is larger than the {max_bytes} byte cap"
                )
            data = bytearray()
            for chunk in response.iter_content(CHUNK):
                data += chunk
                if len(data) > max_bytes:
                    raise RemoteManifestUnavailable(
                        f"the manifest is larger than the {max_bytes} byte cap"
                    )
                if time.monotonic() > deadline:
                    raise RemoteManifestUnavailable(f"the fetch took longer than {timeout:g} s")
    except requests.RequestException as exc:
        raise RemoteManifestUnavailable(f"the fetch failed: {exc}"[:500]) from None
    if data[4:8] != b"jumb":
        raise RemoteManifestUnavailable("the answer is not a C2PA manifest store")
    return bytes(data)
