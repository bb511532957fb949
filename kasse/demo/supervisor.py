"""A small process supervisor for ``kasse demo``.

The demo runs several programs on one machine: the cloud, a store node and the
virtual devices. Each runs as its own child process (as it would in a real
installation). The supervisor starts them in order, stops all of them on
Ctrl-C or SIGTERM, and stops the rest when one exits, so nothing is left
running in the background.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType


@dataclass
class Child:
    """One program the supervisor runs; it is ready once ``ready_url`` answers 200 and ``ready_path``
    exists (a virtual device's link to its pty)."""

    name: str
    argv: list[str]
    env: Mapping[str, str] | None = None
    ready_url: str = ""
    ready_path: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def url_ok(url: str, timeout: float = 1.0) -> bool:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
            return bool(response.status == 200)
    except OSError:
        return False


class Supervisor:
    """Start children, wait for them, stop them all together."""

    def __init__(self, *, stop_timeout: float = 10.0, log: Callable[[str], None] | None = None) -> None:
        self.children: list[Child] = []
        self.stop_timeout = stop_timeout
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self._stopping = False

    def add(
        self,
        name: str,
        argv: list[str],
        *,
        env: Mapping[str, str] | None = None,
        ready_url: str = "",
        ready_path: str = "",
    ) -> Child:
        child = Child(name=name, argv=argv, env=env, ready_url=ready_url, ready_path=ready_path)
        self.children.append(child)
        return child

    def start(self) -> None:
        for child in self.children:
            env = {**os.environ, **(child.env or {})}
            # A session of its own: Ctrl-C reaches only us, and we stop the children in order.
            child.process = subprocess.Popen(child.argv, env=env, start_new_session=True)  # noqa: S603
            self.log(f"[{child.name}] started (pid {child.process.pid})")
            # A device the later children open (the store node opens the ptys) is there before they start.
            deadline = time.monotonic() + 10
            while (
                child.ready_path
                and not os.path.exists(child.ready_path)
                and child.process.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every child is ready (see :class:`Child`); ``False`` on timeout or exit."""
        deadline = time.monotonic() + timeout
        for child in self.children:
            while not self._ready(child):
                exited = child.process is None or child.process.poll() is not None
                if self._stopping or exited or time.monotonic() > deadline:
                    return False
                time.sleep(0.2)
        return True

    @staticmethod
    def _ready(child: Child) -> bool:
        if child.ready_path and not os.path.exists(child.ready_path):
            return False
        return not child.ready_url or url_ok(child.ready_url)

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        """Start everything and block until a signal or a child's exit; returns an exit code."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            if self.wait_ready():
                if on_ready:
                    on_ready()
            elif not self._stopping:
                self.log("A process did not come up; stopping.")
                return self.stop() or 1
            while not self._stopping:
                for child in self.children:
                    code = child.process.poll() if child.process else None
                    if code is not None:
                        self.log(f"[{child.name}] exited with code {code}; stopping the others.")
                        self.stop()
                        return code
                time.sleep(0.2)
            return self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def stop(self) -> int:
        """Terminate the children in reverse order (SIGTERM, then SIGKILL after the timeout)."""
        self._stopping = True
        for child in reversed(self.children):
            process = child.process
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.log(f"[{child.name}] did not stop in {self.stop_timeout:.0f} s; killing it.")
                process.kill()
                process.wait()
            self.log(f"[{child.name}] stopped")
        return 0
