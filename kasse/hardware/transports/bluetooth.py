"""Bluetooth Classic SPP printers over an RFCOMM socket (`AF_BLUETOOTH`, Linux).

RFCOMM takes one client at a time, so connect per job and close afterwards.
"""

from __future__ import annotations

import re
import socket

from kasse.hardware.transports.base import DEFAULT_TIMEOUT, SocketTransport, TransportError

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def bluetooth_available() -> bool:
    return hasattr(socket, "AF_BLUETOOTH") and hasattr(socket, "BTPROTO_RFCOMM")


class BluetoothTransport(SocketTransport):
    def __init__(
        self, address: str, channel: int = 1, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = 8.0
    ) -> None:
        if not _MAC.match(address):
            raise ValueError(f"not a Bluetooth address: {address!r} (expected AA:BB:CC:DD:EE:FF)")
        if not 1 <= channel <= 30:
            raise ValueError("RFCOMM channel must be 1..30")
        super().__init__(timeout)
        self.address = address.upper()
        self.channel = channel
        self.connect_timeout = connect_timeout

    @property
    def description(self) -> str:
        return f"bluetooth://{self.address}/{self.channel}"

    def open(self) -> None:
        if self._sock is not None:
            return
        if not bluetooth_available():
            raise TransportError(
                f"{self.description}: this Python has no Bluetooth sockets (AF_BLUETOOTH); "
                "use Linux with BlueZ, or bind the printer to /dev/rfcomm0 and use the device file transport"
            )
        try:
            sock = socket.socket(
                socket.AF_BLUETOOTH,  # type: ignore[attr-defined,unused-ignore]
                socket.SOCK_STREAM,
                socket.BTPROTO_RFCOMM,  # type: ignore[attr-defined,unused-ignore]
            )
        except OSError as exc:
            raise TransportError(f"{self.description}: no Bluetooth adapter or no permission ({exc})") from exc
        try:
            sock.settimeout(self.connect_timeout)
            sock.connect((self.address, self.channel))
        except TimeoutError as exc:
            sock.close()
            raise TransportError(
                f"{self.description}: no answer within {self.connect_timeout:g} s (printer off, out of range, "
                "or connected to another device)"
            ) from exc
        except OSError as exc:
            sock.close()
            raise TransportError(f"{self.description}: cannot connect ({exc.strerror or exc}); is it paired?") from exc
        self._sock = sock
