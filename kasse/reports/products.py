"""The product reports: top and slow sellers, categories and gross margin, from the product sums.

Product sums are kept per variant and VAT rate (gross, quantity, discount); the net of a product is worked
out from its gross per rate (``gross × 100 / (100 + rate)``, rounded per product and rate), so it can differ
by a cent from the receipts' VAT rows, which the VAT report uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.catalog.models import Category, Product, Variant
from kasse.reports import aggregates
from kasse.reports.models import ProductMonthSums, ProductSums
from kasse.reports.selectors import (
    CENT,
    REFUND,
    ZERO,
    Column,
    Period,
    Report,
    _change,
    _f,
    _net_of,
    _pct,
    _q,
    _totals,
)
from kasse.tenancy.models import Store


def _product_rows(stores: Sequence[Store], period: Period, by: str = "variant") -> list[dict[str, Any]]:
    """Sums per variant (or product), VAT rate and kind: from the monthly sums where the period covers whole
    months, from the daily sums at its edges (a year is 12 monthly rows per item, not 365 daily ones)."""
    first_month = period.first if period.first.day == 1 else aggregates.month_start(period.first + timedelta(days=31))
    end_month = aggregates.month_start(period.last + timedelta(days=1))  # months before this one are whole
    keys = (f"{by}_id", "vat_rate", "kind")
    measures = {"quantity": Sum("quantity"), "gross": Sum("gross"), "discount": Sum("discount")}
    if first_month >= end_month:  # no whole month: days only
        return list(ProductSums.objects.filter(_q(stores, period)).values(*keys).annotate(**measures).order_by())
    store_ids = [s.pk for s in stores]
    organization = stores[0].organization_id
    months = ProductMonthSums.objects.filter(
        organization_id=organization, store__in=store_ids, day__gte=first_month, day__lt=end_month
    )
    edges = ProductSums.objects.filter(
        Q(day__gte=period.first, day__lt=first_month) | Q(day__gte=end_month, day__lte=period.last),
        organization_id=organization,
        store__in=store_ids,
    )
    return [
        *months.values(*keys).annotate(**measures).order_by(),
        *edges.values(*keys).annotate(**measures).order_by(),
    ]


def _per(stores: Sequence[Store], period: Period, by: str) -> dict[Any, dict[str, Decimal]]:
    """``{id: {quantity, gross, net, discount, returns}}`` per product or variant, net of returns."""
    found: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in _product_rows(stores, period, by):
        entry = found[row[f"{by}_id"]]
        entry["quantity"] += row["quantity"]
        entry["gross"] += row["gross"]
        entry["net"] += _net_of(row["gross"], row["vat_rate"])
        entry["discount"] += row["discount"]
        if row["kind"] == REFUND:
            entry["returned"] -= row["quantity"]
    return found


PRODUCT_COLUMNS = [
    Column("label", gettext_lazy("Product")),
    Column("quantity", gettext_lazy("Quantity"), "quantity"),
    Column("gross", gettext_lazy("Revenue (gross)"), "money"),
    Column("net", gettext_lazy("Revenue (net)"), "money"),
    Column("share", gettext_lazy("Share"), "percent"),
]


def by_product(stores: Sequence[Store], period: Period, compare: Period | None, slow: bool = False) -> Report:
    """Top sellers by revenue (or, ``slow``, the active products that sold least, those without a sale first)."""
    sums = _per(stores, period, "product")
    products = Product.objects.filter(pk__in=list(sums)) if not slow else Product.objects.filter(is_active=True)
    names = dict(products.values_list("pk", "name"))
    total = sum((v["gross"] for v in sums.values()), ZERO)
    rows: list[dict[str, Any]] = [
        {
            "label": names.get(pk) or _("(deleted product)"),
            "quantity": sums[pk]["quantity"] if pk in sums else ZERO,
            "gross": sums[pk]["gross"] if pk in sums else ZERO,
            "net": sums[pk]["net"] if pk in sums else ZERO,
            "share": _pct(sums[pk]["gross"], total) if pk in sums else None,
            "id": pk,
        }
        for pk in (names if slow else sums)
    ]
    rows.sort(key=lambda r: (r["gross"], r["quantity"], r["label"]), reverse=not slow)
    columns = list(PRODUCT_COLUMNS)
    if compare is not None:
        before = _per(stores, compare, "product")
        for row in rows:
            old = before.get(row["id"], {}).get("gross", ZERO)
            row["compare"] = old
            row["change"] = _change(row["gross"], old)
        columns += [Column("compare", _("Comparison (gross)"), "money"), Column("change", _("Change"), "percent")]
    top = rows[:15]
    chart = {
        "type": "hbar",
        "labels": [r["label"] for r in top],
        "series": [{"label": str(period), "data": [_f(r["gross"]) for r in top]}],
        "money": True,
    }
    totals = _totals(rows, ("quantity", "gross", "net"))
    return Report(columns, rows, totals, chart)


def by_category(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    """Revenue per product category (the product's category today; products without one together)."""

    def per_category(p: Period) -> dict[Any, dict[str, Decimal]]:
        sums = _per(stores, p, "product")
        category_of = dict(Product.objects.filter(pk__in=list(sums)).values_list("pk", "category_id"))
        found: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for pk, values in sums.items():
            for key, value in values.items():
                found[category_of.get(pk)][key] += value
        return found

    sums = per_category(period)
    names = dict(Category.objects.filter(pk__in=[k for k in sums if k]).values_list("pk", "name"))
    total = sum((v["gross"] for v in sums.values()), ZERO)
    rows = [
        {
            "label": names.get(pk) or _("No category"),
            "quantity": v["quantity"],
            "gross": v["gross"],
            "net": v["net"],
            "share": _pct(v["gross"], total),
            "id": pk,
        }
        for pk, v in sums.items()
    ]
    rows.sort(key=lambda r: r["gross"], reverse=True)
    columns = [Column("label", _("Category")), *PRODUCT_COLUMNS[1:]]
    if compare is not None:
        before = per_category(compare)
        for row in rows:
            row["compare"] = before.get(row["id"], {}).get("gross", ZERO)
            row["change"] = _change(row["gross"], row["compare"])
        columns += [Column("compare", _("Comparison (gross)"), "money"), Column("change", _("Change"), "percent")]
    chart = {
        "type": "doughnut",
        "labels": [r["label"] for r in rows[:12]],
        "series": [{"label": str(period), "data": [_f(r["gross"]) for r in rows[:12]]}],
        "money": True,
    }
    return Report(columns, rows, _totals(rows, ("quantity", "gross", "net")), chart)


def margin(stores: Sequence[Store], period: Period, compare: Period | None) -> Report:
    """Gross margin per product: net revenue less quantity x the cost price known today (variant's, else the
    product's); products without a cost price are left out and counted in a note."""
    sums = _per(stores, period, "variant")
    variants = Variant.objects.filter(pk__in=list(sums)).select_related("product")
    per_product: dict[Any, dict[str, Any]] = {}
    unknown: set[Any] = set()
    for variant in variants:
        cost = variant.cost_price if variant.cost_price is not None else variant.product.cost_price
        if cost is None:
            unknown.add(variant.product_id)
            continue
        v = sums[variant.pk]
        entry = per_product.setdefault(
            variant.product_id, {"label": variant.product.name, "quantity": ZERO, "net": ZERO, "cost": ZERO}
        )
        entry["quantity"] += v["quantity"]
        entry["net"] += v["net"]
        entry["cost"] += (v["quantity"] * cost).quantize(CENT, ROUND_HALF_UP)
    rows = []
    for entry in per_product.values():
        entry["margin"] = entry["net"] - entry["cost"]
        entry["margin_pct"] = _pct(entry["margin"], entry["net"])
        rows.append(entry)
    rows.sort(key=lambda r: r["margin"], reverse=True)
    columns = [
        Column("label", _("Product")),
        Column("quantity", _("Quantity"), "quantity"),
        Column("net", _("Revenue (net)"), "money"),
        Column("cost", _("Cost"), "money"),
        Column("margin", _("Gross margin"), "money"),
        Column("margin_pct", _("Margin"), "percent"),
    ]
    totals = _totals(rows, ("quantity", "net", "cost", "margin"))
    totals["margin_pct"] = _pct(totals["margin"], totals["net"])
    notes = []
    if unknown - set(per_product):
        notes.append(
            _("%(count)d products sold in this period have no cost price and are not included.")
            % {"count": len(unknown - set(per_product))}
        )
    top = rows[:15]
    chart = {
        "type": "hbar",
        "labels": [r["label"] for r in top],
        "series": [{"label": _("Gross margin"), "data": [_f(r["margin"]) for r in top]}],
        "money": True,
    }
    return Report(columns, rows, totals, chart, notes=notes)
