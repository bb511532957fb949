"""A store's receipts and cash movements summed per local day (for the DATEV export and reports).

Plain values out (dates, strings, Decimals), grouped in the database: the
caller holds the sums of the days, never the receipts. A day is the store's
local day (its time zone), a receipt counts on the day it was completed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.db.models.functions import TruncDate

from kasse.sales.models import CashMovement, Payment, PaymentMethod, SaleKind, SaleVat
from kasse.tenancy.models import Store

_METHOD_ORDER = list(PaymentMethod.values)


def _bounds(store: Store, date_from: date, date_to: date) -> tuple[ZoneInfo, datetime, datetime]:
    tz = ZoneInfo(store.time_zone)
    return (
        tz,
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def revenue_by_day(store: Store, date_from: date, date_to: date) -> dict[date, list[tuple[str, Decimal, Decimal]]]:
    """``{day: [(kind, VAT rate, gross sum)]}`` from the receipts' stored VAT rows; sales before returns,
    the highest rate first."""
    tz, start, end = _bounds(store, date_from, date_to)
    rows = (
        SaleVat.objects.filter(
            sale__store=store, sale__completed_at__gte=start, sale__completed_at__lt=end, sale__is_training=False
        )
        .annotate(day=TruncDate("sale__completed_at", tzinfo=tz))
        .values("day", "sale__kind", "vat_rate")
        .annotate(total=Sum("gross"))
        .order_by("day")
    )
    found: dict[date, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for row in rows:
        found[row["day"]].append((row["sale__kind"], row["vat_rate"], row["total"]))
    for day_rows in found.values():
        day_rows.sort(key=lambda r: (r[0] != SaleKind.SALE, -r[1]))
    return found


def payments_by_day(store: Store, date_from: date, date_to: date) -> dict[date, list[tuple[str, str, Decimal]]]:
    """``{day: [(kind, payment method, sum)]}`` of the receipts; sales before returns, cash first."""
    tz, start, end = _bounds(store, date_from, date_to)
    rows = (
        Payment.objects.filter(
            sale__store=store, sale__completed_at__gte=start, sale__completed_at__lt=end, sale__is_training=False
        )
        .annotate(day=TruncDate("sale__completed_at", tzinfo=tz))
        .values("day", "sale__kind", "method")
        .annotate(total=Sum("amount"))
        .order_by("day")
    )
    found: dict[date, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for row in rows:
        found[row["day"]].append((row["sale__kind"], row["method"], row["total"]))
    for day_rows in found.values():
        day_rows.sort(key=lambda r: (r[0] != SaleKind.SALE, _METHOD_ORDER.index(r[1])))
    return found


def cash_movements_by_day(store: Store, date_from: date, date_to: date) -> Iterator[tuple[date, list[Any]]]:
    """The store's cash movements (``created_at``, signed ``amount``, ``reason``) by local day, as a stream."""
    tz, start, end = _bounds(store, date_from, date_to)
    rows = (
        CashMovement.objects.filter(shift__store=store, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
        .values("created_at", "amount", "reason")
        .iterator(chunk_size=500)
    )
    for day, group in itertools.groupby(rows, key=lambda r: r["created_at"].astimezone(tz).date()):
        yield day, list(group)
