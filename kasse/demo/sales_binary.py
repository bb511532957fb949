"""PostgreSQL's binary COPY format for ``kasse seed --sales`` (:mod:`kasse.demo.sales_rows`).

A row in binary COPY is its number of fields (16 bits) and each field as its length (32 bits, -1 for NULL)
and its bytes in the type's binary form: a ``uuid`` its 16 bytes, a ``timestamptz`` microseconds since
2000-01-01 UTC (64 bits), an integer big-endian, text its UTF-8 bytes unescaped, a ``numeric`` its digits in
base 10,000 with weight, sign and scale. PostgreSQL reads these without parsing text (the receipt lines' COPY:
about half the database's CPU without keys, measured in ``docs/benchmarks.md``), and Python builds them from
integers and templates without formatting decimals and dates.
"""

from __future__ import annotations

import struct

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # header: no OIDs, no extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
PG_EPOCH_MICROS = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
_STAMP = struct.Struct(">iq")
_INT8 = struct.Struct(">iq")
_INT4 = struct.Struct(">ii")
_INT2 = struct.Struct(">ih")
UUID_LENGTH = b"\x00\x00\x00\x10"


def count(fields: int) -> bytes:
    """A row's start: how many fields follow."""
    return struct.pack(">h", fields)


def text(value: str) -> bytes:
    data = value.encode()
    return struct.pack(">i", len(data)) + data


def uuid_hex(value: str) -> bytes:
    """A ``uuid`` field from 32 hex digits."""
    return UUID_LENGTH + bytes.fromhex(value)


def stamp(micros: int) -> bytes:
    """A ``timestamptz`` field from microseconds since 1970 (UTC)."""
    return _STAMP.pack(8, micros - PG_EPOCH_MICROS)


def int8(value: int) -> bytes:
    return _INT8.pack(8, value)


def int4(value: int) -> bytes:
    return _INT4.pack(4, value)


def int2(value: int) -> bytes:
    return _INT2.pack(2, value)


def boolean(value: bool) -> bytes:
    return b"\x00\x00\x00\x01" + (b"\x01" if value else b"\x00")


def numeric(units: int, scale: int) -> bytes:
    """A ``numeric`` field of ``units`` / 10**``scale`` (scale 0 to 4: cents, thousandths, whole numbers)."""
    sign = 0x4000 if units < 0 else 0
    units = abs(units)
    whole, fraction = divmod(units, 10**scale)
    groups: list[int] = []
    while whole:
        whole, group = divmod(whole, 10_000)
        groups.insert(0, group)
    weight = len(groups) - 1
    if fraction:
        groups.append(fraction * 10 ** (4 - scale))
    if not groups:  # zero
        weight, sign = 0, 0
    while groups and groups[-1] == 0:  # PostgreSQL's own form: no trailing zero groups
        groups.pop()
    while groups and groups[0] == 0:  # nor leading ones
        groups.pop(0)
        weight -= 1
    body = struct.pack(f">hhHH{len(groups)}H", len(groups), weight, sign, scale, *groups)
    return struct.pack(">i", len(body)) + body


class Cents(dict[int, bytes]):
    """Cents → ``numeric(…, 2)`` field, each amount encoded once."""

    def __missing__(self, cents: int) -> bytes:
        value = self[cents] = numeric(cents, 2)
        return value
