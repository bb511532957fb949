"""Serial framing: `DLE STX <APDU with DLE doubled> DLE ETX <CRC low> <CRC high>`, answered by ACK or NAK.

The CRC is CRC-16/CCITT in its reflected form (polynomial 0x8408, start 0), computed over the APDU's
own bytes (DLE not doubled) and the ETX. Over TCP none of this applies: APDUs go raw.
"""

from __future__ import annotations

from dataclasses import dataclass

DLE = 0x10
STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def frame(apdu: bytes) -> bytes:
    crc = crc16(apdu + bytes([ETX]))
    body = apdu.replace(bytes([DLE]), bytes([DLE, DLE]))
    return bytes([DLE, STX]) + body + bytes([DLE, ETX, crc & 0xFF, crc >> 8])


@dataclass(frozen=True)
class Frame:
    """A received frame: the APDU bytes and whether its CRC was right (a wrong one is answered with NAK)."""

    apdu: bytes
    crc_ok: bool


class Deframer:
    """Feeds on bytes as they arrive and returns whole frames; noise between frames is skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while True:
            found = self._next()
            if found is None:
                return frames
            frames.append(found)

    def _next(self) -> Frame | None:
        buffer = self._buffer
        start = buffer.find(bytes([DLE, STX]))
        if start < 0:
            # keep a trailing DLE: it may be the first half of DLE STX
            del buffer[: len(buffer) - 1 if buffer.endswith(bytes([DLE])) else len(buffer)]
            return None
        del buffer[:start]
        body = bytearray()
        i = 2
        while i < len(buffer):
            byte = buffer[i]
            if byte != DLE:
                body.append(byte)
                i += 1
                continue
            if i + 1 >= len(buffer):
                return None
            following = buffer[i + 1]
            if following == DLE:
                body.append(DLE)
                i += 2
            elif following == ETX:
                if i + 4 > len(buffer):
                    return None
                received = buffer[i + 2] | (buffer[i + 3] << 8)
                del buffer[: i + 4]
                apdu = bytes(body)
                return Frame(apdu, received == crc16(apdu + bytes([ETX])))
            elif following == STX:  # a new frame began: the one before was cut off
                del buffer[:i]
                return self._next()
            else:  # a lone DLE is not allowed inside a frame: drop what we have
                del buffer[: i + 2]
                return Frame(bytes(body), crc_ok=False)
        return None
