"""Numbers typed at the register: one parser for every number field, with the cashier's message.

Quantities, weights, percentages, prices, discounts, payments, cash in/out, pieces of a
float count and page numbers all come through here. Only what a keyboard or the register's
keypad produces is a number: ASCII digits, one decimal comma or point (``0,5``, ``2.99``)
and, for amounts, German or English thousands separators and a trailing ``€``. Everything
else — ``NaN``, ``Infinity``, ``1e30``, digits of other scripts (``٣``, ``３``), underscores,
texts longer than a number can be — is refused with a translated message before any service
runs, so a bad input changes nothing. The services check the ranges again (see
``kasse.sales.services.rules``), for callers other than the register.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _

from kasse.core.money import MoneyError, parse_money
from kasse.sales.services.errors import SaleError
from kasse.sales.services.rules import MAX_QUANTITY, check_amount, check_percent

MAX_LENGTH = 20  # "999.999,99 €" and "9999,999" fit easily; anything longer is not a number we take
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DECIMAL = re.compile(r"[0-9]*[.,]?[0-9]*", re.ASCII)
_AMOUNT = re.compile(r"[0-9.,]+", re.ASCII)
_WHOLE = re.compile(r"[0-9]{1,9}", re.ASCII)


class NumberInputError(SaleError):
    """A typed number the register cannot take; the message says what to type instead."""


def _cleaned(text: object) -> tuple[str, str]:
    """``(sign, digits)`` of a typed value without spaces; sign is ``"-"`` or ``""``."""
    value = _SPACES.sub("", str(text if text is not None else ""))
    if len(value) > MAX_LENGTH:
        raise NumberInputError(_("Please enter a valid number."))
    sign = ""
    if value[:1] in {"-", "+"}:
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    return sign, value


def _decimal(text: object, *, places: int, message: str) -> Decimal:
    sign, value = _cleaned(text)
    if not value or not _DECIMAL.fullmatch(value) or not any(ch.isdigit() for ch in value):
        raise NumberInputError(message)
    number = Decimal(sign + value.replace(",", "."))
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise NumberInputError(message)
    return number


def parse_quantity(text: object) -> Decimal:
    """A quantity or weight: ``2``, ``0,250``; at most three decimal places and at most ``MAX_QUANTITY``.

    Zero and negative values come back as typed (setting a line to 0 removes it; the
    services refuse the rest with their own message).
    """
    quantity = _decimal(
        text, places=3, message=_("Please enter a quantity such as 2 or 0,250 (at most three decimal places).")
    )
    if quantity > MAX_QUANTITY:
        raise NumberInputError(_("The quantity %(qty)s is too large.") % {"qty": quantity.normalize()})
    return quantity


def parse_percent(text: object) -> Decimal:
    """A discount in percent: 0 to 100, at most two decimal places."""
    percent = _decimal(text, places=2, message=_("Please enter a percentage such as 10 or 12,5."))
    return _checked(check_percent, percent)


def parse_amount(text: object) -> Decimal:
    """An amount in euros (``20``, ``2,99``, ``1.234,50 €``, ``1,234.50``): whole cents, at most
    ``MAX_AMOUNT``; negative amounts come back negative for the services to refuse."""
    sign, value = _cleaned(text)
    value = value.removesuffix("€").removesuffix("EUR")
    if not value or not _AMOUNT.fullmatch(value) or not any(ch.isdigit() for ch in value):
        raise NumberInputError(_("Please enter an amount in euros, e.g. 20,00."))
    try:
        amount = parse_money(sign + value)
    except MoneyError as exc:
        raise NumberInputError(_("Please enter an amount in euros, e.g. 20,00.")) from exc
    return _checked(check_amount, amount)


def _checked(check: Callable[[Decimal], Decimal], value: Decimal) -> Decimal:
    """The services' range check, its refusal as an input error of the register."""
    try:
        return check(value)
    except SaleError as exc:
        raise NumberInputError(exc.messages[0]) from exc


def parse_pieces(text: object, maximum: int) -> int:
    """A whole number of pieces (a float count by denomination), 0 to ``maximum``."""
    value = _SPACES.sub("", str(text if text is not None else ""))
    if not _WHOLE.fullmatch(value) or int(value) > maximum:
        raise NumberInputError(_("The number of pieces must be a whole number from 0 to %(max)s.") % {"max": maximum})
    return int(value)


def parse_page(text: object) -> int | None:
    """A page marker from a link (``?before=120``): a positive whole number, else the first page."""
    value = str(text if text is not None else "").strip()
    return int(value) if _WHOLE.fullmatch(value) and int(value) > 0 else None
