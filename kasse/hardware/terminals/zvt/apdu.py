"""APDUs: `CLASS INSTR LEN data`, where LEN FF is followed by a two-byte little-endian length."""

from __future__ import annotations

from dataclasses import dataclass

from kasse.hardware.terminals.zvt.codec import ZvtDecodeError

MAX_DATA = 0xFFFF


@dataclass(frozen=True)
class Apdu:
    """One ZVT message; `command` is the two control bytes (0x0601 for an authorization)."""

    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> int:
        return (self.cls << 8) | self.instr

    def encode(self) -> bytes:
        length = len(self.data)
        if length > MAX_DATA:
            raise ValueError("APDU data longer than 65535 bytes")
        if length < 0xFF:
            header = bytes([self.cls, self.instr, length])
        else:
            header = bytes([self.cls, self.instr, 0xFF]) + length.to_bytes(2, "little")
        return header + self.data

    def __str__(self) -> str:
        return f"{self.cls:02X} {self.instr:02X} ({len(self.data)} bytes)"


def split(buffer: bytes) -> tuple[Apdu, int] | None:
    """The first whole APDU in `buffer` and the bytes it took, or None while it is still incomplete."""
    if len(buffer) < 3:
        return None
    length = buffer[2]
    start = 3
    if length == 0xFF:
        if len(buffer) < 5:
            return None
        length = int.from_bytes(buffer[3:5], "little")
        start = 5
    end = start + length
    if len(buffer) < end:
        return None
    return Apdu(buffer[0], buffer[1], bytes(buffer[start:end])), end


def decode(data: bytes) -> Apdu:
    """Exactly one APDU; extra or missing bytes are a decoding error."""
    found = split(data)
    if found is None:
        raise ZvtDecodeError(f"APDU cut short: {data[:16].hex(' ')}")
    apdu, used = found
    if used != len(data):
        raise ZvtDecodeError(f"{len(data) - used} bytes after the APDU")
    return apdu


ACK = Apdu(0x80, 0x00)
COMPLETION = 0x060F
ABORT = 0x061E
STATUS_INFORMATION = 0x040F
INTERMEDIATE_STATUS = 0x04FF
PRINT_LINE = 0x06D1
PRINT_TEXT_BLOCK = 0x06D3


def is_ack(apdu: Apdu) -> bool:
    return apdu.cls == 0x80 and apdu.instr == 0x00


def is_negative(apdu: Apdu) -> bool:
    """`84 xx`: the terminal refuses the command; xx is a result code (`84 9C` = wait)."""
    return apdu.cls == 0x84


def negative(result_code: int) -> Apdu:
    return Apdu(0x84, result_code)
