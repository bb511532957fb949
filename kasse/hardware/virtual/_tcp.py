"""A small threaded TCP server on 127.0.0.1 that the virtual printers build on.

Bounded: a fixed number of simultaneous connections, an idle timeout per connection, a byte
limit per connection, and `stop()` joins every thread with a timeout.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Self

log = logging.getLogger(__name__)


class TcpDeviceServer:
    """Accepts connections in a thread and hands each to `handle_connection` in its own thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int = 8,
        idle_timeout: float = 10.0,
        max_bytes_per_connection: int = 16 * 1024 * 1024,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_bytes_per_connection = max_bytes_per_connection
        self.poll_interval = 0.05
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections_accepted = 0

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("server is not running")
        return int(self._listener.getsockname()[1])

    @property
    def running(self) -> bool:
        return self._listener is not None and not self._stopping.is_set()

    def start(self) -> Self:
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self._requested_port))
        listener.listen(self.max_connections)
        listener.settimeout(self.poll_interval)
        self._listener = listener
        self._stopping.clear()
        thread = threading.Thread(target=self._accept_loop, name=f"{type(self).__name__}-accept", daemon=True)
        self._threads = [thread]
        thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- connections -----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        listener = self._listener
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                if len(self._clients) >= self.max_connections:
                    conn.close()
                    continue
                self._clients.add(conn)
                self.connections_accepted += 1
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(self.poll_interval)
            self.handle_connection(conn)
        except Exception:
            log.exception("virtual device: connection handler failed")
        finally:
            with self._lock:
                self._clients.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def handle_connection(self, conn: socket.socket) -> None:
        raise NotImplementedError

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def receive_chunks(self, conn: socket.socket) -> Iterator[bytes]:
        """Yield received chunks until the peer closes, the idle timeout or the byte limit; b"" on idle polls."""
        idle = 0.0
        total = 0
        while not self._stopping.is_set() and idle < self.idle_timeout:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                idle += self.poll_interval
                yield b""
                continue
            except OSError:
                return
            if not chunk:
                return
            idle = 0.0
            total += len(chunk)
            if total > self.max_bytes_per_connection:
                log.warning("virtual device: more than %d bytes on one connection; closing", total)
                return
            yield chunk


def abort(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), the way an unplugged printer looks to the client."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        conn.close()
