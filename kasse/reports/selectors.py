"""The reports, read from the kept sums (never from the receipts): plain rows, totals and chart series.

Every report takes the stores to read (already limited to what the user may see), a period and an optional
comparison period, refreshes the marked days of those stores first (:func:`kasse.reports.aggregates.refresh`)
and answers a :class:`Report`. Amounts are exact ``Decimal`` sums of the receipts; the chart gets floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.reports import aggregates
from kasse.reports.models import DaySums, HourSums, PaymentSums, VatSums, VoidSums
from kasse.sales.models import PaymentMethod, SaleKind
from kasse.tenancy.models import Employee, Store

ZERO = Decimal("0")
CENT = Decimal("0.01")
SALE, REFUND = SaleKind.SALE.value, SaleKind.REFUND.value
TABLE_ROWS = 200  # rows a page shows of a long list (the downloads have all)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def year_before(self) -> Period:
        def back(d: date) -> date:
            return d.replace(year=d.year - 1, day=min(d.day, 28) if (d.month, d.day) == (2, 29) else d.day)

        return Period(back(self.first), back(self.last))

    def __str__(self) -> str:
        return f"{date_format(self.first, 'SHORT_DATE_FORMAT')} – {date_format(self.last, 'SHORT_DATE_FORMAT')}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "text"  # text, money, count, quantity, percent


@dataclass
class Report:
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    chart: dict[str, Any] | None = None  # {"type", "labels", "series": [{"label", "data"}], "money": bool}
    heatmap: dict[str, Any] | None = None  # {"hours", "rows": [{"label", "cells": [{"value", "level"}]}]}
    notes: list[str] = field(default_factory=list)


def _q(stores: Sequence[Store], period: Period) -> Q:
    """The sums of these stores (of one organization) in the period; the organization leads the tables'
    index ``(organization, day, store)``."""
    organization = stores[0].organization_id if stores else None
    return Q(
        organization_id=organization, store__in=[s.pk for s in stores], day__gte=period.first, day__lte=period.last
    )


def _pct(value: Decimal, base: Decimal) -> Decimal | None:
    if not base:
        return None
    return (value * 100 / base).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _change(now: Decimal, before: Decimal | None) -> Decimal | None:
    if before is None or not before:
        return None
    return ((now - before) * 100 / abs(before)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _net_of(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


def _f(value: Decimal | int | None) -> float:
    return float(value or 0)


def refresh(organization_id: Any, stores: Sequence[Store]) -> None:
    aggregates.refresh(organization_id, [s.pk for s in stores])


# --- over time -------------------------------------------------------------------------------------


def _bucket(day: date, grouping: str) -> date:
    if grouping == "week":
        return day - timedelta(days=day.weekday())
    if grouping == "month":
        return day.replace(day=1)
    return day


def _bucket_label(start: date, grouping: str) -> str:
    if grouping == "week":
        year, week, _weekday = start.isocalendar()
        return _("Week %(week)d/%(year)d") % {"week": week, "year": year}
    if grouping == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    return f"{date_format(start, 'D')}, {date_format(start, 'SHORT_DATE_FORMAT')}"


def _buckets(period: Period, grouping: str) -> list[date]:
    found: list[date] = []
    for n in range(period.days):
        start = _bucket(period.first + timedelta(days=n), grouping)
        if not found or found[-1] != start:
            found.append(start)
    return found


def _daily(stores: Sequence[Store], period: Period) -> dict[date, dict[str, Decimal]]:
    by_day: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = (
        DaySums.objects.filter(_q(stores, period))
        .values("day", "kind")
        .annotate(receipts=Sum("receipts"), gross=Sum("gross"), net=Sum("net"), items=Sum("items"))
        .order_by()
    )
    for row in rows:
        entry = by_day[row["day"]]
        prefix = "" if row["kind"] == SALE else "returns_"
        for key in ("receipts", "gross", "net", "items"):
            entry[prefix + key] += row[key]
    return by_day


def sales_over_time(stores: Sequence[Store], period: Period, compare: Period | None, grouping: str) -> Report:
    """Revenue per day, week or month: receipts, gross, net, returns, average basket; a comparison series."""
    days = _daily(stores, period)
    rows: list[dict[str, Any]] = []
    sums: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for day, values in days.items():
        for key, value in values.items():
            sums[_bucket(day, grouping)][key] += value
    for start in _buckets(period, grouping):
        v = sums.get(start, {})
        gross = v.get("gross", ZERO) + v.get("returns_gross", ZERO)
        receipts = int(v.get("receipts", 0))
        rows.append(
            {
                "label": _bucket_label(start, grouping),
                "receipts": receipts,
                "gross": gross,
                "net": v.get("net", ZERO) + v.get("returns_net", ZERO),
                "returns": v.get("returns_gross", ZERO),
                "basket": (v.get("gross", ZERO) / receipts).quantize(CENT) if receipts else None,
            }
        )
    columns = [
        Column("label", _("Period")),
        Column("receipts", _("Receipts"), "count"),
        Column("gross", _("Revenue (gross)"), "money"),
        Column("net", _("Revenue (net)"), "money"),
        Column("returns", _("Returns"), "money"),
        Column("basket", _("Average basket"), "money"),
    ]
    series = [{"label": str(period), "data": [_f(r["gross"]) for r in rows]}]
    totals = _totals(rows, ("receipts", "gross", "net", "returns"))
    sales_gross = sum((v.get("gross", ZERO) for v in days.values()), ZERO)
    totals["basket"] = (sales_gross / totals["receipts"]).quantize(CENT) if totals["receipts"] else None
    if compare is not None:
        before = sales_over_time(stores, compare, None, grouping)
        for row, old in zip(rows, before.rows, strict=False):
            row["compare"] = old["gross"]
            row["change"] = _change(row["gross"], old["gross"])
        columns += [Column("compare", _("Comparison (gross)"), "money"), Column("change", _("Change"), "percent")]
        series.append({"label": str(compare), "data": [_f(r["gross"]) for r in before.rows]})
        assert before.totals is not None
        totals["compare"] = before.totals["gross"]
        totals["change"] = _change(totals["gross"], before.totals["gross"])
    chart = {"type": "line" if len(rows) > 31 else "bar", "labels": [r["label"] for r in rows], "series": series}
    return Report(columns, rows, totals, {**chart, "money": True})


def _totals(rows: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    totals: dict[str, Any] = {"label": _("Total")}
    for key in keys:
        totals[key] = sum((r[key] or 0 for r in rows), ZERO if key != "receipts" else 0)
    return totals


# --- hour of day and weekday x hour --------------------------------------------------------------------

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


def _hours(stores: Sequence[Store], period: Period) -> dict[tuple[date, int], tuple[int, Decimal]]:
    found: dict[tuple[date, int], tuple[int, Decimal]] = {}
    rows = (
        HourSums.objects.filter(_q(stores, period))
        .values("day", "hour")
        .annotate(receipts=Sum("receipts", filter=Q(kind=SALE)), gross=Sum("gross"))
        .order_by()
    )
    for row in rows:
        found[(row["day"], row["hour"])] = (row["receipts"] or 0, row["gross"])
    return found


def _level(value: Decimal, top: Decimal) -> int:
    """The heat map's shade, 0 (nothing) to 8 (the best hour); a balance below zero is 0."""
    return max(0, int(value * 8 / top)) if top > 0 else 0


