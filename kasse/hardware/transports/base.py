"""The common transport interface: open, write, read with a timeout, close; a context manager."""

from __future__ import annotations

import abc
import contextlib
import socket
from types import TracebackType

DEFAULT_TIMEOUT = 5.0


class TransportError(Exception):
    """A device could not be reached or stopped answering; the message says which and why."""


class Transport(abc.ABC):
    """Bytes to and from one device. Every blocking call is bounded by a timeout."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """Human readable address, used in error messages ("tcp://10.0.0.5:9100")."""

    @property
    @abc.abstractmethod
    def is_open(self) -> bool: ...

    @abc.abstractmethod
    def open(self) -> None:
        """Connect; raises `TransportError`."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Send all bytes or raise `TransportError`."""

    @abc.abstractmethod
    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        """Up to `size` bytes; b"" when nothing arrived within the timeout. Raises `TransportError` on a broken link."""

    @abc.abstractmethod
    def close(self) -> None:
        """Idempotent; never raises."""

    def __enter__(self) -> Transport:
        if not self.is_open:
            self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"


class SocketTransport(Transport):
    """Shared by the stream-socket transports (TCP, Bluetooth RFCOMM)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout)
        self._sock: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise TransportError(f"{self.description}: not connected")
        return self._sock

    def write(self, data: bytes) -> None:
        sock = self._require()
        try:
            sock.settimeout(self.timeout)
            sock.sendall(data)
        except TimeoutError as exc:
            self.close()
            raise TransportError(f"{self.description}: timed out after {self.timeout:g} s while sending") from exc
        except OSError as exc:
            self.close()
            raise TransportError(f"{self.description}: connection lost while sending ({exc})") from exc

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        sock = self._require()
        try:
            sock.settimeout(self.timeout if timeout is None else timeout)
            data = sock.recv(size)
        except (TimeoutError, BlockingIOError):  # timeout 0 makes the socket non-blocking: nothing waiting
            return b""
        except OSError as exc:
            self.close()
            raise TransportError(f"{self.description}: connection lost while reading ({exc})") from exc
        if not data:
            self.close()
            raise TransportError(f"{self.description}: the device closed the connection")
        return data

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
