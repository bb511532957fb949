"""Keeping the report sums: recompute the store-days that gained receipts, from the raw rows.

Every insert into ``sales_sale`` marks ``(store, UTC hour)`` in :class:`~kasse.reports.models.PendingHour`
(a database trigger, migration 0002: checkout, returns, sync ingest with COPY, released quarantined
sales all reach it; the seed, writing with triggers off, marks its hours itself). :func:`refresh`
turns the marks of the stores a report reads into local days, deletes those days' sums and computes
them again from the receipts (one grouped query per table and run of consecutive days), then removes
each mark it consumed *only if its generation is unchanged*: a receipt committed meanwhile raised the
generation, so its mark stays for the next refresh. Recomputing is idempotent, so duplicate deliveries,
replays after an outage and receipts arriving days late all end in the same sums as a query over the
raw rows (``tests/test_aggregates_property.py``).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, F, Max, Min, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, TruncDate

from kasse.catalog.models import Unit
from kasse.core.models import AuditEntry
from kasse.reports.models import (
    DaySums,
    HourSums,
    PaymentSums,
    PendingHour,
    ProductMonthSums,
    ProductSums,
    VatSums,
    VoidSums,
)
from kasse.sales.models import Payment, Sale, SaleLine, SaleVat
from kasse.tenancy.models import Store

RUN_DAYS = 31  # a run of marked days is recomputed in pieces of at most this many days
ZERO = Decimal("0")
DAY_TABLES = (HourSums, DaySums, ProductSums, VatSums, PaymentSums, VoidSums)
VOIDS = {"register.cart.line_voided": "line", "register.cart.cancelled": "cart"}


def month_start(day: date) -> date:
    return day.replace(day=1)


def _bounds(tz: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as ``(first, last)`` runs of at most :data:`RUN_DAYS` days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1) and (day - runs[-1][0]).days < RUN_DAYS:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _lock(store: Store) -> None:
    """One recomputation of a store at a time (PostgreSQL; SQLite writes one at a time anyway)."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(b"kasse-reports:" + store.pk.bytes) - 2**31
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def refresh(organization_id: Any, store_ids: Collection[Any] | None = None) -> int:
    """Bring the sums of these stores (all of the organization's: ``None``) up to date; returns how many
    store-days were recomputed."""
    marks = PendingHour.objects.filter(organization_id=organization_id)
    if store_ids is not None:
        marks = marks.filter(store_id__in=list(store_ids))
    found = list(marks.values_list("id", "store_id", "hour", "generation"))
    if not found:
        return 0
    stores = {s.pk: s for s in Store.objects.filter(pk__in={m[1] for m in found})}
    days: dict[Any, set[date]] = defaultdict(set)
    for _pk, store_id, hour, _generation in found:
        days[store_id].add(hour.astimezone(ZoneInfo(stores[store_id].time_zone)).date())
    recomputed = 0
    for store_id, store_days in days.items():
        recomputed += recompute(stores[store_id], store_days)
    for start in range(0, len(found), 500):
        consumed = Q()
        for pk, _store_id, _hour, generation in found[start : start + 500]:
            consumed |= Q(pk=pk, generation=generation)
        PendingHour.objects.filter(consumed).delete()
    return recomputed


def recompute(store: Store, days: Iterable[date]) -> int:
    """Compute the sums of these local days of ``store`` again from its receipts (and the months they touch)."""
    runs = _runs(days)
    for first, last in runs:
        with transaction.atomic():
            _lock(store)
            for model in DAY_TABLES:
                model.objects.filter(store=store, day__gte=first, day__lte=last).delete()
            _compute(store, first, last)
    months = {month_start(first + timedelta(days=n)) for first, last in runs for n in range((last - first).days + 1)}
    for month in sorted(months):
        with transaction.atomic():
            _lock(store)
            _compute_month(store, month)
    return sum((last - first).days + 1 for first, last in runs)


