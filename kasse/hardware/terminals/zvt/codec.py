"""Byte-level encodings of ZVT: packed BCD, and the LLVAR/LLLVAR length prefixes written as `Fx Fy (Fz)`."""

from __future__ import annotations


class ZvtDecodeError(ValueError):
    """Bytes from a terminal that do not follow the protocol; the message says where and why."""


def encode_bcd(value: int, length: int) -> bytes:
    """`value` as packed BCD in `length` bytes, zero-padded on the left (1234, 3 -> 00 12 34)."""
    if value < 0:
        raise ValueError("BCD values are never negative")
    digits = str(value).rjust(length * 2, "0")
    if len(digits) > length * 2:
        raise ValueError(f"{value} does not fit in {length} BCD bytes")
    return bytes.fromhex(digits)


def decode_bcd(data: bytes) -> int:
    """Packed BCD to an integer; a nibble above 9 is a decoding error."""
    digits = data.hex()
    if not digits.isdigit():
        raise ZvtDecodeError(f"not BCD: {data.hex(' ')}")
    return int(digits) if digits else 0


def decode_bcd_digits(data: bytes) -> str:
    """BCD digits as text, keeping leading zeros ("0405" for a date MMDD)."""
    digits = data.hex()
    if not digits.isdigit():
        raise ZvtDecodeError(f"not BCD: {data.hex(' ')}")
    return digits


def decode_pan(data: bytes) -> str:
    """A card number in BCD where E nibbles are masked digits (shown as *) and a trailing F is padding."""
    out = []
    for nibble in data.hex().upper():
        if nibble.isdigit():
            out.append(nibble)
        elif nibble == "E":
            out.append("*")
        elif nibble == "F":
            continue
        else:
            raise ZvtDecodeError(f"not a card number: {data.hex(' ')}")
    return "".join(out)


def encode_var_length(length: int, digits: int) -> bytes:
    """The length prefix of an LLVAR (digits=2) or LLLVAR (digits=3) field: each digit in an F-nibble byte."""
    if not 0 <= length < 10**digits:
        raise ValueError(f"length {length} does not fit in {digits} digits")
    return bytes(0xF0 | int(d) for d in str(length).rjust(digits, "0"))


def decode_var_length(data: bytes, offset: int, digits: int) -> int:
    """Read an LL or LLL length prefix at `offset`; every byte must be F0..F9."""
    prefix = data[offset : offset + digits]
    if len(prefix) < digits:
        raise ZvtDecodeError(f"length prefix cut short at byte {offset}")
    if any(b & 0xF0 != 0xF0 or b & 0x0F > 9 for b in prefix):
        raise ZvtDecodeError(f"bad length prefix {prefix.hex(' ')} at byte {offset}")
    return int("".join(str(b & 0x0F) for b in prefix))


def amount_to_cents(amount: str | int) -> int:
    """Cents as an integer; accepts an int of cents or a decimal string ("25.00")."""
    if isinstance(amount, int):
        return amount
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0")[:2] or 0)