def by_hour(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    """Revenue and receipts per hour of the day, and the weekday x hour heat map."""
    cells = _hours(stores, period)
    per_hour: dict[int, list[Any]] = {h: [0, ZERO] for h in range(24)}
    grid: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for (day, hour), (receipts, gross) in cells.items():
        per_hour[hour][0] += receipts
        per_hour[hour][1] += gross
        grid[(day.weekday(), hour)] += gross
    used = [h for h in range(24) if per_hour[h][0] or per_hour[h][1]] or list(range(8, 20))
    hours = list(range(min(used), max(used) + 1))
    rows = [{"label": f"{h:02d}:00–{h + 1:02d}:00", "receipts": per_hour[h][0], "gross": per_hour[h][1]} for h in hours]
    columns = [Column("label", _("Hour")), Column("receipts", _("Receipts"), "count")]
    columns.append(Column("gross", _("Revenue (gross)"), "money"))
    series = [{"label": str(period), "data": [_f(r["gross"]) for r in rows]}]
    if compare is not None:
        before: dict[int, Decimal] = defaultdict(Decimal)
        for (_day, hour), (_receipts, gross) in _hours(stores, compare).items():
            before[hour] += gross
        for row, h in zip(rows, hours, strict=True):
            row["compare"] = before[h]
            row["change"] = _change(row["gross"], before[h])
        columns += [Column("compare", _("Comparison (gross)"), "money"), Column("change", _("Change"), "percent")]
        series.append({"label": str(compare), "data": [_f(before[h]) for h in hours]})
    top = max(grid.values(), default=ZERO)
    heatmap = {
        "hours": [f"{h:02d}" for h in hours],
        "rows": [
            {
                "label": WEEKDAYS[wd],
                "cells": [
                    {"value": grid[(wd, h)], "level": max(0, int(grid[(wd, h)] * 8 / top)) if top > 0 else 0}
                    for h in hours
                ],
            }
            for wd in range(7)
        ],
    }
    chart = {"type": "bar", "labels": [r["label"][:5] for r in rows], "series": series, "money": True}
    return Report(columns, rows, _totals(rows, ("receipts", "gross")), chart, heatmap)


# --- people, payments, stores ------------------------------------------------------------------------


def _grouped(model: Any, stores: Sequence[Store], period: Period, key: str, **measures: Any) -> dict[Any, Any]:
    found: dict[Any, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    for row in model.objects.filter(_q(stores, period)).values(key, "kind").annotate(**measures).order_by():
        entry = found[row[key]]
        for name in measures:
            entry[name if row["kind"] == SALE else f"returns_{name}"] += row[name]
    return found


def _ranked(
    label: str | Promise,
    sums: dict[Any, Any],
    before: dict[Any, Any] | None,
    name_of: Callable[[Any], str],
    count_label: str | Promise,
    count_key: str,
) -> Report:
    rows = []
    total = sum((v["gross"] + v["returns_gross"] for v in sums.values()), ZERO)
    for pk, v in sums.items():
        gross = v["gross"] + v["returns_gross"]
        count = int(v[count_key])
        row = {
            "label": name_of(pk),
            "count": count,
            "gross": gross,
            "returns": v["returns_gross"],
            "average": (v["gross"] / count).quantize(CENT) if count else None,
            "share": _pct(gross, total),
        }
        if before is not None:
            old = before.get(pk, {})
            row["compare"] = old.get("gross", ZERO) + old.get("returns_gross", ZERO)
            row["change"] = _change(gross, row["compare"])
        rows.append(row)
    rows.sort(key=lambda r: r["gross"], reverse=True)
    columns = [
        Column("label", label),
        Column("count", count_label, "count"),
        Column("gross", _("Revenue (gross)"), "money"),
        Column("returns", _("Returns"), "money"),
        Column("average", _("Average"), "money"),
        Column("share", _("Share"), "percent"),
    ]
    if before is not None:
        columns += [Column("compare", _("Comparison (gross)"), "money"), Column("change", _("Change"), "percent")]
    chart = {
        "type": "hbar",
        "labels": [r["label"] for r in rows[:15]],
        "series": [{"label": _("Revenue (gross)"), "data": [_f(r["gross"]) for r in rows[:15]]}],
        "money": True,
    }
    return Report(columns, rows, _totals(rows, ("count", "gross", "returns")), chart)


def by_employee(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    def sums(p: Period) -> dict[Any, Any]:
        return _grouped(DaySums, stores, p, "employee_id", receipts=Sum("receipts"), gross=Sum("gross"))

    now = sums(period)
    names = dict(Employee.objects.filter(pk__in=list(now)).values_list("pk", "display_name"))
    return _ranked(
        _("Employee"), now, sums(compare) if compare else None, lambda pk: names.get(pk, "?"), _("Receipts"), "receipts"
    )


def by_store(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    def sums(p: Period) -> dict[Any, Any]:
        return _grouped(DaySums, stores, p, "store_id", receipts=Sum("receipts"), gross=Sum("gross"))

    names = {s.pk: str(s) for s in stores}
    return _ranked(
        _("Store"), sums(period), sums(compare) if compare else None, names.__getitem__, _("Receipts"), "receipts"
    )


def by_payment(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    def sums(p: Period) -> dict[Any, Any]:
        return _grouped(PaymentSums, stores, p, "method", payments=Sum("payments"), gross=Sum("amount"))

    labels = dict(PaymentMethod.choices)
    report = _ranked(
        _("Payment method"),
        sums(period),
        sums(compare) if compare else None,
        lambda m: str(labels.get(m, m)),
        _("Payments"),
        "payments",
    )
    assert report.chart is not None
    report.chart["type"] = "doughnut"
    return report


# --- VAT, discounts and returns --------------------------------------------------------------------------


def vat(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    """Net, VAT and gross per rate as printed on the receipts: sales, returns and the balance."""
    found: dict[Decimal, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows_q = (
        VatSums.objects.filter(_q(stores, period))
        .values("vat_rate", "kind")
        .annotate(gross=Sum("gross"), net=Sum("net"), vat=Sum("vat"))
        .order_by()
    )
    for row in rows_q:
        entry = found[row["vat_rate"]]
        prefix = "" if row["kind"] == SALE else "returns_"
        for key in ("gross", "net", "vat"):
            entry[prefix + key] += row[key]
            entry["total_" + key] += row[key]
    rows: list[dict[str, Any]] = [
        {"label": f"{rate.normalize():f} %", **{k: v[k] for k in v}}
        for rate, v in sorted(found.items(), key=lambda item: -item[0])
    ]
    for row in rows:
        for key in ("gross", "net", "vat", "returns_gross", "returns_net", "returns_vat"):
            row.setdefault(key, ZERO)
    columns = [
        Column("label", _("VAT rate")),
        Column("net", _("Sales net"), "money"),
        Column("vat", _("Sales VAT"), "money"),
        Column("gross", _("Sales gross"), "money"),
        Column("returns_net", _("Returns net"), "money"),
        Column("returns_vat", _("Returns VAT"), "money"),
        Column("returns_gross", _("Returns gross"), "money"),
        Column("total_net", _("Net"), "money"),
        Column("total_vat", _("VAT"), "money"),
        Column("total_gross", _("Gross"), "money"),
    ]
    totals = _totals(rows, [c.key for c in columns[1:]])
    if compare is not None:
        before = vat(stores, compare, None)
        olds = {r["label"]: r["total_vat"] for r in before.rows}
        for row in rows:
            row["compare"] = olds.get(row["label"], ZERO)
            row["change"] = _change(row["total_vat"], row["compare"])
        columns += [Column("compare", _("Comparison (VAT)"), "money"), Column("change", _("Change"), "percent")]
    chart = {
        "type": "stacked",
        "labels": [r["label"] for r in rows],
        "series": [
            {"label": _("Net"), "data": [_f(r["total_net"]) for r in rows]},
            {"label": _("VAT"), "data": [_f(r["total_vat"]) for r in rows]},
        ],
        "money": True,
    }
    return Report(columns, rows, totals, chart)


def discounts_and_returns(stores: Sequence[Store], period: Period, compare: Period | None, grouping: str) -> Report:
    """Per day, week or month: discounts given on sales, returns (receipts and amount) and their share, lines
    voided at the register and receipts cancelled before payment (from the audit log)."""
    per_day: dict[date, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    rows_q = (
        DaySums.objects.filter(_q(stores, period))
        .values("day", "kind")
        .annotate(receipts=Sum("receipts"), gross=Sum("gross"), discount=Sum("discount"))
        .order_by()
    )
    for row in rows_q:
        entry = per_day[_bucket(row["day"], grouping)]
        if row["kind"] == SALE:
            entry["sales"] += row["gross"]
            entry["discount"] += row["discount"]
        else:
            entry["returns_count"] += row["receipts"]
            entry["returns"] += row["gross"]
    voids = (
        VoidSums.objects.filter(_q(stores, period))
        .values("day", "kind")
        .annotate(count=Sum("count"), amount=Sum("amount"))
    )
    for row in voids.order_by():
        entry = per_day[_bucket(row["day"], grouping)]
        entry[f"{row['kind']}_voids"] += row["count"]
        if row["kind"] == "cart":
            entry["cart_amount"] += row["amount"]
    rows = []
    for start in _buckets(period, grouping):
        v = per_day.get(start, {})
        rows.append(
            {
                "label": _bucket_label(start, grouping),
                "line_voids": int(v.get("line_voids", 0)),
                "cart_voids": int(v.get("cart_voids", 0)),
                "cart_amount": v.get("cart_amount", ZERO),
                "discount": v.get("discount", ZERO),
                "discount_pct": _pct(v.get("discount", ZERO), v.get("sales", ZERO) + v.get("discount", ZERO)),
                "returns_count": int(v.get("returns_count", 0)),
                "returns": v.get("returns", ZERO),
                "returns_pct": _pct(-v.get("returns", ZERO), v.get("sales", ZERO)),
            }
        )
    columns = [
        Column("label", _("Period")),
        Column("discount", _("Discounts"), "money"),
        Column("discount_pct", _("of list price"), "percent"),
        Column("returns_count", _("Return receipts"), "count"),
        Column("returns", _("Returns"), "money"),
        Column("returns_pct", _("of sales"), "percent"),
        Column("line_voids", _("Voided lines"), "count"),
        Column("cart_voids", _("Cancelled receipts"), "count"),
        Column("cart_amount", _("Cancelled amount"), "money"),
    ]
    totals = _totals(rows, ("discount", "returns_count", "returns", "line_voids", "cart_voids", "cart_amount"))
    chart = {
        "type": "bar",
        "labels": [r["label"] for r in rows],
        "series": [
            {"label": _("Discounts"), "data": [_f(r["discount"]) for r in rows]},
            {"label": _("Returns"), "data": [-_f(r["returns"]) for r in rows]},
        ],
        "money": True,
    }
    if compare is not None:
        before = discounts_and_returns(stores, compare, None, grouping)
        assert before.totals is not None
        totals["compare"] = before.totals["discount"]
        for row, old in zip(rows, before.rows, strict=False):
            row["compare"] = old["discount"]
            row["change"] = _change(row["discount"], old["discount"])
        columns += [Column("compare", _("Comparison (discounts)"), "money"), Column("change", _("Change"), "percent")]
    return Report(columns, rows, totals, chart)