def rebuild(store: Store, first: date, last: date) -> int:
    """Recompute every day from ``first`` to ``last`` (``kasse reports rebuild``; after a time zone change)."""
    return recompute(store, (first + timedelta(days=n) for n in range((last - first).days + 1)))


def rebuild_organization(organization_id: Any, store_ids: Collection[Any] | None = None) -> int:
    """Recompute every day with receipts of the organization's stores (all, or these): after a bulk load
    that wrote with triggers off (``kasse seed --sales``), or a time zone change. Returns the days computed."""
    stores = Store.objects.filter(organization_id=organization_id)
    if store_ids is not None:
        stores = stores.filter(pk__in=list(store_ids))
    days = 0
    for store in stores:
        span = Sale.objects.filter(store=store).aggregate(first=Min("completed_at"), last=Max("completed_at"))
        if span["first"] is not None:
            first = span["first"].astimezone(store.tzinfo).date() - timedelta(days=1)
            last = span["last"].astimezone(store.tzinfo).date() + timedelta(days=1)
            days += rebuild(store, first, last)
    return days


def _items() -> Case:
    """Items on a receipt: pieces count by quantity, a weighed or measured line counts as one item."""
    return Case(
        When(unit=Unit.PIECE, then=F("quantity")),
        default=Value(Decimal("1")),
        output_field=DecimalField(max_digits=14, decimal_places=3),
    )


def _discount(prefix: str = "") -> Any:
    return Sum(
        F(f"{prefix}line_discount") + F(f"{prefix}order_discount_share") + F(f"{prefix}promotion_discount"),
        output_field=DecimalField(),
    )


def _compute(store: Store, first: date, last: date) -> None:
    tz = ZoneInfo(store.time_zone)
    start, end = _bounds(tz, first, last)
    base = {"organization_id": store.organization_id, "store_id": store.pk}
    # Training receipts are in no report (docs/fiscal.md, Integration item 6).
    sales = Sale.objects.filter(
        store=store, completed_at__gte=start, completed_at__lt=end, is_training=False
    ).order_by()
    by_sale = {
        "sale__store": store,
        "sale__completed_at__gte": start,
        "sale__completed_at__lt": end,
        "sale__is_training": False,
    }
    at = {"day": TruncDate("completed_at", tzinfo=tz), "hour": ExtractHour("completed_at", tzinfo=tz)}
    sale_at = {"day": TruncDate("sale__completed_at", tzinfo=tz), "hour": ExtractHour("sale__completed_at", tzinfo=tz)}
    key = ("day", "hour", "register_id", "employee_id", "kind")
    sale_key = ("day", "hour", "sale__register_id", "sale__employee_id", "sale__kind")

    hours: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in sales.annotate(**at).values(*key).annotate(receipts=Count("id"), gross=Sum("total")):
        hours[tuple(row[k] for k in key)] = {
            "receipts": row["receipts"],
            "gross": row["gross"],
            "net": ZERO,
            "items": ZERO,
            "discount": ZERO,
        }
    vats = SaleVat.objects.filter(**by_sale).order_by().annotate(**sale_at)
    for row in vats.values(*sale_key).annotate(net=Sum("net")):
        hours[tuple(row[k] for k in sale_key)]["net"] = row["net"]
    lines = SaleLine.objects.filter(**by_sale).order_by().annotate(**sale_at)
    for row in lines.values(*sale_key).annotate(items=Sum(_items()), discount=_discount()):
        entry = hours[tuple(row[k] for k in sale_key)]
        entry["items"], entry["discount"] = row["items"], row["discount"]
    HourSums.objects.bulk_create(
        [
            HourSums(**base, day=k[0], hour=k[1], register_id=k[2], employee_id=k[3], kind=k[4], **v)
            for k, v in hours.items()
        ],
        batch_size=1000,
    )
    days: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (day_, _hour, register_id, employee_id, kind), values in hours.items():
        entry = days.setdefault((day_, register_id, employee_id, kind), dict.fromkeys(values, 0))
        for name, value in values.items():
            entry[name] += value
    DaySums.objects.bulk_create(
        [DaySums(**base, day=k[0], register_id=k[1], employee_id=k[2], kind=k[3], **v) for k, v in days.items()],
        batch_size=1000,
    )

    day = TruncDate("sale__completed_at", tzinfo=tz)
    products = (
        SaleLine.objects.filter(**by_sale)
        .order_by()
        .annotate(day=day)
        .values("day", "sale__kind", "variant_id", "variant__product_id", "vat_rate")
        .annotate(quantity=Sum("quantity"), gross=Sum("total"), discount=_discount(), lines=Count("id"))
    )
    ProductSums.objects.bulk_create(
        (
            ProductSums(
                **base,
                day=r["day"],
                kind=r["sale__kind"],
                variant_id=r["variant_id"],
                product_id=r["variant__product_id"],
                vat_rate=r["vat_rate"],
                quantity=r["quantity"],
                gross=r["gross"],
                discount=r["discount"],
                lines=r["lines"],
            )
            for r in products
        ),
        batch_size=1000,
    )
    vat_rows = (
        SaleVat.objects.filter(**by_sale)
        .order_by()
        .annotate(day=day)
        .values("day", "sale__kind", "vat_rate")
        .annotate(gross=Sum("gross"), net=Sum("net"), vat=Sum("vat"))
    )
    VatSums.objects.bulk_create(
        VatSums(
            **base,
            day=r["day"],
            kind=r["sale__kind"],
            vat_rate=r["vat_rate"],
            gross=r["gross"],
            net=r["net"],
            vat=r["vat"],
        )
        for r in vat_rows
    )
    payments = (
        Payment.objects.filter(**by_sale)
        .order_by()
        .annotate(day=day)
        .values("day", "sale__kind", "method")
        .annotate(amount=Sum("amount"), payments=Count("id"))
    )
    _compute_voids(store, tz, start, end)
    PaymentSums.objects.bulk_create(
        PaymentSums(
            **base, day=r["day"], kind=r["sale__kind"], method=r["method"], amount=r["amount"], payments=r["payments"]
        )
        for r in payments
    )


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError):
        return ZERO


