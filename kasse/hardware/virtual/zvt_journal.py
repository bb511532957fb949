"""The virtual terminal's book: what it has charged, reversed and refunded, and the messages it sends about it
(04 0F status information, 06 D3 receipts, the BMP 60 totals of an end-of-day), built with our own encoder."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from kasse.hardware.terminals.zvt import bmp, tlv
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.codec import encode_bcd, encode_var_length
from kasse.hardware.terminals.zvt.records import TAG_PRINT_TEXTS, TAG_RECEIPT_TYPE, TAG_TEXT_LINE, TOTALS_FAMILIES

TERMINAL_ID = "29001234"
VU_NUMBER = "455600000001"
SOFTWARE_VERSION = "kasse-virtual-zvt 1.0"


@dataclass(frozen=True)
class Card:
    name: str = "girocard"
    zvt_card_type: int = 5
    family: str = "girocard"
    pan: str = "6805******1234"
    expiry: str = "2812"


MASTERCARD = Card("MasterCard", 6, "Mastercard", "5598******8074", "2705")


@dataclass
class Booking:
    kind: str  # payment, refund, reversal
    amount_cents: int
    trace: int
    receipt: int
    card: Card
    when: dt.datetime
    result_code: int = 0
    reversed: bool = False
    original_receipt: int | None = None


@dataclass
class Journal:
    """Thread-safe; numbers count up like a real terminal's (trace and receipt numbers are per terminal)."""

    next_trace: int = 1001
    next_receipt: int = 1
    bookings: list[Booking] = field(default_factory=list)
    last: Booking | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def book(self, kind: str, cents: int, card: Card, *, result_code: int = 0, original: int | None = None) -> Booking:
        with self._lock:
            booking = Booking(
                kind,
                cents,
                self.next_trace,
                self.next_receipt,
                card,
                dt.datetime.now(dt.UTC).astimezone(),
                result_code,
                original_receipt=original,
            )
            self.next_trace += 1
            if result_code == 0:
                self.next_receipt += 1
                self.bookings.append(booking)
            self.last = booking
            return booking

    def find(self, receipt: int) -> Booking | None:
        with self._lock:
            return next((b for b in self.bookings if b.receipt == receipt and b.kind == "payment"), None)

    def settle(self) -> tuple[list[Booking], int]:
        """End-of-day: the open bookings are taken out; returns them and the trace number of the closing."""
        with self._lock:
            open_bookings, self.bookings = self.bookings, []
            trace = self.next_trace
            self.next_trace += 1
            return open_bookings, trace


def net_cents(bookings: list[Booking]) -> int:
    total = 0
    for b in bookings:
        if b.kind == "payment" and not b.reversed:
            total += b.amount_cents
        elif b.kind == "refund":
            total -= b.amount_cents
    return total


def status_information(booking: Booking) -> Apdu:
    card = booking.card
    pan_digits = card.pan.replace("*", "E")
    if len(pan_digits) % 2:
        pan_digits += "F"
    fields = [
        (bmp.RESULT_CODE, bytes([booking.result_code])),
        (bmp.AMOUNT, encode_bcd(booking.amount_cents, 6)),
        (bmp.CURRENCY, encode_bcd(978, 2)),
        (bmp.TIME, bytes.fromhex(booking.when.strftime("%H%M%S"))),
        (bmp.DATE, bytes.fromhex(booking.when.strftime("%m%d"))),
        (bmp.TRACE, encode_bcd(booking.trace, 3)),
        (bmp.TERMINAL_ID, bytes.fromhex(TERMINAL_ID)),
    ]
    if booking.result_code == 0:
        fields += [
            (bmp.PAN, bytes.fromhex(pan_digits)),
            (bmp.RECEIPT_NUMBER, encode_bcd(booking.receipt, 2)),
            (bmp.PAYMENT_TYPE, b"\x60"),
            (bmp.EXPIRY, bytes.fromhex(card.expiry)),
            (bmp.CARD_TYPE, bytes([card.zvt_card_type])),
            (bmp.CARD_NAME, card.name.encode("ascii") + b"\x00"),
            (bmp.VU_NUMBER, VU_NUMBER.ljust(15).encode("ascii")),
        ]
    return Apdu(0x04, 0x0F, bmp.encode(fields))


def totals_status(bookings: list[Booking], trace: int) -> Apdu:
    now = dt.datetime.now(dt.UTC).astimezone()
    receipts = [b.receipt for b in bookings] or [0]
    families = bytearray()
    for family in TOTALS_FAMILIES:
        mine = [b for b in bookings if b.card.family == family]
        count = sum(1 for b in mine if b.kind == "payment" and not b.reversed)
        families += bytes([min(count, 255)]) + encode_bcd(max(net_cents(mine), 0), 6)
    single = encode_bcd(min(receipts), 2) + encode_bcd(max(receipts), 2) + bytes(families)
    fields = [
        (bmp.RESULT_CODE, b"\x00"),
        (bmp.AMOUNT, encode_bcd(max(net_cents(bookings), 0), 6)),
        (bmp.TRACE, encode_bcd(trace, 3)),
        (bmp.DATE, bytes.fromhex(now.strftime("%m%d"))),
        (bmp.TIME, bytes.fromhex(now.strftime("%H%M%S"))),
        (bmp.SINGLE_AMOUNTS, single),
    ]
    return Apdu(0x04, 0x0F, bmp.encode(fields))


def receipt_lines(booking: Booking, copy: str) -> list[str]:
    title = {"payment": "Kartenzahlung", "refund": "Gutschrift", "reversal": "Storno"}[booking.kind]
    euros = f"{booking.amount_cents // 100},{booking.amount_cents % 100:02d}"
    return [
        f"** {copy} **".center(40),
        title.center(40),
        booking.when.strftime("%d.%m.%Y").ljust(32) + booking.when.strftime("%H:%M:%S"),
        f"Terminal-ID: {TERMINAL_ID}",
        f"Trace-Nr.: {booking.trace:06d}",
        f"Beleg-Nr.: {booking.receipt:04d}",
        f"Karte: {booking.card.name} {booking.card.pan}",
        f"Betrag: EUR {euros}",
        "Zahlung erfolgt" if booking.result_code == 0 else "Abgelehnt",
    ]


def end_of_day_lines(bookings: list[Booking], trace: int) -> list[str]:
    cents = net_cents(bookings)
    count = sum(1 for b in bookings if b.kind == "payment" and not b.reversed)
    return [
        "** Kassenschnitt **".center(40),
        f"Terminal-ID: {TERMINAL_ID}",
        f"Trace-Nr.: {trace:06d}",
        f"Anzahl: {count}",
        f"Summe: EUR {cents // 100},{cents % 100:02d}",
    ]


def text_block(lines: list[str], receipt_type: int) -> Apdu:
    texts = [tlv.Tlv(TAG_TEXT_LINE, line.encode("cp437", errors="replace")) for line in lines]
    elements = [tlv.Tlv(TAG_RECEIPT_TYPE, bytes([receipt_type])), tlv.Tlv(TAG_PRINT_TEXTS, children=tuple(texts))]
    return Apdu(0x06, 0xD3, bmp.encode_tlv(elements))


def completion_with_version() -> Apdu:
    version = SOFTWARE_VERSION.encode("ascii")
    return Apdu(0x06, 0x0F, encode_var_length(len(version), 3) + version + b"\x00")
