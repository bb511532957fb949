"""A webhook receiver on 127.0.0.1 for tests and benchmarks: it checks Standard Webhooks signatures.

One server, one behaviour per path:

- ``/ok/<name>``: 204 when the signature checks out with the secret registered for ``name`` (``secrets``),
  401 otherwise; every request is kept in ``received`` (with whether it verified);
- ``/fail``: 500 with a body;
- ``/hang`` (and ``/hang/<anything>``): never answers (holds the connection until the server stops or
  ``hang_seconds`` pass);
- ``/redirect/<address>``: 307 to ``http://<address>/``, e.g. a private address the sender must refuse;
- ``/big``: 200 with a body far larger than the sender reads;
- ``/drop/<name>``: as ``/ok/<name>``, then closes the connection without saying so (``Connection: close``
  not sent), as a receiver does whose idle keep-alive connections time out.

``Received.peer_port`` tells the sender's connections apart (the same port: the same kept-alive connection).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kasse.notifications import signing


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    at: float
    peer_port: int = 0


class WebhookReceiver:
    def __init__(self, hang_seconds: float = 30.0) -> None:
        self.secrets: dict[str, str] = {}
        self.received: list[Received] = []
        self.hang_seconds = hang_seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def ok(self, name: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == f"/ok/{name}"]

    def wait_for(self, name: str, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.ok(name)
            if len(got) >= count:
                return got
            time.sleep(0.01)
        return self.ok(name)

    def _answer(
        self, handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict | None = None
    ) -> None:
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if path.startswith(("/ok/", "/drop/")):
            name = path.removeprefix("/ok/").removeprefix("/drop/")
            secret = self.secrets.get(name, "")
            verified = bool(secret) and signing.verify(
                secret,
                headers.get("webhook-id", ""),
                headers.get("webhook-timestamp", ""),
                headers.get("webhook-signature", ""),
                body,
                time.time(),
            )
            with self._lock:
                self.received.append(
                    Received(path, headers, body, verified, time.monotonic(), handler.client_address[1])
                )
            self._answer(handler, 204 if verified else 401, b"" if verified else b"bad signature")
            handler.close_connection = path.startswith("/drop/")
        elif path == "/fail":
            self._answer(handler, 500, b"receiver broke: database unavailable")
        elif path == "/hang" or path.startswith("/hang/"):
            self._stop.wait(self.hang_seconds)
        elif path.startswith("/redirect/"):
            self._answer(handler, 307, headers={"Location": f"http://{path.removeprefix('/redirect/')}/"})
        elif path == "/big":
            self._answer(handler, 200, b"x" * (1024 * 1024))
        else:
            self._answer(handler, 404)