def _compute_voids(store: Store, tz: ZoneInfo, start: datetime, end: datetime) -> None:
    """Voided lines (their quantity) and cancelled carts (their total) per local day, from the audit log."""
    sums: dict[tuple[date, str], list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    entries = AuditEntry.objects.filter(
        organization_id=store.organization_id, store=store, created_at__gte=start, created_at__lt=end, action__in=VOIDS
    ).values_list("created_at", "action", "data")
    for created_at, action, data in entries.iterator(chunk_size=2000):
        entry = sums[(created_at.astimezone(tz).date(), VOIDS[action])]
        entry[0] += 1
        if action == "register.cart.line_voided":
            entry[1] += _decimal((data or {}).get("quantity", 0))
        else:
            entry[2] += _decimal((data or {}).get("total", 0))
    VoidSums.objects.bulk_create(
        VoidSums(
            organization_id=store.organization_id,
            store_id=store.pk,
            day=day,
            kind=kind,
            count=count,
            quantity=quantity,
            amount=amount,
        )
        for (day, kind), (count, quantity, amount) in sums.items()
    )


def _compute_month(store: Store, month: date) -> None:
    following = (month + timedelta(days=32)).replace(day=1)
    ProductMonthSums.objects.filter(store=store, day=month).delete()
    rows = (
        ProductSums.objects.filter(store=store, day__gte=month, day__lt=following)
        .order_by()
        .values("kind", "variant_id", "product_id", "vat_rate")
        .annotate(quantity=Sum("quantity"), gross=Sum("gross"), discount=Sum("discount"), lines=Sum("lines"))
    )
    ProductMonthSums.objects.bulk_create(
        (ProductMonthSums(organization_id=store.organization_id, store_id=store.pk, day=month, **r) for r in rows),
        batch_size=1000,
    )
