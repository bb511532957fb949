"""The Übersicht: how today is going, per store and in total, against the same weekday last week.

Read straight from the receipts (``Sale``, ``SaleVat``, ``SaleLine``) of today's local day of each store
(``Store.time_zone``; a day when the clocks change has 23 or 25 hours), through the ``(store,
completed_at)`` index: a shop's day is a few thousand receipts at most, so no aggregate table is needed
for it. Every function takes the stores the user may see; nothing of another store is read.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone

from kasse.sales.journal import day_bounds
from kasse.sales.models import Sale, SaleKind, SaleLine, SaleVat, Shift, ShiftStatus
from kasse.tenancy.models import Store

ZERO = Decimal("0.00")
TOP_PRODUCTS = 5
ALERT_DAYS = 7  # cash differences and TSE outages of the last week stay on the Übersicht


@dataclass
class Figures:
    """One store's (or all stores') day: gross and net after returns, receipts, items, returns."""

    gross: Decimal = ZERO
    net: Decimal = ZERO
    receipts: int = 0
    sales_gross: Decimal = ZERO  # receipts of kind sale only: the average basket's numerator
    items: Decimal = ZERO
    returns: int = 0
    returns_amount: Decimal = ZERO  # positive: what went back

    @property
    def average_basket(self) -> Decimal:
        return (self.sales_gross / self.receipts).quantize(Decimal("0.01")) if self.receipts else ZERO

    @property
    def items_per_receipt(self) -> Decimal:
        return (self.items / self.receipts).quantize(Decimal("0.1")) if self.receipts else Decimal("0.0")

    def add(self, other: Figures) -> None:
        for name in ("gross", "net", "receipts", "sales_gross", "items", "returns", "returns_amount"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StoreDay:
    store: Store | None  # None: all stores together
    today: Figures
    last_week: Figures

    @property
    def changes(self) -> dict[str, Decimal | None]:
        """Per figure, the change against last week in per cent (for the template)."""
        names = ("gross", "net", "receipts", "average_basket", "items_per_receipt", "returns_amount")
        return {name: self.change(name) for name in names}

    def change(self, name: str) -> Decimal | None:
        """The change against last week in per cent (None when last week had nothing to compare)."""
        now, before = Decimal(getattr(self.today, name)), Decimal(getattr(self.last_week, name))
        if not before:
            return None
        return ((now - before) / abs(before) * 100).quantize(Decimal("1"))


@dataclass
class Window:
    """A local day of each store as ``completed_at`` intervals."""

    day: datetime.date
    bounds: dict[Any, tuple[datetime.datetime, datetime.datetime]] = field(default_factory=dict)

    def q(self, prefix: str = "") -> Q:
        q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
        for store_id, (start, end) in self.bounds.items():
            q |= Q(
                **{f"{prefix}store_id": store_id, f"{prefix}completed_at__gte": start, f"{prefix}completed_at__lt": end}
            )
        return q & Q(**{f"{prefix}is_training": False})  # training receipts are no revenue


def zone_of(store: Store) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(store.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Europe/Berlin")


def local_today(stores: list[Store], now: datetime.datetime) -> datetime.date:
    """Today in the first store's time zone (the page's heading; each store counts its own day)."""
    zone = zone_of(stores[0]) if stores else zoneinfo.ZoneInfo("Europe/Berlin")
    return now.astimezone(zone).date()


def window(stores: list[Store], now: datetime.datetime, days_back: int = 0) -> Window:
    """Each store's local today (``days_back`` days earlier: the same weekday last week with 7)."""
    w = Window(day=local_today(stores, now) - datetime.timedelta(days=days_back))
    for store in stores:
        day = now.astimezone(zone_of(store)).date() - datetime.timedelta(days=days_back)
        w.bounds[store.pk] = day_bounds(store.time_zone, day, day)
    return w


def figures(w: Window) -> dict[Any, Figures]:
    """Per store id: the day's figures (three grouped queries)."""
    result: dict[Any, Figures] = {store_id: Figures() for store_id in w.bounds}
    rows = Sale.objects.filter(w.q()).values("store_id", "kind").annotate(total=Sum("total"), n=Count("id"))
    for row in rows:
        f = result[row["store_id"]]
        total = row["total"] or ZERO
        f.gross += total
        if row["kind"] == SaleKind.REFUND:
            f.returns += row["n"]
            f.returns_amount -= total
        else:
            f.receipts += row["n"]
            f.sales_gross += total
    for row in SaleVat.objects.filter(w.q("sale__")).values("sale__store_id").annotate(net=Sum("net")):
        result[row["sale__store_id"]].net += row["net"] or ZERO
    pieces = Case(
        When(unit="piece", then=F("quantity")),
        default=Value(Decimal(1)),
        output_field=DecimalField(max_digits=12, decimal_places=3),
    )
    items = (
        SaleLine.objects.filter(w.q("sale__"), sale__kind=SaleKind.SALE)
        .values("sale__store_id")
        .annotate(items=Sum(pieces))
    )
    for row in items:
        result[row["sale__store_id"]].items += row["items"] or ZERO
    return result


