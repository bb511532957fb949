"""Money and VAT arithmetic: the one place where kasse rounds.

All amounts are ``Decimal`` in euros with two places. Prices are VAT-inclusive
(German B2C). The rules, each in exactly one function here:

* **Rounding**: commercial rounding (``ROUND_HALF_UP``) to the cent, in
  :func:`round_money`. Quantities (weights) keep three places, :func:`round_quantity`.
* **Line total**: ``round(unit_price × quantity)``, then the line discount.
* **VAT**: computed per rate from the *sum* of the gross amounts at that rate
  (``vat = round(gross × rate / (100 + rate))``, ``net = gross − vat``), so the
  nets and VAT of a receipt always add up to its gross to the cent.
* **Order discounts** are spread over the lines in proportion to their gross
  with the largest-remainder method (:func:`allocate`), so no cent is lost or
  invented and each line keeps its own VAT rate.

How these make the price of a cart or receipt is ``kasse.sales.pricing.price_cart``.

This module imports nothing from Django so the store node, the hardware layer
and the benchmarks can use it as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class MoneyError(ValueError):
    """An amount that is not a valid money value (float, NaN, garbage)."""


def to_decimal(value: object) -> Decimal:
    """Convert str/int/Decimal to Decimal. Floats are refused: they cannot hold cents."""
    if isinstance(value, bool | float):
        raise MoneyError(f"money must not be a float or bool: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u202f", "").replace(" ", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not a number: {value!r}") from exc
    else:
        raise MoneyError(f"not a money value: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


def round_money(value: object) -> Decimal:
    """Round to the cent, half up (the one rounding rule of kasse)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_quantity(value: object) -> Decimal:
    """Round a quantity (pieces, kg, l, m) to three places."""
    return to_decimal(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def parse_money(text: str) -> Decimal:
    """Parse user input such as ``"1.234,50"``, ``"1234.5"`` or ``"2,99 €"``.

    A comma is the decimal separator when it comes last (German input); a
    point is when it comes last. Raises :class:`MoneyError` on anything else.
    """
    cleaned = text.strip().replace("€", "").replace("EUR", "").replace(" ", "")
    cleaned = cleaned.replace("\u00a0", "").replace("\u202f", "")
    if not cleaned:
        raise MoneyError("empty amount")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = to_decimal(cleaned)
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(f"more than two decimal places: {text!r}")
    return round_money(value)


def vat_from_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """VAT contained in a VAT-inclusive amount at ``rate`` percent, rounded."""
    if rate == 0:
        return ZERO
    return round_money(gross * rate / (HUNDRED + rate))


def line_gross(unit_price: Decimal, quantity: Decimal) -> Decimal:
    """Gross of ``quantity`` units at a VAT-inclusive ``unit_price``."""
    return round_money(unit_price * quantity)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to the cent."""
    return round_money(amount * percent / HUNDRED)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` into cents proportional to ``weights``; the parts sum to ``amount``.

    Largest-remainder method: every share is first rounded towards zero, then
    the leftover cents go to the shares with the largest remainders (ties to
    the earlier line, so the result is deterministic).
    """
    amount = round_money(amount)
    if not weights:
        if amount != 0:
            raise MoneyError("cannot allocate a non-zero amount over no weights")
        return []
    if any(w < 0 for w in weights):
        raise MoneyError("allocation weights must not be negative")
    total_weight = sum(weights, Decimal(0))
    if total_weight == 0:
        weights = [Decimal(1)] * len(weights)
        total_weight = Decimal(len(weights))
    sign = -1 if amount < 0 else 1
    cents = int(abs(amount) / CENT)
    exact = [Decimal(cents) * w / total_weight for w in weights]
    floors = [int(e) for e in exact]
    leftover = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(Decimal(sign * c) * CENT).quantize(CENT) for c in floors]
