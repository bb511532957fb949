"""Free loopback ports for servers that tests and benchmarks start (one place for every test).

A server in this process should bind port 0 itself and report what it got: nothing can take the port
in between. A server in a child process (``kasse cloud --port``, a virtual printer in another process)
needs a number first, and between our check and the child's bind another process could take it: the
other pytest-xdist worker, or an outgoing connection that the kernel gives an ephemeral port. So the
numbers come from below the kernel's ephemeral range (32768 and up on Linux), from a band of their own
per xdist worker, picked at random within it and never handed out twice by one process. Two test runs at
once (CI runs the SQLite and the PostgreSQL suites side by side) keep apart with ``KASSE_TEST_PORT_BANDS``:
the number of bands the first worker of this run is shifted by.
"""

from __future__ import annotations

import os
import random
import socket

_FIRST = 20000
_BAND = 1500  # eight workers fit below 32768
_given: set[int] = set()
_random = random.Random()  # noqa: S311 - not a secret; seeded from the OS so that processes differ


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    shift = os.environ.get("KASSE_TEST_PORT_BANDS", "0")
    return ((int(digits) if digits.isdigit() else 0) + (int(shift) if shift.isdigit() else 0)) % 8


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now and that this process has not handed out before."""
    first = _FIRST + _BAND * _worker_index()
    for _ in range(200):
        port = _random.randrange(first, first + _BAND)
        if port not in _given and _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError(f"no free port in {first}..{first + _BAND - 1}")


def bound_socket() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 with a port the kernel chose, for a server in this process."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock
