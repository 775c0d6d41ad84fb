"""Where webhooks may go. A webhook endpoint is a URL a standards editor types, and Proofdesk
posts to it from inside the newsroom's network, then shows the answer's first bytes on the
integrations page: without these checks it is a way to reach the cloud's metadata service
(169.254.169.254), the database's port on localhost, or any host on the private network.

The rules: https only, no credentials in the URL, and no address that is private, loopback,
link-local, multicast, reserved or unspecified. They are checked when the endpoint is saved
(every address the name resolves to) and again at delivery on the address actually connected
to, so a name that resolves elsewhere later (DNS rebinding) is refused too. Redirects are never
followed. With WEBHOOK_ALLOW_LOOPBACK (on with DEBUG, and for the test suite, whose receivers
listen on 127.0.0.1), loopback addresses are allowed, over http too.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from provenance.remote import address_problem as public_address_problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class UnsafeWebhookUrl(ValueError):
    """The URL or the address behind it is not one Proofdesk posts to; the message says why."""


def _unmapped(address: IPAddress) -> IPAddress:
    """::ffff:169.254.169.254 is 169.254.169.254."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_problem(address: IPAddress) -> str:
    """Why Proofdesk must not connect to `address`, or "" when it may."""
    # The rule remote manifests follow too, with one exception: receivers on this machine
    # while developing and testing.
    if _unmapped(address).is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
        return ""
    return public_address_problem(address)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise UnsafeWebhookUrl(f"The host {host!r} does not resolve.") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_webhook_url(url: str, *, resolve: bool = True) -> None:
    """Raise UnsafeWebhookUrl unless Proofdesk may post webhooks to `url`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        raise UnsafeWebhookUrl("Give the receiver's full https:// address.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookUrl(
            "Put no user name or password in the URL: the receiver checks the signature instead."
        )
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    loopback_name = host in LOOPBACK_NAMES or host.endswith(".localhost")
    if literal is not None:
        addresses = [literal]
    elif loopback_name:
        addresses = [ipaddress.ip_address("127.0.0.1")]
    elif resolve:
        addresses = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    else:
        addresses = []
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise UnsafeWebhookUrl(
                f"Webhooks cannot go to {host}: {problem}. Use the receiver's public https address."
            )
    on_loopback = bool(addresses) and all(_unmapped(a).is_loopback for a in addresses)
    if parts.scheme == "http" and not (on_loopback and settings.WEBHOOK_ALLOW_LOOPBACK):
        raise UnsafeWebhookUrl("Webhooks go over https only: use the receiver's https:// address.")


# --- at delivery: the address actually connected to -----------------------------------------


class _CheckedConnection:
    """Checks the peer of every new connection before a byte is sent."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        address = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
        problem = address_problem(address)
        if problem:
            sock.close()
            raise NewConnectionError(self, f"refused: {problem}")  # type: ignore[arg-type]
        return sock


class _CheckedHTTPConnection(_CheckedConnection, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def webhook_session() -> requests.Session:
    """A session that connects only to allowed addresses, ignores proxy settings from the
    environment (the peer checked must be the receiver); callers pass allow_redirects=False."""
    session = requests.Session()
    session.trust_env = False
    adapter = _CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
