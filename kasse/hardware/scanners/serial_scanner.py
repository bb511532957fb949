"""Serial, USB CDC (ttyACM) and Bluetooth SPP (rfcomm) scanners read with pyserial.

Such scanners send the code followed by CR, LF or CR LF. The reader keeps a bounded line buffer:
a line longer than `max_length` is garbage (wrong baud rate, a scanner in a binary mode) and is
discarded up to the next terminator, with the reason logged. A partial line that sits without a
terminator for `partial_timeout` seconds is dropped too, so the half of an interrupted scan does not
get glued onto the next one. When the port disappears (USB unplugged, Bluetooth link lost) the
scanner closes it and reopens with exponential backoff until stopped.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from kasse.hardware.scanners.base import CodeCleanup, ScanCallback, Scanner, ScannerError

logger = logging.getLogger(__name__)

TERMINATORS = b"\r\n"


class LineAssembler:
    """Split a byte stream into lines at CR or LF, with a length limit and a staleness limit."""

    def __init__(self, *, max_length: int = 256, partial_timeout: float = 2.0, encoding: str = "utf-8") -> None:
        self.max_length = max_length
        self.partial_timeout = partial_timeout
        self.encoding = encoding
        self._buffer = bytearray()
        self._discarding = False
        self._last_byte_at = 0.0
        self.discarded: list[str] = []  # reasons, newest last (bounded)

    def feed(self, data: bytes, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        lines: list[str] = []
        if self._buffer and now - self._last_byte_at > self.partial_timeout:
            self._discard(f"partial line without terminator after {self.partial_timeout:g} s")
            self._buffer.clear()
        if data:
            self._last_byte_at = now
        for byte in data:
            if byte in TERMINATORS:
                if self._discarding:
                    self._discarding = False
                elif self._buffer:
                    lines.append(bytes(self._buffer).decode(self.encoding, errors="replace"))
                self._buffer.clear()
                continue
            if self._discarding:
                continue
            self._buffer.append(byte)
            if len(self._buffer) > self.max_length:
                self._discard(f"line longer than {self.max_length} bytes without CR/LF (wrong baud rate or mode?)")
                self._buffer.clear()
                self._discarding = True
        return lines

    def expire(self, now: float | None = None) -> None:
        """Drop a stale partial line (called when reads time out with nothing new)."""
        self.feed(b"", now)

    def _discard(self, reason: str) -> None:
        preview = bytes(self._buffer[:16]).hex(" ")
        logger.warning("scanner input discarded: %s (starts %s)", reason, preview)
        self.discarded.append(reason)
        del self.discarded[:-20]


class SerialScanner(Scanner):
    """A scanner on a serial device (`/dev/ttyUSB0`, `/dev/ttyACM0`, `/dev/rfcomm0`, a pty)."""

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        read_timeout: float = 0.05,
        max_length: int = 256,
        partial_timeout: float = 2.0,
        encoding: str = "utf-8",
        backoff_initial: float = 0.25,
        backoff_max: float = 8.0,
        cleanup: CodeCleanup | None = None,
        on_scan: ScanCallback | None = None,
    ) -> None:
        super().__init__(source=f"serial:{port}", cleanup=cleanup, on_scan=on_scan)
        self.port = port
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.lines = LineAssembler(max_length=max_length, partial_timeout=partial_timeout, encoding=encoding)
        self.connected = threading.Event()
        self.last_error = ""
        self.reconnects = 0

    def _open(self) -> Any:
        try:
            import serial
        except ImportError as exc:  # pragma: no cover - pyserial is a dependency
            raise ScannerError("pyserial is not installed (pip install pyserial)") from exc
        return serial.Serial(self.port, self.baudrate, timeout=self.read_timeout)

    def _run(self, stop: threading.Event) -> None:
        delay = self.backoff_initial
        while not stop.is_set():
            port: Any = None
            try:
                port = self._open()
                self.connected.set()
                if self.last_error:
                    self.reconnects += 1
                    logger.info("scanner %s reconnected", self.source)
                delay = self.backoff_initial
                self._read_until_stopped_or_lost(port, stop)
            except ScannerError:
                raise
            except Exception as exc:  # serial.SerialException (an OSError) when the port is gone
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("scanner %s unavailable (%s); retrying in %.2f s", self.source, exc, delay)
            finally:
                self.connected.clear()
                if port is not None:
                    with contextlib.suppress(Exception):
                        port.close()
            if stop.wait(delay):
                break
            delay = min(delay * 2, self.backoff_max)

    def _read_until_stopped_or_lost(self, port: Any, stop: threading.Event) -> None:
        while not stop.is_set():
            chunk = port.read(port.in_waiting or 1)
            if not chunk:
                self.lines.expire()
                continue
            for line in self.lines.feed(chunk):
                self._emit(line)
