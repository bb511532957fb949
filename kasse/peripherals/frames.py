"""What a pole display shows, as data: built in the request (translated there), laid out by the display.

A :class:`Frame` is two rows of (text, amount or None). The request that changed the cart builds it
in the organization's language; the display's worker lays it out for its own width and character set
(:func:`render`), so a display without € still gets right-aligned 20-column lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kasse.hardware.displays.base import CustomerDisplay

Row = tuple[str, Decimal | None]
EMPTY_ROW: Row = ("", None)


@dataclass(frozen=True)
class Frame:
    kind: str  # cart | done | idle | test
    rows: tuple[Row, Row]


IDLE = Frame("idle", (EMPTY_ROW, EMPTY_ROW))


def cart_frame(view: Any, language: str) -> Frame:
    """Line 1 the last item and its line total, line 2 "Summe"/"Total" and the cart's total."""
    if not view.lines:
        return IDLE
    last = view.lines[-1]
    quantity = Decimal(last.line.quantity)
    name = str(last.line.variant)
    if quantity != 1:
        shown = (
            format(quantity.normalize(), "f").replace(".", ",")
            if language.startswith("de")
            else format(quantity.normalize(), "f")
        )
        name = f"{shown} x {name}"
    with translation.override(language):
        label = pgettext("pole display", "Total")
    return Frame("cart", ((name, last.total), (label, view.total)))


def done_frame(total: Decimal, change: Decimal, language: str) -> Frame:
    """After payment: "Vielen Dank" and the change (or the total when there is none)."""
    with translation.override(language):
        thanks = pgettext("pole display", "Thank you")
        second: Row = (
            (pgettext("pole display", "Change"), change) if change > 0 else (pgettext("pole display", "Total"), total)
        )
    return Frame("done", ((thanks, None), second))


def test_frame(name: str, language: str) -> Frame:
    with translation.override(language):
        return Frame("test", ((_("kasse test ÄÖÜ ß"), None), (name, Decimal("1234.50"))))


def render(display: CustomerDisplay, frame: Frame) -> tuple[str, str]:
    """The two lines as ``display`` will show them."""
    lines = []
    for text, amount in frame.rows:
        if amount is None:
            lines.append(display.fit(text))
        else:
            lines.append(display.left_right(text, display.money(amount)))
    return lines[0], lines[1]
