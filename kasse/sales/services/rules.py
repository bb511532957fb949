"""Limits the register enforces (a manager PIN lifts them) and the one discount rule.

Used by the cart on the register and again by ``complete_sale``, so what the
cashier sees and what is committed are computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kasse.core.money import CENT, QUANTITY_STEP, MoneyError, to_decimal
from kasse.sales.pricing import discount_of
from kasse.sales.services.errors import SaleError

# Discounts above this share of a line or order need a manager's approval.
CASHIER_DISCOUNT_LIMIT_PERCENT = Decimal("10")
# Larger quantities are almost always a scanner or typing mistake.
MAX_QUANTITY = Decimal("9999")
# The largest price, discount, payment or receipt total the register takes (a small shop's
# receipt; far inside what the money columns hold, so a typo never reaches the database).
MAX_AMOUNT = Decimal("999999.99")


def _as_decimal(value: object, message: str) -> Decimal:
    """``value`` (Decimal, int or text) as a Decimal; floats and garbage are ``message``."""
    try:
        return to_decimal(value) if not isinstance(value, Decimal) else value
    except MoneyError as exc:
        raise SaleError(message) from exc


def check_quantity(quantity: Decimal, *, by_piece: bool, name: object) -> Decimal:
    """A quantity on a receipt: more than zero, at most ``MAX_QUANTITY``, at most three
    decimal places, and a whole number for products sold by the piece."""
    quantity = _as_decimal(quantity, _("“%(name)s”: please enter a valid quantity.") % {"name": name})
    if not quantity.is_finite():
        raise SaleError(_("“%(name)s”: please enter a valid quantity.") % {"name": name})
    if quantity <= 0:
        raise SaleError(_("“%(name)s”: the quantity must be greater than zero.") % {"name": name})
    if quantity > MAX_QUANTITY:
        raise SaleError(_("“%(name)s”: the quantity %(qty)s is too large.") % {"name": name, "qty": quantity})
    if quantity != quantity.quantize(QUANTITY_STEP, rounding=ROUND_DOWN):
        raise SaleError(_("“%(name)s”: a quantity has at most three decimal places.") % {"name": name})
    if by_piece and quantity != quantity.to_integral_value():
        raise SaleError(_("“%(name)s” is sold by the piece.") % {"name": name})
    return quantity.quantize(QUANTITY_STEP)


def check_amount(amount: Decimal) -> Decimal:
    """An amount of money at the register: finite, whole cents, at most ``MAX_AMOUNT`` either way."""
    amount = _as_decimal(amount, _("Please enter an amount in euros, e.g. 20,00."))
    if not amount.is_finite():
        raise SaleError(_("Please enter an amount in euros, e.g. 20,00."))
    if abs(amount) > MAX_AMOUNT:
        raise SaleError(
            _("Amounts above %(max)s € are not possible at the register.")
            % {"max": number_format(MAX_AMOUNT, 2, force_grouping=True)}
        )
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise SaleError(_("An amount has at most two decimal places."))
    return amount.quantize(CENT)


def check_percent(percent: Decimal) -> Decimal:
    """A discount percentage: from 0 to 100 with at most two decimal places."""
    percent = _as_decimal(percent, _("A discount must be between 0 and 100 %."))
    if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
        raise SaleError(_("A discount must be between 0 and 100 %."))
    if percent != percent.quantize(CENT, rounding=ROUND_DOWN):
        raise SaleError(_("A percentage has at most two decimal places."))
    return percent


def discount_amount(base: Decimal, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    """A discount being entered on ``base``: a percentage or an amount, never both, never more than
    ``base`` (else a clear error); its euros by the pricing rule (:func:`kasse.sales.pricing.discount_of`)."""
    if percent is not None and amount is not None:
        raise SaleError(_("Give a discount either in percent or as an amount, not both."))
    if percent is not None:
        percent = check_percent(percent)
    if amount is not None:
        amount = check_amount(amount)
        if amount < 0 or amount > base:
            raise SaleError(_("A discount must not be negative or larger than the amount."))
    return discount_of(base, percent, amount)


def discount_needs_manager(discount: Decimal, base: Decimal) -> bool:
    """Whether a discount is above what a cashier may give alone."""
    return base > 0 and discount * 100 > base * CASHIER_DISCOUNT_LIMIT_PERCENT


@dataclass(frozen=True)
class Approval:
    """What a manager approved on one cart line (a price, a discount) or on the order discount.

    It covers exactly that: the same overridden price; a percentage discount up to the
    approved percentage; an amount discount up to the approved amount and never a larger
    share than approved (lowering a quantity cannot turn an approved 10 % into 100 %).
    ``complete_sale`` checks it again at checkout.
    """

    approver: Any  # the approving Employee
    price: Decimal | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_base: Decimal | None = None  # the amount the approved discount was on

    def covers_price(self, price: Decimal) -> bool:
        return self.price is not None and self.price == price

    def covers_discount(self, percent: Decimal | None, amount: Decimal | None, base: Decimal) -> bool:
        if percent is not None:
            return self.discount_percent is not None and percent <= self.discount_percent
        if amount is not None:
            if self.discount_amount is None or self.discount_base is None:
                return False
            return amount <= self.discount_amount and amount * self.discount_base <= self.discount_amount * base
        return True