def store_days(stores: list[Store], now: datetime.datetime) -> tuple[list[StoreDay], StoreDay]:
    """Each store's today against the same weekday last week, and the total of all of them."""
    today, before = figures(window(stores, now)), figures(window(stores, now, 7))
    days = [StoreDay(store, today[store.pk], before[store.pk]) for store in stores]
    total = StoreDay(None, Figures(), Figures())
    for d in days:
        total.today.add(d.today)
        total.last_week.add(d.last_week)
    return days, total


def revenue_by_hour(stores: list[Store], now: datetime.datetime, days_back: int = 0) -> list[Decimal]:
    """Revenue (receipts' totals, returns negative) per local hour 0–23 of each store's day."""
    w = window(stores, now, days_back)
    zones = {s.pk: zone_of(s) for s in stores}
    hours = [ZERO] * 24
    rows = (
        Sale.objects.filter(w.q())
        .annotate(hour=TruncHour("completed_at", tzinfo=datetime.UTC))
        .values("store_id", "hour")
        .annotate(total=Sum("total"))
    )
    for row in rows:
        # A UTC hour is one local hour in every zone whose offset is whole hours (Europe/Berlin).
        hour = row["hour"]
        if timezone.is_naive(hour):
            hour = hour.replace(tzinfo=datetime.UTC)
        hours[hour.astimezone(zones[row["store_id"]]).hour] += row["total"] or ZERO
    return hours


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    hour: int
    value: Decimal


@dataclass(frozen=True)
class HourChart:
    """Geometry of the server-drawn SVG: today's bars and last week's line, on one scale."""

    width: int
    height: int
    bars: list[Bar]
    line: str  # polyline points of last week
    top: Decimal  # the value at the top of the scale
    last_week: list[Decimal]


def hour_chart(today: list[Decimal], last_week: list[Decimal], width: int = 720, height: int = 180) -> HourChart:
    top = max([*today, *last_week, Decimal(1)])
    slot = width / 24
    scale = (height - 20) / float(top)
    bars = []
    for hour, value in enumerate(today):
        h = max(0.0, float(value) * scale)
        bars.append(Bar(round(hour * slot + 2, 1), round(height - 20 - h, 1), round(h, 1), hour, value))
    points = " ".join(
        f"{round(hour * slot + slot / 2, 1)},{round(height - 20 - max(0.0, float(v) * scale), 1)}"
        for hour, v in enumerate(last_week)
    )
    return HourChart(width, height, bars, points, top, last_week)


@dataclass(frozen=True)
class TopProduct:
    name: str
    quantity: Decimal
    revenue: Decimal


def top_products(stores: list[Store], now: datetime.datetime, limit: int = TOP_PRODUCTS) -> list[TopProduct]:
    """Today's best sellers by revenue (returns count against them)."""
    rows = (
        SaleLine.objects.filter(window(stores, now).q("sale__"))
        .values("variant_id", "product_name", "variant_name")
        .annotate(quantity=Sum("quantity"), revenue=Sum("total"))
        .order_by("-revenue", "product_name")[:limit]
    )
    return [
        TopProduct(" ".join(p for p in (r["product_name"], r["variant_name"]) if p), r["quantity"], r["revenue"])
        for r in rows
        if (r["revenue"] or ZERO) > 0
    ]


@dataclass(frozen=True)
class OpenShift:
    shift: Shift
    sellers: list[str]  # who sold on this register today, besides who opened the shift


def open_shifts(stores: list[Store], now: datetime.datetime) -> list[OpenShift]:
    shifts = list(
        Shift.objects.filter(status=ShiftStatus.OPEN, store__in=stores)
        .select_related("store", "register", "opened_by")
        .order_by("store__name", "register__number")
    )
    sold: dict[Any, list[str]] = {}
    pairs = Sale.objects.filter(window(stores, now).q(), shift__in=shifts).values_list("register_id", "employee_name")
    for register_id, name in pairs.distinct():
        sold.setdefault(register_id, []).append(name)
    return [
        OpenShift(s, sorted(n for n in set(sold.get(s.register_id, [])) if n != s.opened_by.display_name))
        for s in shifts
    ]


def visible(stores: Iterable[Store]) -> list[Store]:
    return sorted(stores, key=lambda s: (s.number or 0, s.name))
