"""The report sums of ``kasse seed --sales`` (:mod:`kasse.demo.sales`), written in bulk with the receipts.

The live path marks every receipt's store-hour and computes the day's sums from the raw rows before a report
reads (:mod:`kasse.reports.aggregates`); after a bulk load of two years that first refresh reads every
receipt again (minutes at a million receipts). The seeder knows each receipt it writes, so it adds it to the
same sums as it goes and writes them with COPY in the transaction of the receipts: per local day and hour,
register, employee and kind (``HourSums``, and ``DaySums`` without the hour), per variant and VAT rate
(``ProductSums``), per VAT rate (``VatSums``) and per payment method (``PaymentSums``). The months those days
touch are summed again from the day rows in SQL, grouped as :func:`kasse.reports.aggregates._compute_month`
groups them. A store-day that had sums or marks before the seed is left to the live path: its receipts are
marked instead (:class:`~kasse.demo.sales_copy.Writer`), so the refresh computes the day from all its receipts.

Proof that the sums are what the live path computes: ``kasse/demo/tests/test_seed_sales.py`` compares every
row of every sums table after a seed with the rows ``aggregates.rebuild_organization`` computes from the same
receipts.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, models

from kasse.reports.models import (
    DaySums,
    HourSums,
    PaymentSums,
    PendingHour,
    ProductMonthSums,
    ProductSums,
    VatSums,
)

# Row keys: local day as ISO text, then the table's own key; values are integers (cents, pieces, counts).
HourKey = tuple[str, int, str, str, str]  # day, hour, register, employee, kind
ProductKey = tuple[str, str, str, str, str]  # day, kind, variant, product, VAT rate text
VatKey = tuple[str, str, str]  # day, kind, VAT rate text
PaymentKey = tuple[str, str, str]  # day, kind, method
SUMS_TABLES = (HourSums, DaySums, ProductSums, ProductMonthSums, VatSums, PaymentSums)  # written here (ANALYZE)


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _copy(model: type[models.Model], columns: list[str], rows: list[str]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write("".join(rows))


class StoreSums:
    """The sums of one store's seeded receipts since the last flush (one store's writer, one thread)."""

    def __init__(self, org: str, store_id: str, skip_days: set[datetime.date]) -> None:
        self.org = org
        self.store_id = store_id
        self.skip_days = skip_days  # local days with sums or marks from before: the live path computes them
        self.hours: dict[HourKey, list[int]] = {}  # receipts, gross, net, items
        self.products: dict[ProductKey, list[int]] = {}  # quantity, gross, lines
        self.vats: dict[VatKey, list[int]] = {}  # gross, net, vat
        self.payments: dict[PaymentKey, list[int]] = {}  # amount, count
        self.months: set[str] = set()  # first days of the months touched since the last flush

    def take(self) -> StoreSums:
        """The sums gathered so far as sums of their own (flushed by another thread); these go on empty."""
        batch = StoreSums(self.org, self.store_id, self.skip_days)
        batch.hours, self.hours = self.hours, {}
        batch.products, self.products = self.products, {}
        batch.vats, self.vats = self.vats, {}
        batch.payments, self.payments = self.payments, {}
        return batch

    def receipt(self, key: HourKey, gross: int, net: int, items: int, receipts: int = 1) -> None:
        entry = self.hours.get(key)
        if entry is None:
            self.hours[key] = [receipts, gross, net, items]
        else:
            entry[0] += receipts
            entry[1] += gross
            entry[2] += net
            entry[3] += items

    def line(self, key: ProductKey, quantity: int, gross: int, lines: int = 1) -> None:
        entry = self.products.get(key)
        if entry is None:
            self.products[key] = [quantity, gross, lines]
        else:
            entry[0] += quantity
            entry[1] += gross
            entry[2] += lines

    def vat(self, key: VatKey, gross: int, net: int, vat: int) -> None:
        entry = self.vats.get(key)
        if entry is None:
            self.vats[key] = [gross, net, vat]
        else:
            entry[0] += gross
            entry[1] += net
            entry[2] += vat

    def payment(self, key: PaymentKey, amount: int, count: int = 1) -> None:
        entry = self.payments.get(key)
        if entry is None:
            self.payments[key] = [amount, count]
        else:
            entry[0] += amount
            entry[1] += count

    def flush(self) -> None:
        """COPY the sums gathered since the last flush (whole store-days) and sum their months again."""
        head = f"{self.org}\t{self.store_id}\t"
        days: dict[tuple[str, str, str, str], list[int]] = {}
        hour_rows = []
        for (day, hour, register, employee, kind), (receipts, gross, net, items) in self.hours.items():
            hour_rows.append(
                f"{head}{day}\t{kind}\t{hour}\t{register}\t{employee}\t{receipts}\t{money(gross)}\t{money(net)}\t"
                f"{items}.000\t0.00\n"
            )
            entry = days.setdefault((day, register, employee, kind), [0, 0, 0, 0])
            for index, value in enumerate((receipts, gross, net, items)):
                entry[index] += value
            self.months.add(day[:8] + "01")
        day_rows = [
            f"{head}{day}\t{kind}\t{register}\t{employee}\t{receipts}\t{money(gross)}\t{money(net)}\t{items}.000\t0.00\n"
            for (day, register, employee, kind), (receipts, gross, net, items) in days.items()
        ]
        base = ["organization_id", "store_id", "day", "kind"]
        measures = ["receipts", "gross", "net", "items", "discount"]
        _copy(HourSums, [*base, "hour", "register_id", "employee_id", *measures], hour_rows)
        _copy(DaySums, [*base, "register_id", "employee_id", *measures], day_rows)
        _copy(
            ProductSums,
            [*base, "variant_id", "product_id", "vat_rate", "quantity", "gross", "discount", "lines"],
            [
                f"{head}{day}\t{kind}\t{variant}\t{product}\t{rate}\t{quantity}.000\t{money(gross)}\t0.00\t{lines}\n"
                for (day, kind, variant, product, rate), (quantity, gross, lines) in self.products.items()
            ],
        )
        _copy(
            VatSums,
            [*base, "vat_rate", "gross", "net", "vat"],
            [
                f"{head}{day}\t{kind}\t{rate}\t{money(gross)}\t{money(net)}\t{money(vat)}\n"
                for (day, kind, rate), (gross, net, vat) in self.vats.items()
            ],
        )
        _copy(
            PaymentSums,
            [*base, "method", "amount", "payments"],
            [
                f"{head}{day}\t{kind}\t{method}\t{money(amount)}\t{count}\n"
                for (day, kind, method), (amount, count) in self.payments.items()
            ],
        )
        for table in (self.hours, self.products, self.vats, self.payments):
            table.clear()
        self._sum_months()

    def _sum_months(self) -> None:
        """Each touched month's ``ProductMonthSums`` again from its day rows (as the live path does)."""
        quote = connection.ops.quote_name
        month_table, day_table = quote(ProductMonthSums._meta.db_table), quote(ProductSums._meta.db_table)
        with connection.cursor() as cursor:
            for month in sorted(self.months):
                first = datetime.date.fromisoformat(month)
                following = (first + datetime.timedelta(days=32)).replace(day=1)
                cursor.execute(
                    f"DELETE FROM {month_table} WHERE organization_id = %s AND store_id = %s AND day = %s",  # noqa: S608
                    [self.org, self.store_id, first],
                )
                cursor.execute(
                    f"INSERT INTO {month_table} (organization_id, store_id, day, kind, variant_id, product_id, "  # noqa: S608
                    "vat_rate, quantity, gross, discount, lines) "
                    f"SELECT organization_id, store_id, %s, kind, variant_id, product_id, vat_rate, SUM(quantity), "
                    f"SUM(gross), SUM(discount), SUM(lines) FROM {day_table} "
                    "WHERE organization_id = %s AND store_id = %s AND day >= %s AND day < %s "
                    "GROUP BY organization_id, store_id, kind, variant_id, product_id, vat_rate",
                    [first, self.org, self.store_id, first, following],
                )
        self.months.clear()


def days_left_to_the_live_path(organization_id: Any, store: Any) -> set[datetime.date]:
    """The store's local days that have sums or marks already: the seed marks its receipts of those days
    instead of adding them to sums computed from other receipts."""
    days = set(DaySums.objects.filter(store=store).values_list("day", flat=True).distinct())
    days |= set(HourSums.objects.filter(store=store).values_list("day", flat=True).distinct())
    for hour in PendingHour.objects.filter(organization_id=organization_id, store=store).values_list("hour", flat=True):
        days.add(hour.astimezone(store.tzinfo).date())
    return days
