"""The register's commands, as APDUs. The password is six digits, sent as three BCD bytes."""

from __future__ import annotations

import enum

from kasse.hardware.terminals.zvt import bmp, tlv
from kasse.hardware.terminals.zvt.apdu import Apdu
from kasse.hardware.terminals.zvt.codec import encode_bcd

EUR = 978


class Config(enum.IntFlag):
    """Registration config byte: what the register takes over from the terminal."""

    ECR_PRINTS_PAYMENT_RECEIPT = 0x02
    ECR_PRINTS_ADMIN_RECEIPT = 0x04
    INTERMEDIATE_STATUS = 0x08
    ECR_CONTROLS_PAYMENT = 0x10
    ECR_CONTROLS_ADMIN = 0x20
    RECEIPT_VIA_ECR = 0x80


# kasse prints both receipts on its own printer, wants every 04 FF, and starts payments itself.
DEFAULT_CONFIG = (
    Config.ECR_PRINTS_PAYMENT_RECEIPT
    | Config.ECR_PRINTS_ADMIN_RECEIPT
    | Config.INTERMEDIATE_STATUS
    | Config.ECR_CONTROLS_PAYMENT
    | Config.RECEIPT_VIA_ECR
)

REGISTRATION = 0x0600
AUTHORIZATION = 0x0601
LOG_OFF = 0x0602
REPEAT_RECEIPT = 0x0620
REVERSAL = 0x0630
REFUND = 0x0631
END_OF_DAY = 0x0650
ABORT_BY_ECR = 0x06B0
STATUS_ENQUIRY = 0x0501

NAMES = {
    REGISTRATION: "registration",
    AUTHORIZATION: "authorization",
    LOG_OFF: "log-off",
    REPEAT_RECEIPT: "repeat receipt",
    REVERSAL: "reversal",
    REFUND: "refund",
    END_OF_DAY: "end-of-day",
    ABORT_BY_ECR: "abort",
    STATUS_ENQUIRY: "status enquiry",
}


def password_bytes(password: str) -> bytes:
    """Six digits; anything else is refused before it reaches a terminal."""
    if len(password) != 6 or not password.isdigit():
        raise ValueError("the terminal password has six digits")
    return bytes.fromhex(password)


def amount_bytes(cents: int) -> bytes:
    if cents <= 0:
        raise ValueError("a card amount is more than zero")
    return encode_bcd(cents, 6)


def _apdu(command: int, data: bytes = b"") -> Apdu:
    return Apdu(command >> 8, command & 0xFF, data)


def registration(
    password: str,
    config: int = DEFAULT_CONFIG,
    *,
    currency: int | None = EUR,
    service_byte: int | None = None,
    tlv_elements: list[tlv.Tlv] | None = None,
) -> Apdu:
    """06 00: log the register on; the currency follows the config byte without a BMP tag."""
    data = password_bytes(password) + bytes([config])
    if currency is not None:
        data += encode_bcd(currency, 2)
    if service_byte is not None:
        data += bmp.encode_field(bmp.SERVICE_BYTE, bytes([service_byte]))
    if tlv_elements:
        data += bmp.encode_tlv(tlv_elements)
    return _apdu(REGISTRATION, data)


def authorization(cents: int, *, currency: int = EUR, payment_type: int | None = None) -> Apdu:
    """06 01: take a payment of `cents`. Never sent twice for one intent (see docs/payments.md)."""
    fields = [(bmp.AMOUNT, amount_bytes(cents)), (bmp.CURRENCY, encode_bcd(currency, 2))]
    if payment_type is not None:
        fields.append((bmp.PAYMENT_TYPE, bytes([payment_type])))
    return _apdu(AUTHORIZATION, bmp.encode(fields))


def reversal(password: str, receipt_number: int) -> Apdu:
    """06 30: cancel the payment with this terminal receipt number (same day, before the end-of-day)."""
    return _apdu(REVERSAL, password_bytes(password) + bmp.encode([(bmp.RECEIPT_NUMBER, encode_bcd(receipt_number, 2))]))


def refund(password: str, cents: int, *, currency: int = EUR) -> Apdu:
    """06 31: pay `cents` back to the card presented."""
    fields = [(bmp.AMOUNT, amount_bytes(cents)), (bmp.CURRENCY, encode_bcd(currency, 2))]
    return _apdu(REFUND, password_bytes(password) + bmp.encode(fields))


def end_of_day(password: str) -> Apdu:
    return _apdu(END_OF_DAY, password_bytes(password))


def status_enquiry(password: str, *, service_byte: int | None = None) -> Apdu:
    data = password_bytes(password)
    if service_byte is not None:
        data += bmp.encode_field(bmp.SERVICE_BYTE, bytes([service_byte]))
    return _apdu(STATUS_ENQUIRY, data)


def repeat_receipt(password: str) -> Apdu:
    """06 20: the terminal sends its last receipt and status information again (recovery after a lost link)."""
    return _apdu(REPEAT_RECEIPT, password_bytes(password))


def abort() -> Apdu:
    """06 B0: ask the terminal to stop the running command; not every terminal honours it."""
    return _apdu(ABORT_BY_ECR)


def log_off() -> Apdu:
    return _apdu(LOG_OFF)


# Commands the terminal answers with its acknowledgement (80 00) alone, without a completion (06 0F): for these
# the acknowledgement ends the exchange. Waiting for a completion that never comes held a log-off for the whole
# silence timeout (180 s) and with it the payment or end-of-day behind it.
ANSWERED_BY_ACK = frozenset({LOG_OFF})
