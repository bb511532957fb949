"""Typed records of what a terminal sends: status information (04 0F), intermediate status (04 FF), receipt
lines (06 D1, 06 D3), completion (06 0F) and abort (06 1E). `parse(apdu)` picks the record for an APDU."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from kasse.hardware.terminals.zvt import bmp, tlv
from kasse.hardware.terminals.zvt.apdu import (
    ABORT,
    COMPLETION,
    INTERMEDIATE_STATUS,
    PRINT_LINE,
    PRINT_TEXT_BLOCK,
    STATUS_INFORMATION,
    Apdu,
)
from kasse.hardware.terminals.zvt.codec import (
    ZvtDecodeError,
    decode_bcd,
    decode_bcd_digits,
    decode_pan,
    decode_var_length,
)

TEXT_ENCODING = "cp437"  # the ZVT character set for printable text

# BMP 60 after an end-of-day: receipt numbers from/to, then count and total per card family in this order.
TOTALS_FAMILIES = ("girocard", "JCB", "Mastercard", "American Express", "Visa", "Diners", "other")

TAG_TEXT_LINE = 0x07
TAG_PRINT_TEXTS = 0x25
TAG_RECEIPT_TYPE = 0x1F07


class ReceiptType(enum.IntEnum):
    MERCHANT = 1
    CUSTOMER = 2
    ADMINISTRATION = 3


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode(TEXT_ENCODING, errors="replace")


@dataclass(frozen=True)
class FamilyTotal:
    family: str
    count: int
    amount_cents: int


@dataclass(frozen=True)
class EndOfDayTotals:
    """The terminal's booked turnover since the last end-of-day (BMP 60 of the 04 0F after 06 50)."""

    first_receipt: int
    last_receipt: int
    families: tuple[FamilyTotal, ...]

    @property
    def count(self) -> int:
        return sum(f.count for f in self.families)

    @property
    def amount_cents(self) -> int:
        return sum(f.amount_cents for f in self.families)


def parse_totals(value: bytes) -> EndOfDayTotals:
    if len(value) < 4 + 7 * len(TOTALS_FAMILIES):
        raise ZvtDecodeError(f"end-of-day totals too short: {len(value)} bytes")
    families = tuple(
        FamilyTotal(name, value[4 + 7 * i], decode_bcd(value[5 + 7 * i : 11 + 7 * i]))
        for i, name in enumerate(TOTALS_FAMILIES)
    )
    return EndOfDayTotals(decode_bcd(value[0:2]), decode_bcd(value[2:4]), families)


@dataclass(frozen=True)
class StatusInformation:
    """04 0F: the result of a transaction, as the register records it with the payment."""

    result_code: int = 0
    amount_cents: int | None = None
    currency: int | None = None
    trace_number: int | None = None
    original_trace_number: int | None = None
    receipt_number: int | None = None
    turnover_number: int | None = None
    payment_type: int | None = None
    card_type: int | None = None
    card_type_id: int | None = None
    card_name: str = ""
    masked_pan: str = ""
    card_sequence_number: int | None = None
    expiry: str = ""  # YYMM
    terminal_id: str = ""
    vu_number: str = ""
    aid: str = ""
    date: str = ""  # MMDD
    time: str = ""  # HHMMSS
    additional_text: str = ""
    totals: EndOfDayTotals | None = None
    tlv: tuple[tlv.Tlv, ...] = ()

    @property
    def approved(self) -> bool:
        return self.result_code == 0

    def timestamp(self, year: int, tz: dt.tzinfo) -> dt.datetime | None:
        """The terminal's booking time (it sends no year: the caller knows it)."""
        if len(self.date) != 4 or len(self.time) != 6:
            return None
        try:
            return dt.datetime(
                year,
                int(self.date[:2]),
                int(self.date[2:]),
                int(self.time[:2]),
                int(self.time[2:4]),
                int(self.time[4:]),
                tzinfo=tz,
            )
        except ValueError:
            return None


