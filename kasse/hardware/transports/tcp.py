"""Raw TCP ("JetDirect", port 9100): Ethernet and Wi-Fi receipt printers."""

from __future__ import annotations

import socket

from kasse.hardware.transports.base import DEFAULT_TIMEOUT, SocketTransport, TransportError

RAW_PORT = 9100


class TcpTransport(SocketTransport):
    def __init__(
        self, host: str, port: int = RAW_PORT, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = 3.0
    ) -> None:
        super().__init__(timeout)
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout

    @property
    def description(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except ConnectionRefusedError as exc:
            raise TransportError(
                f"{self.description}: connection refused (printer off, wrong address, or port {self.port} closed)"
            ) from exc
        except TimeoutError as exc:
            raise TransportError(
                f"{self.description}: no answer within {self.connect_timeout:g} s (printer off or unreachable)"
            ) from exc
        except OSError as exc:
            raise TransportError(f"{self.description}: cannot connect ({exc.strerror or exc})") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
