"""Serial (RS-232 or USB-serial) printers and devices through pyserial."""

from __future__ import annotations

import contextlib
from typing import Any

from kasse.hardware.transports.base import DEFAULT_TIMEOUT, Transport, TransportError


class SerialTransport(Transport):
    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        rtscts: bool = False,
        dsrdtr: bool = False,
        xonxoff: bool = False,
    ) -> None:
        super().__init__(timeout)
        self.port = port
        self.baudrate = baudrate
        self.rtscts = rtscts
        self.dsrdtr = dsrdtr
        self.xonxoff = xonxoff
        self._serial: Any = None

    @property
    def description(self) -> str:
        return f"serial://{self.port}@{self.baudrate}"

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            import serial
        except ImportError as exc:
            raise TransportError(f"{self.description}: pyserial is not installed (pip install pyserial)") from exc
        try:
            self._serial = serial.Serial(
                self.port,
                self.baudrate,
                timeout=self.timeout,
                write_timeout=self.timeout,
                rtscts=self.rtscts,
                dsrdtr=self.dsrdtr,
                xonxoff=self.xonxoff,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.description}: cannot open ({exc})") from exc

    def _require(self) -> Any:
        if self._serial is None:
            raise TransportError(f"{self.description}: not open")
        return self._serial

    def write(self, data: bytes) -> None:
        import serial

        port = self._require()
        try:
            port.write(data)
            port.flush()
        except serial.SerialTimeoutException as exc:
            raise TransportError(
                f"{self.description}: timed out after {self.timeout:g} s while sending (flow control or printer busy)"
            ) from exc
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise TransportError(f"{self.description}: write failed ({exc})") from exc

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        import serial

        port = self._require()
        try:
            port.timeout = self.timeout if timeout is None else timeout
            return bytes(port.read(size))
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise TransportError(f"{self.description}: read failed ({exc})") from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(Exception):  # closing a dead port must not mask the real error
                port.close()
