"""`VirtualSerialScanner`: a scanner on a pseudo-terminal, for tests and `make demo`.

It owns the master side of a pty and exposes the slave device path (`port`); a `SerialScanner`
opens that path exactly as it would open `/dev/ttyACM0`. `scan()` writes the code and a CR the
way a real scanner in serial mode does, optionally one character at a time with a delay.

As a program (`python -m kasse.hardware.scanners.virtual_scanner --link L --inbox F`, what
`kasse demo` runs) it keeps a symlink to its pty at `L` and scans every line written to the
named pipe `F`; `send_to_inbox(F, code)` (`kasse demo --scan CODE`) writes one.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import stat
import time
import tty
from collections.abc import Iterator
from pathlib import Path

from kasse.hardware.virtual.pty_link import PtyLink, exit_on_sigterm

MAX_CODE_LENGTH = 256  # longer lines in the inbox are not codes; they are dropped


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


class InboxUnavailable(Exception):
    """No virtual scanner reads the inbox (not started, or stopped); the message says so."""


class CodeInbox:
    """A named pipe (FIFO) at ``path``: every line written to it is one code to scan.

    Opened read-write, so a writer closing its end is not an end of file for us; the pipe is
    removed on close unless another instance has since put its own at the same path.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a pipe of an earlier run, or a file someone wrote by mistake
        os.mkfifo(self.path, 0o600)
        self._inode = self.path.stat().st_ino
        self._fd = os.open(self.path, os.O_RDWR)
        self._buffer = b""

    def codes(self) -> Iterator[str]:
        """Codes as they arrive (blocks while nothing is written)."""
        while True:
            chunk = os.read(self._fd, 4096)
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            if len(self._buffer) > MAX_CODE_LENGTH:
                self._buffer = b""
            for line in lines:
                code = line.strip().decode("utf-8", errors="replace")
                if code and len(code) <= MAX_CODE_LENGTH:
                    yield code

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self._inode:
                self.path.unlink()

    def __enter__(self) -> CodeInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send_to_inbox(path: str | Path, code: str) -> None:
    """Hand ``code`` to the virtual scanner reading the named pipe ``path``; never blocks.

    Raises ``ValueError`` for something that is not one printable code and ``InboxUnavailable``
    when no virtual scanner is reading ``path``.
    """
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH or not code.isprintable():
        raise ValueError(f"not a code a scanner could read: {code[:40]!r}")
    try:
        is_pipe = stat.S_ISFIFO(os.stat(path).st_mode)
    except FileNotFoundError:
        raise InboxUnavailable(f"no virtual scanner is running ({path} does not exist)") from None
    if not is_pipe:
        raise InboxUnavailable(f"{path} is not a virtual scanner's named pipe")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a pipe nobody reads: the scanner's process has gone
            raise InboxUnavailable(f"no virtual scanner is reading {path}") from None
        raise
    try:
        os.write(fd, code.encode("utf-8") + b"\n")  # one write below PIPE_BUF: never interleaved
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A virtual serial barcode scanner on a pty (demo and tests).")
    parser.add_argument("--link", required=True, help="path of a symlink kept pointing at the pty's device")
    parser.add_argument("--inbox", required=True, help="named pipe created here; each line written to it is scanned")
    parser.add_argument("--aim-id", default=None, help="AIM symbology id sent before each code, e.g. ]E0")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    with (
        VirtualSerialScanner(aim_id=args.aim_id) as scanner,
        CodeInbox(args.inbox) as inbox,
        PtyLink(scanner.port, args.link),
    ):
        print(f"virtual serial scanner on {scanner.port} (link {args.link}), codes from {args.inbox}", flush=True)
        try:
            for code in inbox.codes():
                scanner.scan(code)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
