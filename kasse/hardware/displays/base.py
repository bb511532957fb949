"""The `CustomerDisplay` interface and the German text layout shared by all customer displays.

A display shows two lines of 20 characters. `show_item` and `show_total` lay out what the customer
sees: names are cut to the width, prices are German ("1.234,56 €") and right-aligned. The layout
works on the text as the display will really show it (`displayable`), so a display without € that
shows "EUR" instead still gets a right-aligned, 20-column line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def format_price(amount: Decimal) -> str:
    """German money formatting without the currency: Decimal("1234.5") -> "1.234,50"."""
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{'.'.join(groups)},{cents}"


def format_quantity(quantity: Decimal | int) -> str:
    value = Decimal(quantity)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


class CustomerDisplay(ABC):
    """A two-line customer display."""

    columns = 20
    rows = 2
    currency = "€"

    @abstractmethod
    def show(self, line1: str, line2: str = "") -> None:
        """Replace both lines (each cut or padded to the width)."""

    @abstractmethod
    def clear(self) -> None: ...

    @abstractmethod
    def set_brightness(self, level: int) -> None:
        """1 (dimmest) .. 4 (brightest)."""

    def displayable(self, text: str) -> str:
        """The text as this display will show it (a display without € or umlauts overrides this)."""
        return text

    # layout ---------------------------------------------------------------------------------------

    def fit(self, text: str) -> str:
        """Cut to the width; a cut name ends in "." so the customer sees it was shortened."""
        text = self.displayable(text)
        if len(text) <= self.columns:
            return text
        return text[: self.columns - 1].rstrip() + "."

    def left_right(self, left: str, right: str) -> str:
        """`left` and `right` on one line; `left` gives way when both do not fit."""
        right = self.displayable(right)[-self.columns :]
        room = self.columns - len(right) - 1
        left = self.displayable(left)
        if room <= 0:
            return right.rjust(self.columns)
        if len(left) > room:
            left = left[: room - 1].rstrip() + "." if room > 1 else ""
        return left + " " * (self.columns - len(left) - len(right)) + right

    def money(self, amount: Decimal) -> str:
        return f"{format_price(amount)} {self.currency}"

    def show_item(self, name: str, price: Decimal, quantity: Decimal | int = 1) -> None:
        """Line 1 the item name, line 2 the (line) price right-aligned, with "2 x 1,99" when quantity ≠ 1."""
        quantity = Decimal(quantity)
        if quantity == 1:
            second = self.left_right("", self.money(price))
        else:
            each = f"{format_quantity(quantity)} x {format_price(price)}"
            second = self.left_right(each, self.money(price * quantity))
        self.show(self.fit(name), second)

    def show_total(self, total: Decimal, label: str = "Summe") -> None:
        self.show(self.fit(label), self.left_right("", self.money(total)))

    def show_change(self, given: Decimal, change: Decimal) -> None:
        self.show(self.left_right("Gegeben", self.money(given)), self.left_right("Rückgeld", self.money(change)))
