"""An in-memory transport for tests: records what is written, answers reads from a script."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from kasse.hardware.transports.base import Transport, TransportError


class MemoryTransport(Transport):
    """`responder` maps each write to the bytes the device would answer (e.g. a status byte for DLE EOT)."""

    def __init__(
        self,
        replies: Iterable[bytes] = (),
        *,
        responder: Callable[[bytes], bytes] | None = None,
        fail_open: bool = False,
    ) -> None:
        super().__init__(timeout=0.0)
        self.written = bytearray()
        self.opened = 0
        self._replies: deque[int] = deque(b for reply in replies for b in reply)
        self._responder = responder
        self._fail_open = fail_open
        self._open = False

    @property
    def description(self) -> str:
        return "memory://"

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        if self._fail_open:
            raise TransportError("memory://: refused (simulated)")
        self._open = True
        self.opened += 1

    def write(self, data: bytes) -> None:
        if not self._open:
            raise TransportError("memory://: not open")
        self.written += data
        if self._responder is not None:
            self._replies.extend(self._responder(data))

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        if not self._open:
            raise TransportError("memory://: not open")
        out = bytearray()
        while self._replies and len(out) < size:
            out.append(self._replies.popleft())
        return bytes(out)

    def close(self) -> None:
        self._open = False
