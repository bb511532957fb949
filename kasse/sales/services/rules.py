"""Limits the register enforces (a manager PIN lifts them) and the one discount rule.

Used by the cart on the register and again by ``complete_sale``, so what the
cashier sees and what is committed are computed the same way.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from kasse.core.money import ZERO, percent_of, round_money
from kasse.sales.services.errors import SaleError

# Discounts above this share of a line or order need a manager's approval.
CASHIER_DISCOUNT_LIMIT_PERCENT = Decimal("10")
# Larger quantities are almost always a scanner or typing mistake.
MAX_QUANTITY = Decimal("9999")


def discount_amount(base: Decimal, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    """The discount in euros on ``base``: a percentage or an amount, never both, never more than ``base``."""
    if percent is not None and amount is not None:
        raise SaleError(_("Give a discount either in percent or as an amount, not both."))
    if percent is not None:
        if not Decimal(0) <= percent <= Decimal(100):
            raise SaleError(_("A discount must be between 0 and 100 %."))
        return percent_of(base, percent)
    if amount is not None:
        amount = round_money(amount)
        if amount < 0 or amount > base:
            raise SaleError(_("A discount must not be negative or larger than the amount."))
        return amount
    return ZERO


def discount_needs_manager(discount: Decimal, base: Decimal) -> bool:
    """Whether a discount is above what a cashier may give alone."""
    return base > 0 and discount * 100 > base * CASHIER_DISCOUNT_LIMIT_PERCENT
