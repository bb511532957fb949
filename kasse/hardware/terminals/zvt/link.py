"""Links carry APDUs over a transport: raw over TCP (port 20007), framed with CRC and ACK/NAK over serial."""

from __future__ import annotations

import abc
import time

from kasse.hardware.terminals.zvt import apdu as apdus
from kasse.hardware.terminals.zvt import framing
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.codec import ZvtDecodeError
from kasse.hardware.transports.base import Transport, TransportError

DEFAULT_PORT = 20007
# A terminal only ever starts an APDU with one of these classes; anything else is noise on the line.
TERMINAL_CLASSES = frozenset({0x04, 0x06, 0x80, 0x84})
FRAME_ACK_TIMEOUT = 2.0
FRAME_RETRIES = 3


class LinkError(Exception):
    """The link broke or could not be opened; what the terminal did with a sent command is not known."""


class ZvtLink(abc.ABC):
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def description(self) -> str:
        return self.transport.description

    def open(self) -> None:
        try:
            self.transport.open()
        except TransportError as exc:
            raise LinkError(str(exc)) from exc

    def close(self) -> None:
        self.transport.close()

    @abc.abstractmethod
    def send(self, apdu: Apdu) -> None:
        """Send one APDU; raises `LinkError`."""

    @abc.abstractmethod
    def receive(self, timeout: float) -> Apdu | None:
        """The next APDU, None when none arrived in time; `LinkError` on a broken link, `ZvtDecodeError` on noise."""

    def _read(self, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b""
        try:
            return self.transport.read(4096, timeout=min(remaining, 1.0))
        except TransportError as exc:
            raise LinkError(str(exc)) from exc


class TcpLink(ZvtLink):
    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self._buffer = bytearray()

    def open(self) -> None:
        self._buffer.clear()
        super().open()

    def send(self, apdu: Apdu) -> None:
        try:
            self.transport.write(apdu.encode())
        except TransportError as exc:
            raise LinkError(str(exc)) from exc

    def receive(self, timeout: float) -> Apdu | None:
        deadline = time.monotonic() + timeout
        while True:
            if self._buffer and self._buffer[0] not in TERMINAL_CLASSES:
                noise = bytes(self._buffer[:16])
                self._buffer.clear()
                raise ZvtDecodeError(f"not a ZVT message: {noise.hex(' ')}")
            found = apdus.split(bytes(self._buffer))
            if found is not None:
                message, used = found
                del self._buffer[:used]
                return message
            chunk = self._read(deadline)
            if not chunk:
                if time.monotonic() >= deadline:
                    return None
                continue
            self._buffer += chunk


class SerialLink(ZvtLink):
    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self._deframer = framing.Deframer()
        self._pending: list[Apdu] = []
        self._carry = bytearray()

    def open(self) -> None:
        self._deframer = framing.Deframer()
        self._pending.clear()
        self._carry.clear()
        super().open()

    def _write(self, data: bytes) -> None:
        try:
            self.transport.write(data)
        except TransportError as exc:
            raise LinkError(str(exc)) from exc

    def send(self, apdu: Apdu) -> None:
        """Send the frame and wait for the terminal's ACK; a NAK (bad CRC on its side) repeats the same frame."""
        data = framing.frame(apdu.encode())
        for _attempt in range(FRAME_RETRIES):
            self._write(data)
            deadline = time.monotonic() + FRAME_ACK_TIMEOUT
            while time.monotonic() < deadline:
                answer = self._read(deadline)
                positions = [p for p in (answer.find(framing.ACK), answer.find(framing.NAK)) if p >= 0]
                if not positions:
                    continue
                first = min(positions)
                self._carry += answer[first + 1 :]  # the terminal's next frame may follow at once
                if answer[first] == framing.ACK:
                    return
                break
        raise LinkError(f"{self.description}: the terminal did not acknowledge the frame")

    def receive(self, timeout: float) -> Apdu | None:
        if self._pending:
            return self._pending.pop(0)
        deadline = time.monotonic() + timeout
        naks = 0
        while True:
            chunk, self._carry = bytes(self._carry) or self._read(deadline), bytearray()
            if not chunk:
                if time.monotonic() >= deadline:
                    return None
                continue
            for received in self._deframer.feed(chunk):
                if not received.crc_ok:
                    naks += 1
                    self._write(bytes([framing.NAK]))
                    if naks >= FRAME_RETRIES:
                        raise ZvtDecodeError(f"{self.description}: {naks} frames with a wrong checksum")
                    continue
                self._write(bytes([framing.ACK]))
                self._pending.append(apdus.decode(received.apdu))
            if self._pending:
                return self._pending.pop(0)
