"""Bitmap fields (BMPs): one tag byte, then a fixed number of bytes, an LLVAR or LLLVAR value, or a TLV container.

The table lists every BMP a terminal may send in the messages kasse reads. An unknown tag cannot be
skipped (its length is not known), so it is a decoding error rather than a guess.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from kasse.hardware.terminals.zvt import tlv
from kasse.hardware.terminals.zvt.codec import ZvtDecodeError, decode_var_length, encode_var_length


class Kind(enum.Enum):
    FIXED = "fixed"
    LLVAR = "llvar"
    LLLVAR = "lllvar"
    TLV = "tlv"


@dataclass(frozen=True)
class Spec:
    name: str
    kind: Kind
    length: int = 0  # bytes of a FIXED field


def _fixed(name: str, length: int) -> Spec:
    return Spec(name, Kind.FIXED, length)


AMOUNT = 0x04
TLV_CONTAINER = 0x06
TRACE = 0x0B
TIME = 0x0C
DATE = 0x0D
EXPIRY = 0x0E
CARD_SEQUENCE = 0x17
PAYMENT_TYPE = 0x19
PAN = 0x22
RESULT_CODE = 0x27
TERMINAL_ID = 0x29
VU_NUMBER = 0x2A
ORIGINAL_TRACE = 0x37
AID = 0x3B
ADDITIONAL_TEXT = 0x3C
CURRENCY = 0x49
SINGLE_AMOUNTS = 0x60
RECEIPT_NUMBER = 0x87
TURNOVER_NUMBER = 0x88
CARD_TYPE = 0x8A
CARD_NAME = 0x8B
CARD_TYPE_ID = 0x8C
RESULT_CODE_AS = 0xA0
SERVICE_BYTE = 0x03

SPECS: dict[int, Spec] = {
    0x01: _fixed("timeout", 1),
    0x02: _fixed("max status infos", 1),
    SERVICE_BYTE: _fixed("service byte", 1),
    AMOUNT: _fixed("amount", 6),
    0x05: _fixed("pump number", 1),
    TLV_CONTAINER: Spec("TLV container", Kind.TLV),
    TRACE: _fixed("trace number", 3),
    TIME: _fixed("time", 3),
    DATE: _fixed("date", 2),
    EXPIRY: _fixed("expiry date", 2),
    CARD_SEQUENCE: _fixed("card sequence number", 2),
    PAYMENT_TYPE: _fixed("payment type", 1),
    PAN: Spec("card number", Kind.LLVAR),
    0x23: Spec("track 2", Kind.LLVAR),
    0x24: Spec("track 3", Kind.LLLVAR),
    RESULT_CODE: _fixed("result code", 1),
    TERMINAL_ID: _fixed("terminal id", 4),
    VU_NUMBER: _fixed("VU number", 15),
    0x2D: Spec("track 1", Kind.LLVAR),
    0x2E: Spec("synchronous chip data", Kind.LLLVAR),
    ORIGINAL_TRACE: _fixed("original trace number", 3),
    0x3A: _fixed("CVV", 2),
    AID: _fixed("authorisation attribute", 8),
    ADDITIONAL_TEXT: Spec("additional text", Kind.LLLVAR),
    0x3D: _fixed("password", 3),
    CURRENCY: _fixed("currency code", 2),
    SINGLE_AMOUNTS: Spec("single amounts", Kind.LLLVAR),
    RECEIPT_NUMBER: _fixed("receipt number", 2),
    TURNOVER_NUMBER: _fixed("turnover number", 3),
    CARD_TYPE: _fixed("card type", 1),
    CARD_NAME: Spec("card name", Kind.LLVAR),
    CARD_TYPE_ID: _fixed("card type id", 1),
    0x92: Spec("additional decimals", Kind.LLLVAR),
    0x9A: Spec("Geldkarte payment record", Kind.LLLVAR),
    RESULT_CODE_AS: _fixed("result code AS", 1),
    0xA7: Spec("chip data", Kind.LLVAR),
    0xAF: Spec("EF_ID", Kind.LLLVAR),
    0xBA: _fixed("AID parameter", 5),
    0xD0: _fixed("algorithm key", 1),
    0xD1: Spec("offset", Kind.LLVAR),
    0xD2: _fixed("direction", 1),
    0xD3: _fixed("key position", 1),
    0xE0: _fixed("input minimum length", 1),
    **{tag: Spec(f"display line {tag - 0xE0}", Kind.LLVAR) for tag in range(0xE1, 0xE9)},
    0xE9: _fixed("input maximum length", 1),
    0xEA: _fixed("echo", 1),
    0xEB: _fixed("MAC", 8),
    0xF0: _fixed("display duration", 1),
    **{tag: Spec(f"print line {tag - 0xF0}", Kind.LLVAR) for tag in range(0xF1, 0xF9)},
    0xF9: _fixed("beep tones", 1),
    0xFA: _fixed("status", 1),
    0xFB: _fixed("OK required", 1),
    0xFC: _fixed("dialog control", 1),
}


@dataclass(frozen=True)
class Field:
    """One decoded BMP: the tag and its raw value (for TLV: the container's contents, parsed in `tlv`)."""

    tag: int
    value: bytes
    elements: tuple[tlv.Tlv, ...] = ()

    @property
    def name(self) -> str:
        return SPECS[self.tag].name


def decode(data: bytes, offset: int = 0) -> list[Field]:
    """Every BMP from `offset` to the end of `data`."""
    fields: list[Field] = []
    while offset < len(data):
        tag = data[offset]
        spec = SPECS.get(tag)
        if spec is None:
            raise ZvtDecodeError(f"unknown BMP {tag:02X} at byte {offset}")
        offset += 1
        if spec.kind is Kind.FIXED:
            length = spec.length
        elif spec.kind is Kind.TLV:
            length, offset = _tlv_length(data, offset)
        else:
            digits = 2 if spec.kind is Kind.LLVAR else 3
            length = decode_var_length(data, offset, digits)
            offset += digits
        value = data[offset : offset + length]
        if len(value) < length:
            raise ZvtDecodeError(f"BMP {tag:02X} ({spec.name}) cut short: {len(value)} of {length} bytes")
        offset += length
        elements = tlv.decode(value) if spec.kind is Kind.TLV else ()
        fields.append(Field(tag, value, elements))
    return fields


def _tlv_length(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise ZvtDecodeError("TLV container length missing")
    first = data[offset]
    if not first & 0x80:
        return first, offset + 1
    size = first & 0x7F
    if size not in (1, 2) or offset + 1 + size > len(data):
        raise ZvtDecodeError(f"bad TLV container length at byte {offset}")
    return int.from_bytes(data[offset + 1 : offset + 1 + size], "big"), offset + 1 + size


def encode_field(tag: int, value: bytes) -> bytes:
    """One BMP with the length prefix its kind needs; a FIXED value must have exactly its length."""
    spec = SPECS[tag]
    if spec.kind is Kind.FIXED:
        if len(value) != spec.length:
            raise ValueError(f"BMP {tag:02X} ({spec.name}) takes {spec.length} bytes, not {len(value)}")
        return bytes([tag]) + value
    if spec.kind is Kind.TLV:
        return bytes([tag]) + tlv.encode_length(len(value)) + value
    digits = 2 if spec.kind is Kind.LLVAR else 3
    return bytes([tag]) + encode_var_length(len(value), digits) + value


def encode(fields: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(encode_field(tag, value) for tag, value in fields)


def encode_tlv(elements: list[tlv.Tlv]) -> bytes:
    """A BMP 06 container holding `elements`."""
    return encode_field(TLV_CONTAINER, tlv.encode(elements))
