"""A real ASGI server (uvicorn) in a thread of the test process, for tests that need
WebSockets next to HTTP (Django's live_server speaks only HTTP).

Runs on 127.0.0.1 on a free port; with the test database the server thread
sees the rows a ``transactional_db`` test writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from kasse.testing.ports import bound_socket


@contextmanager
def asgi_server() -> Iterator[str]:
    from kasse.asgi import application

    # The socket is bound here and handed to uvicorn: no other process can take the port in between.
    sock = bound_socket()
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
