"""`VirtualSerialScanner`: a scanner on a pseudo-terminal, for tests and `make demo`.

It owns the master side of a pty and exposes the slave device path (`port`); a `SerialScanner`
opens that path exactly as it would open `/dev/ttyACM0`. `scan()` writes the code and a CR the
way a real scanner in serial mode does, optionally one character at a time with a delay.
"""

from __future__ import annotations

import contextlib
import os
import time
import tty


class VirtualSerialScanner:
    def __init__(self, *, terminator: bytes = b"\r", aim_id: str | None = None, encoding: str = "utf-8") -> None:
        self.terminator = terminator
        self.aim_id = aim_id  # e.g. "]E0" to behave like a scanner with AIM ids switched on
        self.encoding = encoding
        self._master, self._slave = os.openpty()
        # Raw mode before anyone opens the slave: otherwise the line discipline turns CR into LF.
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self.closed = False

    def scan(self, code: str, *, char_delay: float = 0.0, aim_id: str | None = None) -> None:
        prefix = aim_id if aim_id is not None else (self.aim_id or "")
        self.send_raw((prefix + code).encode(self.encoding) + self.terminator, char_delay=char_delay)

    def send_raw(self, data: bytes, *, char_delay: float = 0.0) -> None:
        """Write bytes as they are (garbage, a missing terminator, a different terminator)."""
        if self.closed:
            raise OSError(f"virtual scanner {self.port} is unplugged")
        if char_delay <= 0:
            os.write(self._master, data)
            return
        for index in range(len(data)):
            os.write(self._master, data[index : index + 1])
            time.sleep(char_delay)

    def close(self) -> None:
        """Unplug: the reading side sees the device disappear."""
        if self.closed:
            return
        self.closed = True
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> VirtualSerialScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
