"""A stable path for a virtual device's pseudo-terminal, and stopping its process cleanly.

A pty's device (`/dev/pts/7`) is only known once it is opened, and it changes with every start.
`PtyLink` keeps a symbolic link at a path chosen in advance (`var/demo/devices/scanner.tty`) that
points at the current pty, so configuration can name that path once, like `/dev/serial/by-id/…`
for real hardware. The link is replaced atomically on start and removed on exit, but only while it
still points at this process's pty (a newer instance may have taken it over): a stale link could
otherwise lead to a pty number the system has since given to somebody's terminal.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from types import FrameType


class PtyLink:
    def __init__(self, port: str, link: str | Path) -> None:
        self.port = port
        self.link = Path(link)

    def publish(self) -> None:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(self.port)
        os.replace(temporary, self.link)

    def withdraw(self) -> None:
        with contextlib.suppress(OSError):
            if self.link.is_symlink() and os.readlink(self.link) == self.port:
                self.link.unlink()

    def __enter__(self) -> PtyLink:
        self.publish()
        return self

    def __exit__(self, *exc: object) -> None:
        self.withdraw()


def exit_on_sigterm() -> None:
    """SIGTERM (how a supervisor stops its children) ends the process like Ctrl-C, so cleanup runs."""

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)
