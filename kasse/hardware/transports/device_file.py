"""A character device: `/dev/usb/lp0` (Linux usblp) or `/dev/rfcomm0` (bound Bluetooth serial)."""

from __future__ import annotations

import contextlib
import os
import select
import time

from kasse.hardware.transports.base import DEFAULT_TIMEOUT, Transport, TransportError


class DeviceFileTransport(Transport):
    def __init__(self, path: str = "/dev/usb/lp0", *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout)
        self.path = path
        self._fd: int | None = None
        self._readable = False

    @property
    def description(self) -> str:
        return f"file://{self.path}"

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> None:
        if self._fd is not None:
            return
        flags = os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
        try:
            self._fd = os.open(self.path, os.O_RDWR | flags)
            self._readable = True
        except PermissionError:
            try:  # some printers' device nodes are write-only for us; status then stays unknown
                self._fd = os.open(self.path, os.O_WRONLY | flags)
                self._readable = False
            except OSError as exc:
                raise TransportError(
                    f"{self.description}: permission denied (add the node user to the 'lp' group)"
                ) from exc
        except FileNotFoundError as exc:
            raise TransportError(f"{self.description}: no such device (printer unplugged or not bound)") from exc
        except OSError as exc:
            raise TransportError(f"{self.description}: cannot open ({exc.strerror or exc})") from exc

    def _require(self) -> int:
        if self._fd is None:
            raise TransportError(f"{self.description}: not open")
        return self._fd

    def write(self, data: bytes) -> None:
        fd = self._require()
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportError(f"{self.description}: timed out after {self.timeout:g} s while sending")
            try:
                _, writable, _ = select.select([], [fd], [], remaining)
                if not writable:
                    continue
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            except OSError as exc:
                self.close()
                raise TransportError(f"{self.description}: write failed ({exc.strerror or exc})") from exc
            view = view[written:]

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        fd = self._require()
        if not self._readable:
            return b""
        try:
            readable, _, _ = select.select([fd], [], [], self.timeout if timeout is None else timeout)
            if not readable:
                return b""
            return os.read(fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            self.close()
            raise TransportError(f"{self.description}: read failed ({exc.strerror or exc})") from exc

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
