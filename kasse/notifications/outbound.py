"""Outbound HTTP to URLs that integrators typed in: resolved once, checked, and connected to as checked.

No Django. The guard against server-side request forgery (docs/security.md):

- the host name is resolved here, every address it resolves to must be public (not loopback, private,
  link-local, shared, multicast, reserved or a cloud metadata address), and the connection goes to the
  address that was checked (``create_connection`` to the IP, TLS with the name for SNI and the
  certificate), so a DNS answer that changes between check and connect cannot redirect it;
- a redirect is followed only to a URL that passes the same check (at most ``MAX_REDIRECTS``);
- connect and read have timeouts, the whole exchange a deadline, and the response body is read up to a
  limit;
- a kept-alive connection (``Connections``, the webhook worker's) is reused only for the same checked
  address: the name is resolved and checked again for every request, and a connection never outlives a
  check that its address would now fail.

``allow_loopback`` lets tests and the demo reach 127.0.0.1/::1 (never private or link-local ranges).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
BODY_LIMIT = 64 * 1024
# Metadata services that are not covered by the private and link-local ranges.
METADATA_ADDRESSES = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class Refused(Exception):
    """The URL may not be called (its address is not public, its scheme is not http(s), ...)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes  # at most BODY_LIMIT bytes
    duration_ms: int
    url: str  # the URL that answered (after redirects)


def address_allowed(address: str, *, allow_loopback: bool = False) -> bool:
    """Whether an outbound request may connect to ``address``."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return False
    if ip.is_loopback:
        return allow_loopback
    return bool(ip.is_global) and not ip.is_multicast


def check_url(url: str, *, allow_loopback: bool = False, resolve: bool = True) -> tuple[str, str, int, str]:
    """``(scheme, host, port, address)`` for a URL that may be called, else ``Refused``.

    Every address the name resolves to must be allowed (a name that also resolves to a private address
    is refused as a whole: which one a later lookup returns is not ours to choose). ``resolve=False``
    (saving an endpoint: no DNS lookup in a request) checks only what the URL itself says: an address
    written as such, ``localhost``; the address returned is then empty."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise Refused("only http and https URLs can receive webhooks")
    host = parts.hostname
    if not host:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("the URL may not contain a user name or password")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("the URL's port is not a number") from exc
    if not resolve:
        try:
            literal = str(ipaddress.ip_address(host))
        except ValueError:
            literal = "127.0.0.1" if host.lower().rstrip(".").split(".")[-1] == "localhost" else ""
        if literal and not address_allowed(literal, allow_loopback=allow_loopback):
            raise Refused(f"{host} is not a public address")
        return scheme, host, port, ""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the host name does not resolve ({host})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Refused(f"the host name does not resolve ({host})")
    for address in addresses:
        if not address_allowed(address, allow_loopback=allow_loopback):
            raise Refused(f"{host} resolves to {address}, which is not a public address")
    return scheme, host, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, timeout)
        self._context = context

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


class Connections:
    """Connections kept open for the next request to the same checked address (HTTP keep-alive), one set per
    thread, so that a worker sending many requests to one receiver does not connect for each. The address is
    still resolved and checked for every request; a connection is reused only for the same scheme, host, port
    and checked address, and only after its response was read to the end; a thread keeps at most
    ``per_thread`` open. ``close()`` when done (or use it as a context manager)."""

    def __init__(self, per_thread: int = 8) -> None:
        self.per_thread = per_thread  # open connections a thread keeps at most (a worker's file descriptors)
        self._local = threading.local()
        self._open: set[_PinnedHTTPConnection] = set()
        self._lock = threading.Lock()

    def _mine(self) -> dict[tuple[str, str, int, str], _PinnedHTTPConnection]:
        mine: dict[tuple[str, str, int, str], _PinnedHTTPConnection] | None = getattr(self._local, "open", None)
        if mine is None:
            mine = self._local.open = {}
        return mine

    def take(self, key: tuple[str, str, int, str]) -> _PinnedHTTPConnection | None:
        return self._mine().pop(key, None)

    def keep(self, key: tuple[str, str, int, str], conn: _PinnedHTTPConnection) -> None:
        mine = self._mine()
        mine[key] = conn
        with self._lock:
            self._open.add(conn)
        while len(mine) > self.per_thread:  # the one used longest ago goes (dicts keep their order)
            self.discard(mine.pop(next(iter(mine))))

    def discard(self, conn: _PinnedHTTPConnection) -> None:
        conn.close()
        with self._lock:
            self._open.discard(conn)

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_loopback: bool = False,
    read_timeout: float = READ_TIMEOUT,
    body_limit: int = BODY_LIMIT,
    ssl_context: ssl.SSLContext | None = None,
    connections: Connections | None = None,
) -> Response:
    """POST ``body`` to ``url`` under the rules above. Raises ``Refused`` for a URL that may not be called
    and ``OSError``/``http.client.HTTPException`` for a network failure or timeout. With ``connections``, a
    connection left open by an earlier request to the same address is used (and one that the receiver closed
    meanwhile replaced by a new one, once)."""
    started = time.monotonic()
    deadline = started + CONNECT_TIMEOUT + read_timeout
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, address = check_url(url, allow_loopback=allow_loopback)
        remaining = max(0.1, deadline - time.monotonic())
        timeout = min(read_timeout, remaining)
        key = (scheme, host, port, address)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = connections.take(key) if connections is not None else None
        if conn is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            try:
                answer, data = _exchange(conn, target, body, headers, body_limit, deadline)
            except BaseException as exc:
                assert connections is not None
                connections.discard(conn)
                if not isinstance(exc, ConnectionError):
                    raise
                conn = None  # the receiver closed the kept connection meanwhile: connect anew, once
        if conn is None:
            if scheme == "https":
                conn = _PinnedHTTPSConnection(host, port, address, timeout, ssl_context or ssl.create_default_context())
            else:
                conn = _PinnedHTTPConnection(host, port, address, timeout)
            try:
                answer, data = _exchange(conn, target, body, headers, body_limit, deadline)
            except BaseException:
                conn.close()
                raise
        if connections is not None and answer.isclosed() and not answer.will_close:
            connections.keep(key, conn)
        elif connections is not None:
            connections.discard(conn)
        else:
            conn.close()
        location = answer.getheader("Location")
        if answer.status in {301, 302, 307, 308} and location:
            url = urljoin(url, location)
            continue
        return Response(answer.status, data, int((time.monotonic() - started) * 1000), url)
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _exchange(
    conn: _PinnedHTTPConnection, target: str, body: bytes, headers: dict[str, str], body_limit: int, deadline: float
) -> tuple[http.client.HTTPResponse, bytes]:
    try:
        conn.request("POST", target, body=body, headers={**headers, "Content-Length": str(len(body))})
        answer = conn.getresponse()
        return answer, _read_limited(answer, body_limit, deadline)
    except BaseException:
        conn.close()
        raise


def _read_limited(answer: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    """Up to ``limit`` bytes of the body; the rest is not read (the connection is closed after)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the response took too long")
        chunk = answer.read1(min(16384, limit - size)) if hasattr(answer, "read1") else answer.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if not answer.chunked and answer.length == 0:
        answer.close()  # read to its end (``read1`` does not say so): the connection can carry the next request
    return b"".join(chunks)
