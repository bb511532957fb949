"""A TCP proxy on 127.0.0.1 that damages HTTP answers on purpose, for the sync fault tests.

It sits between a store node and the cloud (the node is paired with the proxy's URL). Requests pass
unchanged; the answers to requests whose path starts with an armed prefix are damaged the armed way,
for the armed number of requests, *after* the cloud has answered (so the cloud committed what it was
sent). Everything else, WebSockets included, is piped through untouched.

    with FaultProxy(cloud_port) as proxy:
        proxy.arm("/sync/v1/push", "mid_body", times=1)

Faults (``FAULTS``), by where the answer breaks off:

* ``in_status_line``: a few bytes of the status line, then the connection closes;
* ``in_headers``: the status line and half the header block;
* ``end_of_headers``: every header but without the blank line that ends them;
* ``no_body``: the whole header block, not one byte of the body;
* ``one_body_byte`` / ``mid_body`` / ``body_but_one``: the body cut after 1 byte, half, all but its last byte;
* ``after_body``: the whole answer, then a connection reset (RST) instead of a clean close;
* ``reset``: no answer at all, a connection reset (the cloud did commit);
* ``bad_status_line``: a malformed status line (``HTTP/1.1 2OO OK``) with the real headers and body;
* ``garbage``: bytes that are not HTTP at all.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

FAULTS = (
    "in_status_line",
    "in_headers",
    "end_of_headers",
    "no_body",
    "one_body_byte",
    "mid_body",
    "body_but_one",
    "after_body",
    "reset",
    "bad_status_line",
    "garbage",
)


@dataclass
class _Armed:
    prefix: str
    fault: str
    times: int  # -1: until disarmed


@dataclass
class FaultProxy:
    upstream_port: int
    upstream_host: str = "127.0.0.1"
    armed: list[_Armed] = field(default_factory=list)
    applied: list[tuple[str, str]] = field(default_factory=list)  # (fault, request line) in order
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._server.close()

    # --- arming ------------------------------------------------------------------------------

    def arm(self, prefix: str, fault: str, times: int = 1) -> None:
        """Damage the next ``times`` answers (``-1``: all, until :meth:`disarm`) to requests under ``prefix``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        with self._lock:
            self.armed.append(_Armed(prefix, fault, times))

    def disarm(self) -> None:
        with self._lock:
            self.armed.clear()

    def count(self, fault: str | None = None) -> int:
        with self._lock:
            return sum(1 for applied, _line in self.applied if fault is None or applied == fault)

    def _take(self, request_line: str) -> str | None:
        parts = request_line.split(" ")
        path = parts[1] if len(parts) > 1 else ""
        with self._lock:
            for armed in self.armed:
                if path.startswith(armed.prefix) and armed.times != 0:
                    if armed.times > 0:
                        armed.times -= 1
                    self.applied.append((armed.fault, request_line))
                    return armed.fault
        return None

    # --- connections -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.closing(client):
            try:
                upstream = socket.create_connection((self.upstream_host, self.upstream_port), timeout=30)
            except OSError:
                _reset(client)
                return
            with contextlib.closing(upstream):
                first = client.recv(65536)
                if not first:
                    return
                fault = self._take(first.split(b"\r\n", 1)[0].decode("latin-1"))
                upstream.sendall(first)
                threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
                if fault is None:
                    _pipe(upstream, client)
                    return
                answer = _read_all(upstream)  # the cloud answered in full: it committed
                _damage(client, answer, fault)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _read_all(sock: socket.socket) -> bytes:
    """The whole answer: up to the end of its body by ``Content-Length`` (or until the cloud closes)."""
    data = b""
    while True:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            length = _content_length(data[:end])
            if length is not None and len(data) >= end + 4 + length:
                return data[: end + 4 + length]
        try:
            chunk = sock.recv(65536)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value.strip())
    return None


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), not a clean FIN.

    The thread piping the client's request on (``_pipe``) may still be blocked reading this socket, and Linux
    closes a socket only when no system call holds it any more: shutting down the reading side first ends that
    read (it sends nothing to the client), so the reset goes out now, not when the client gives up waiting
    (its timeout, 15 s for the node's sync client)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


def _damage(client: socket.socket, answer: bytes, fault: str) -> None:
    end = answer.find(b"\r\n\r\n")
    head, body = (answer[:end], answer[end + 4 :]) if end >= 0 else (answer, b"")
    status_end = head.find(b"\r\n")
    cuts = {
        "in_status_line": answer[: max(1, min(6, status_end // 2))],
        "in_headers": answer[: status_end + 2 + (len(head) - status_end - 2) // 2],
        "end_of_headers": head + b"\r\n",
        "no_body": head + b"\r\n\r\n",
        "one_body_byte": head + b"\r\n\r\n" + body[:1],
        "mid_body": head + b"\r\n\r\n" + body[: len(body) // 2],
        "body_but_one": head + b"\r\n\r\n" + body[:-1],
    }
    try:
        if fault in cuts:
            client.sendall(cuts[fault])
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_WR)
            return
        if fault == "after_body":
            client.sendall(answer)
        elif fault == "bad_status_line":
            client.sendall(b"HTTP/1.1 2OO OK" + head[status_end:] + b"\r\n\r\n" + body)
            return
        elif fault == "garbage":
            client.sendall(b"\x00\x13\x37 this is not HTTP\r\n\r\n")
            return
        _reset(client)
    except OSError:
        pass
