"""The receipt journal ("Belege"): every sale and return, filtered, newest first, a page at a time.

Pages are cut by a **cursor** (keyset pagination), not by an offset: a page is "the next
:data:`PAGE_SIZE` receipts older than the last one shown", ordered by ``(completed_at, id)``
descending, so page 5,000 reads as few rows as page 1. The indexes that make this an index range
scan are ``sale_org_completed`` and ``sale_store_completed`` (organization or store, then
``completed_at`` and ``id`` descending); a search by receipt number uses ``sale_org_receipt_number``.

Every filter is bounded: a date range is at most :data:`MAX_RANGE_DAYS` long (a receipt number
alone searches all time, through its index), a text filter at most 100 characters. A day is the
store's local day (``Store.time_zone``), so a range becomes one ``completed_at`` interval per store.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kasse.sales.models import Payment, PaymentMethod, Sale, SaleLine

PAGE_SIZE = 50
MAX_RANGE_DAYS = 366 * 2
DEFAULT_RANGE_DAYS = 30


class JournalError(ValueError):
    """A filter or cursor the journal cannot use; ``str()`` is the translated message for the owner."""


@dataclass(frozen=True)
class JournalFilter:
    """What the owner asked for; every field optional. ``stores``: the stores the user may see
    (``None``: every store of the organization)."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    store_id: uuid.UUID | None = None
    register_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None
    customer_number: int | None = None
    customer_id: uuid.UUID | None = None
    payment_method: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    receipt_number: int | None = None
    product: str = ""
    kind: str = ""

    def check(self) -> None:
        """Raise :class:`JournalError` for an impossible or too large request."""
        if self.date_from and self.date_to:
            if self.date_to < self.date_from:
                raise JournalError(_("The end date is before the start date."))
            if (self.date_to - self.date_from).days >= MAX_RANGE_DAYS:
                raise JournalError(
                    _("Please choose at most %(days)s days (or search by receipt number alone).")
                    % {"days": MAX_RANGE_DAYS}
                )
        if self.amount_min is not None and self.amount_max is not None and self.amount_max < self.amount_min:
            raise JournalError(_("The highest amount is below the lowest."))


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last receipt shown."""

    completed_at: datetime.datetime
    sale_id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.completed_at.isoformat()}|{self.sale_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            if len(text) > 200:
                raise ValueError(text[:20])
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            when, _sep, pk = raw.partition("|")
            moment = datetime.datetime.fromisoformat(when)
            if moment.tzinfo is None:
                raise ValueError(when)
            return cls(moment, uuid.UUID(pk))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise JournalError(_("This page link is not valid any more. Please start from the first page.")) from exc


@dataclass(frozen=True)
class JournalPage:
    receipts: list[Sale]
    next_cursor: str | None


def day_bounds(
    time_zone: str, first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants where the local day ``first`` starts and the day after ``last`` starts in ``time_zone``
    (a day of 23 or 25 hours when the clocks change)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Europe/Berlin")
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def _date_q(f: JournalFilter, stores: Iterable[tuple[Any, str]]) -> Q:
    """``completed_at`` within the local days of the range, store by store (each in its time zone)."""
    q = Q(pk__in=[])
    for store_id, time_zone in stores:
        first = f.date_from or datetime.date(2000, 1, 1)
        last = f.date_to or datetime.date(2999, 12, 30)
        start, end = day_bounds(time_zone, first, last)
        q |= Q(store_id=store_id, completed_at__gte=start, completed_at__lt=end)
    return q


def journal_queryset(f: JournalFilter, stores: list[tuple[Any, str]]) -> QuerySet[Sale]:
    """The receipts matching ``f`` in ``stores`` (``(id, time zone)`` of each store the user may see and
    asked for), newest first. Call ``f.check()`` first."""
    sales = Sale.objects.all()
    if f.store_id is not None:
        stores = [s for s in stores if s[0] == f.store_id]
    if not stores:
        return sales.none()
    if f.date_from or f.date_to:
        sales = sales.filter(_date_q(f, stores))
    else:
        sales = sales.filter(store_id__in=[s[0] for s in stores])
    if f.register_id is not None:
        sales = sales.filter(register_id=f.register_id)
    if f.employee_id is not None:
        sales = sales.filter(employee_id=f.employee_id)
    if f.customer_id is not None:
        sales = sales.filter(customer_id=f.customer_id)
    if f.customer_number is not None:
        sales = sales.filter(customer__customer_number=f.customer_number)
    if f.receipt_number is not None:
        sales = sales.filter(receipt_number=f.receipt_number)
    if f.kind:
        sales = sales.filter(kind=f.kind)
    if f.amount_min is not None:
        sales = sales.filter(total__gte=f.amount_min)
    if f.amount_max is not None:
        sales = sales.filter(total__lte=f.amount_max)
    if f.payment_method:
        sales = sales.filter(Exists(Payment.objects.filter(sale_id=OuterRef("pk"), method=f.payment_method)))
    if f.product:
        text = f.product
        lines = SaleLine.objects.filter(sale_id=OuterRef("pk")).filter(
            Q(sku=text) | Q(barcode=text) | Q(product_name__istartswith=text)
        )
        sales = sales.filter(Exists(lines))
    return sales.order_by("-completed_at", "-id")


def journal_page(sales: QuerySet[Sale], cursor: Cursor | None, size: int | None = None) -> JournalPage:
    """One page of ``sales`` after ``cursor`` (``None``: the first page), with the cursor of the next."""
    size = size or PAGE_SIZE
    if cursor is not None:
        sales = sales.filter(completed_at__lte=cursor.completed_at).filter(
            Q(completed_at__lt=cursor.completed_at) | Q(id__lt=cursor.sale_id)
        )
    rows = list(sales.select_related("store", "register", "customer")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].completed_at, rows[-1].pk).encode() if more else None
    return JournalPage(rows, next_cursor)


def payment_methods_of(sales: list[Sale]) -> dict[Any, list[str]]:
    """The payment methods of each receipt on a page (one query), by their names (``PaymentMethod``'s labels)."""
    methods: dict[Any, list[str]] = {}
    for sale_id, method in Payment.objects.filter(sale__in=sales).order_by("position").values_list("sale_id", "method"):
        label = str(PaymentMethod(method if method in PaymentMethod.values else PaymentMethod.OTHER).label)
        if label not in methods.setdefault(sale_id, []):
            methods[sale_id].append(label)
    return methods