def parse_status_information(data: bytes) -> StatusInformation:
    values: dict[str, object] = {}
    for f in bmp.decode(data):
        match f.tag:
            case bmp.RESULT_CODE:
                values["result_code"] = f.value[0]
            case bmp.AMOUNT:
                values["amount_cents"] = decode_bcd(f.value)
            case bmp.CURRENCY:
                values["currency"] = decode_bcd(f.value)
            case bmp.TRACE:
                values["trace_number"] = decode_bcd(f.value)
            case bmp.ORIGINAL_TRACE:
                values["original_trace_number"] = decode_bcd(f.value)
            case bmp.RECEIPT_NUMBER:
                values["receipt_number"] = decode_bcd(f.value)
            case bmp.TURNOVER_NUMBER:
                values["turnover_number"] = decode_bcd(f.value)
            case bmp.PAYMENT_TYPE:
                values["payment_type"] = f.value[0]
            case bmp.CARD_TYPE:
                values["card_type"] = f.value[0]
            case bmp.CARD_TYPE_ID:
                values["card_type_id"] = f.value[0]
            case bmp.CARD_NAME:
                values["card_name"] = _text(f.value)
            case bmp.PAN:
                values["masked_pan"] = decode_pan(f.value)
            case bmp.CARD_SEQUENCE:
                values["card_sequence_number"] = decode_bcd(f.value)
            case bmp.EXPIRY:
                values["expiry"] = decode_bcd_digits(f.value)
            case bmp.TERMINAL_ID:
                values["terminal_id"] = decode_bcd_digits(f.value)
            case bmp.VU_NUMBER:
                values["vu_number"] = _text(f.value).rstrip()
            case bmp.AID:
                values["aid"] = _text(f.value)
            case bmp.DATE:
                values["date"] = decode_bcd_digits(f.value)
            case bmp.TIME:
                values["time"] = decode_bcd_digits(f.value)
            case bmp.ADDITIONAL_TEXT:
                values["additional_text"] = _text(f.value)
            case bmp.SINGLE_AMOUNTS:
                values["totals"] = parse_totals(f.value)
            case bmp.TLV_CONTAINER:
                values["tlv"] = f.elements
    return StatusInformation(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class IntermediateStatus:
    """04 FF: what the terminal asks of the customer or is busy with ("Karte einstecken")."""

    code: int
    timeout: int | None = None
    tlv: tuple[tlv.Tlv, ...] = ()


def parse_intermediate_status(data: bytes) -> IntermediateStatus:
    if not data:
        raise ZvtDecodeError("intermediate status without a status byte")
    if len(data) == 1:
        return IntermediateStatus(data[0])
    if len(data) == 2:
        return IntermediateStatus(data[0], data[1])
    try:  # with a timeout byte before the TLV container
        fields, timeout = bmp.decode(data, 2), data[1]
    except ZvtDecodeError:
        fields, timeout = bmp.decode(data, 1), None
    elements = next((f.elements for f in fields if f.tag == bmp.TLV_CONTAINER), ())
    return IntermediateStatus(data[0], timeout, elements)


@dataclass(frozen=True)
class PrintLine:
    """06 D1: one receipt line; the attribute's bit 0x80 marks the last line of a receipt."""

    attribute: int
    text: str

    @property
    def last(self) -> bool:
        return bool(self.attribute & 0x80)


@dataclass(frozen=True)
class PrintTextBlock:
    """06 D3: a whole receipt as TLV text lines, with its type (merchant, customer, administration)."""

    receipt_type: int | None
    lines: tuple[str, ...]


def parse_text_block(data: bytes) -> PrintTextBlock:
    fields = bmp.decode(data)
    elements = next((f.elements for f in fields if f.tag == bmp.TLV_CONTAINER), ())
    kind = tlv.find(elements, TAG_RECEIPT_TYPE)
    container = tlv.find(elements, TAG_PRINT_TEXTS)
    lines = tuple(_text(e.value) for e in (container.children if container else ()) if e.tag == TAG_TEXT_LINE)
    return PrintTextBlock(kind.value[0] if kind and kind.value else None, lines)


@dataclass(frozen=True)
class Completion:
    """06 0F: the terminal is done; after registration or a status enquiry it may carry its software version."""

    status_byte: int | None = None
    terminal_id: str = ""
    currency: int | None = None
    software_version: str = ""
    terminal_status: int | None = None
    tlv: tuple[tlv.Tlv, ...] = field(default=())


def parse_completion(data: bytes) -> Completion:
    values: dict[str, object] = {}
    offset = 0
    if data and data[0] & 0xF0 == 0xF0:  # LLLVAR software version, then the terminal status byte
        length = decode_var_length(data, 0, 3)
        values["software_version"] = _text(data[3 : 3 + length])
        offset = 3 + length
        if offset < len(data):
            values["terminal_status"] = data[offset]
            offset += 1
    for f in bmp.decode(data, offset):
        if f.tag == bmp.PAYMENT_TYPE:
            values["status_byte"] = f.value[0]
        elif f.tag == bmp.TERMINAL_ID:
            values["terminal_id"] = decode_bcd_digits(f.value)
        elif f.tag == bmp.CURRENCY:
            values["currency"] = decode_bcd(f.value)
        elif f.tag == bmp.TLV_CONTAINER:
            values["tlv"] = f.elements
    return Completion(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Abort:
    """06 1E: the command ended without success; `result_code` says why."""

    result_code: int
    receipt_number: int | None = None


def parse_abort(data: bytes) -> Abort:
    if not data:
        raise ZvtDecodeError("abort without a result code")
    receipt: int | None = None
    for f in bmp.decode(data, 1):
        if f.tag == bmp.RECEIPT_NUMBER and f.value != b"\xff\xff":
            receipt = decode_bcd(f.value)
    return Abort(data[0], receipt)


Record = StatusInformation | IntermediateStatus | PrintLine | PrintTextBlock | Completion | Abort


def _parse_print_line(data: bytes) -> PrintLine:
    if not data:
        raise ZvtDecodeError("print line without an attribute")
    return PrintLine(data[0], _text(data[1:]))


_PARSERS: dict[int, Callable[[bytes], Record]] = {
    STATUS_INFORMATION: parse_status_information,
    INTERMEDIATE_STATUS: parse_intermediate_status,
    PRINT_LINE: _parse_print_line,
    PRINT_TEXT_BLOCK: parse_text_block,
    COMPLETION: parse_completion,
    ABORT: parse_abort,
}


def parse(apdu: Apdu) -> Record:
    """The typed record of a message the terminal sends; raises `ZvtDecodeError` for anything else."""
    parser = _PARSERS.get(apdu.command)
    if parser is None:
        raise ZvtDecodeError(f"unexpected message {apdu}")
    return parser(apdu.data)
