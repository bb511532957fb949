"""The card terminal's end-of-day as a Z report shows it: read from the snapshot a shift keeps
(``Shift.card_reconciliation``, written at its closing by the register from kasse.payments.settlement).

Sales knows no terminal: this only turns the stored values into amounts for the printed report, its PDF,
the register's page and the back office.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kasse.sales.models import Shift


@dataclass(frozen=True)
class FamilyLine:
    family: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class CardReconciliation:
    terminal: str
    status: str  # done: the terminal's totals were read; failed / unknown: they were not
    message: str
    kasse_count: int
    kasse_amount: Decimal
    terminal_count: int | None
    terminal_amount: Decimal | None
    difference: Decimal | None  # terminal less kasse
    count_difference: int | None
    unclear: int  # card payments of the period whose outcome is still unknown
    families: tuple[FamilyLine, ...]

    @property
    def read(self) -> bool:
        return self.terminal_amount is not None

    @property
    def matches(self) -> bool:
        return self.difference == 0 and not self.count_difference


def _amount(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def card_reconciliation(shift: Shift) -> CardReconciliation | None:
    """None when the register had no connected terminal at the closing."""
    data = shift.card_reconciliation or {}
    if not data:
        return None
    return CardReconciliation(
        terminal=str(data.get("terminal", "")),
        status=str(data.get("status", "")),
        message=str(data.get("message", "")),
        kasse_count=int(data.get("kasse_count") or 0),
        kasse_amount=_amount(data.get("kasse_amount")) or Decimal("0.00"),
        terminal_count=data.get("terminal_count"),
        terminal_amount=_amount(data.get("terminal_amount")),
        difference=_amount(data.get("difference")),
        count_difference=data.get("count_difference"),
        unclear=int(data.get("unclear") or 0),
        families=tuple(
            FamilyLine(str(f.get("family", "")), int(f.get("count") or 0), _amount(f.get("amount")) or Decimal(0))
            for f in data.get("families") or []
        ),
    )
