"""The cash book (Kassenbuch) of a store: its cash day by day, read from what registers and people wrote.

The store's cash is its drawers and its safe together. A day's balance moves by the cash taken for sales,
the cash paid back for returns, the registers' cash in and out (by category), the differences found when a
register is closed (counted minus expected), and the entries made in the back office (opening balance,
bank deposits from the safe, ...). A day opens with the balance the day before closed with; the first
day of the book opens with zero, so the book starts with an "opening balance" entry. Days are the store's
local days.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.db.models.functions import TruncDate

from kasse.bookkeeping.models import CashBookEntry
from kasse.core.money import ZERO, round_money
from kasse.sales.models import CashCategory, CashMovement, Payment, PaymentMethod, SaleKind, Shift, ShiftStatus
from kasse.tenancy.models import Store


@dataclass
class Closing:
    """A register closed on the day: its Z number, counted and expected cash, and the difference."""

    register: str
    number: int
    counted: Decimal
    expected: Decimal
    difference: Decimal


@dataclass
class CashDay:
    day: date
    opening: Decimal
    cash_sales: Decimal = ZERO
    cash_refunds: Decimal = ZERO
    register_movements: dict[str, Decimal] = field(default_factory=dict)  # category -> signed sum
    entries: list[CashBookEntry] = field(default_factory=list)
    closings: list[Closing] = field(default_factory=list)

    @property
    def differences(self) -> Decimal:
        return round_money(sum((c.difference for c in self.closings), ZERO))

    @property
    def entries_total(self) -> Decimal:
        return round_money(sum((e.amount for e in self.entries), ZERO))

    @property
    def closing(self) -> Decimal:
        moved = self.cash_sales + self.cash_refunds + sum(self.register_movements.values(), ZERO)
        return round_money(self.opening + moved + self.differences + self.entries_total)

    @property
    def register_rows(self) -> list[tuple[str, Decimal]]:
        """The registers' cash in and out by category, with the category's name."""
        labels = dict(CashCategory.choices)
        return [(str(labels.get(key, key)), amount) for key, amount in sorted(self.register_movements.items())]

    @property
    def is_quiet(self) -> bool:
        return not (self.cash_sales or self.cash_refunds or self.register_movements or self.entries or self.closings)


def _bounds(store: Store, first: date, last: date) -> tuple[ZoneInfo, datetime, datetime]:
    tz = ZoneInfo(store.time_zone)
    return (
        tz,
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


def balance_before(store: Store, day: date) -> Decimal:
    """The store's cash at the start of ``day``: everything that moved it before that local day."""
    _tz, start, _end = _bounds(store, day, day)
    payments = Payment.objects.filter(
        sale__store=store, method=PaymentMethod.CASH, sale__completed_at__lt=start, sale__is_training=False
    ).aggregate(s=Sum("amount"))["s"]
    movements = CashMovement.objects.filter(shift__store=store, created_at__lt=start).aggregate(s=Sum("amount"))["s"]
    differences = Shift.objects.filter(store=store, status=ShiftStatus.CLOSED, closed_at__lt=start).aggregate(
        s=Sum("difference")
    )["s"]
    entries = CashBookEntry.objects.filter(store=store, day__lt=day).aggregate(s=Sum("amount"))["s"]
    return round_money(sum((v or ZERO for v in (payments, movements, differences, entries)), ZERO))


def month_days(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def cash_book(store: Store, first: date, last: date) -> list[CashDay]:
    """Every local day from ``first`` to ``last`` with its opening balance, what moved and its closing
    balance (carried to the next day). A handful of grouped queries, whatever the number of receipts."""
    tz, start, end = _bounds(store, first, last)
    sales: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        Payment.objects.filter(
            sale__store=store,
            method=PaymentMethod.CASH,
            sale__completed_at__gte=start,
            sale__completed_at__lt=end,
            sale__is_training=False,  # training money is not in the drawer
        )
        .annotate(day=TruncDate("sale__completed_at", tzinfo=tz))
        .values("day", "sale__kind")
        .annotate(total=Sum("amount"))
    ):
        sales[row["day"]][row["sale__kind"]] = round_money(row["total"])
    movements: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        CashMovement.objects.filter(shift__store=store, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "category")
        .annotate(total=Sum("amount"))
    ):
        movements[row["day"]][row["category"]] = round_money(row["total"])
    closings: dict[date, list[Closing]] = defaultdict(list)
    for shift in (
        Shift.objects.filter(store=store, status=ShiftStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .select_related("register")
        .order_by("closed_at")
    ):
        closings[shift.closed_at.astimezone(tz).date()].append(  # type: ignore[union-attr]
            Closing(
                shift.register.name,
                shift.closing_number or 0,
                shift.counted_cash or ZERO,
                shift.expected_cash or ZERO,
                shift.difference or ZERO,
            )
        )
    entries: dict[date, list[CashBookEntry]] = defaultdict(list)
    for entry in CashBookEntry.objects.filter(store=store, day__gte=first, day__lte=last).select_related(
        "entered_by", "correction_of"
    ):
        entries[entry.day].append(entry)
    days: list[CashDay] = []
    balance = balance_before(store, first)
    day = first
    while day <= last:
        current = CashDay(
            day=day,
            opening=balance,
            cash_sales=sales[day].get(SaleKind.SALE, ZERO),
            cash_refunds=sales[day].get(SaleKind.REFUND, ZERO),
            register_movements=movements.get(day, {}),
            entries=entries.get(day, []),
            closings=closings.get(day, []),
        )
        days.append(current)
        balance = current.closing
        day += timedelta(days=1)
    return days


def book_rows(days: list[CashDay]) -> list[tuple[date, str, str, Decimal | None, Decimal]]:
    """The cash book as lines: (day, what, detail, amount or None for a balance line, balance after it).

    One list for the page's download formats (CSV, PDF); quiet days show only their balance.
    """
    from django.utils.translation import gettext as _

    from kasse.bookkeeping.models import CashBookCategory

    entry_labels = dict(CashBookCategory.choices)
    rows: list[tuple[date, str, str, Decimal | None, Decimal]] = []
    for day in days:
        moves: list[tuple[str, str, Decimal]] = []
        if day.cash_sales:
            moves.append((str(_("Cash sales")), "", day.cash_sales))
        if day.cash_refunds:
            moves.append((str(_("Cash refunds")), "", day.cash_refunds))
        for label, amount in day.register_rows:
            moves.append((str(_("Register: %(category)s") % {"category": label}), "", amount))
        for closing in day.closings:
            detail = str(
                _("Z %(number)s %(register)s: counted %(counted)s, expected %(expected)s")
                % {
                    "number": closing.number,
                    "register": closing.register,
                    "counted": closing.counted,
                    "expected": closing.expected,
                }
            )
            moves.append((str(_("Cash difference")), detail, closing.difference))
        for entry in day.entries:
            moves.append((str(entry_labels.get(entry.category, entry.category)), entry.text, entry.amount))
        balance = day.opening
        rows.append((day.day, str(_("Opening balance of the day")), "", None, balance))
        for what, detail, amount in moves:
            balance = round_money(balance + amount)
            rows.append((day.day, what, detail, amount, balance))
        rows.append((day.day, str(_("Closing balance of the day")), "", None, balance))
    return rows
