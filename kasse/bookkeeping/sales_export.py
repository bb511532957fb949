"""The sales export's file: receipts, their lines with VAT rate, their VAT rows and payments.

Written row by row from database iterators (server-side cursors on PostgreSQL), so the worker holds one
chunk of rows at a time however long the range is: a CSV export is a ZIP with four ``;``-separated UTF-8
files (decimal comma, times in the store's local time, as German spreadsheet programs read them); an XLSX
export has the same four tables as sheets, written by XlsxWriter in constant-memory mode. The file is
written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from kasse.sales.models import Payment, Sale, SaleLine, SaleVat
from kasse.tenancy.models import Store

CHUNK = 5_000  # rows fetched from the database at a time
PROGRESS_EVERY = 25_000  # lines between two progress updates


def _in_range(stores: Iterable[Store], date_from: date, date_to: date, prefix: str = "") -> Q:
    """Receipts completed on the stores' local days ``date_from`` … ``date_to`` (each store in its time zone),
    training receipts left out."""
    condition = Q(pk__in=[])
    for store in stores:
        tz = ZoneInfo(store.time_zone)
        start = datetime.combine(date_from, time.min, tzinfo=tz)
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
        condition |= Q(
            **{f"{prefix}store_id": store.pk, f"{prefix}completed_at__gte": start, f"{prefix}completed_at__lt": end}
        )
    return condition & Q(**{f"{prefix}is_training": False})  # training receipts are no revenue


def count_lines(stores: list[Store], date_from: date, date_to: date) -> tuple[int, int]:
    """How many receipts and lines the export would have (one query each, bounded by the range)."""
    receipts = Sale.objects.filter(_in_range(stores, date_from, date_to)).count()
    lines = SaleLine.objects.filter(_in_range(stores, date_from, date_to, "sale__")).count()
    return receipts, lines


def _money(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _qty(value: Decimal) -> str:
    return f"{value:.3f}".replace(".", ",")


@dataclass(frozen=True)
class Table:
    """One file (CSV) or sheet (XLSX): its name, headings, rows, and which columns are money or times."""

    name: str
    header: list[str]
    rows: Callable[[], Iterator[tuple[Any, ...]]]
    money: frozenset[int]
    quantity: frozenset[int] = frozenset()
    when: frozenset[int] = frozenset()
    counts_lines: bool = False


def tables(stores: list[Store], date_from: date, date_to: date) -> list[Table]:
    """The four tables, each a stream of plain tuples in receipt order."""
    zones = {store.pk: ZoneInfo(store.time_zone) for store in stores}
    numbers = {store.pk: store.number for store in stores}
    sales = Sale.objects.filter(_in_range(stores, date_from, date_to))
    lines = SaleLine.objects.filter(_in_range(stores, date_from, date_to, "sale__"))
    vat = SaleVat.objects.filter(_in_range(stores, date_from, date_to, "sale__"))
    payments = Payment.objects.filter(_in_range(stores, date_from, date_to, "sale__"))

    def stream(queryset: QuerySet[Any], fields: list[str], order: list[str]) -> Iterator[tuple[Any, ...]]:
        return queryset.order_by(*order).values_list(*fields).iterator(chunk_size=CHUNK)

    def receipts() -> Iterator[tuple[Any, ...]]:
        fields = [
            "id",
            "store_id",
            "register__number",
            "receipt_number",
            "kind",
            "completed_at",
            "employee_name",
            "customer__customer_number",
            "original_sale_id",
            "subtotal",
            "order_discount",
            "total",
        ]
        for row in stream(sales, fields, ["completed_at", "id"]):
            rid, store_id, register, number, kind, completed, employee, customer, original, sub, disc, total = row
            yield (
                str(rid),
                numbers[store_id],
                register,
                number,
                kind,
                completed.astimezone(zones[store_id]),
                employee,
                customer or "",
                str(original or ""),
                sub,
                disc,
                total,
            )

    def line_rows() -> Iterator[tuple[Any, ...]]:
        fields = [
            "sale_id",
            "sale__store_id",
            "sale__register__number",
            "sale__receipt_number",
            "sale__completed_at",
            "position",
            "sku",
            "barcode",
            "product_name",
            "variant_name",
            "quantity",
            "unit",
            "list_price",
            "unit_price",
            "line_discount",
            "order_discount_share",
            "total",
            "vat_rate",
            "vat_dsfinvk_id",
        ]
        for row in stream(lines, fields, ["sale__completed_at", "sale_id", "position"]):
            store_id = row[1]
            yield (str(row[0]), numbers[store_id], row[2], row[3], row[4].astimezone(zones[store_id]), *row[5:])

    def vat_rows() -> Iterator[tuple[Any, ...]]:
        fields = [
            "sale_id",
            "sale__store_id",
            "sale__register__number",
            "sale__receipt_number",
            "vat_rate",
            "vat_dsfinvk_id",
            "net",
            "vat",
            "gross",
        ]
        for row in stream(vat, fields, ["sale__completed_at", "sale_id", "-vat_rate"]):
            yield (str(row[0]), numbers[row[1]], *row[2:])

    def payment_rows() -> Iterator[tuple[Any, ...]]:
        fields = [
            "sale_id",
            "sale__store_id",
            "sale__register__number",
            "sale__receipt_number",
            "method",
            "amount",
            "tendered",
            "change",
            "reference",
        ]
        for row in stream(payments, fields, ["sale__completed_at", "sale_id", "position"]):
            yield (str(row[0]), numbers[row[1]], *row[2:])

    receipt_keys = [_("Receipt ID"), _("Store no."), _("Register no."), _("Receipt no.")]
    return [
        Table(
            "receipts",
            [
                *receipt_keys,
                _("Kind"),
                _("Completed"),
                _("Cashier"),
                _("Customer no."),
                _("Original receipt ID"),
                _("Subtotal"),
                _("Order discount"),
                _("Total"),
            ],
            receipts,
            money=frozenset({9, 10, 11}),
            when=frozenset({5}),
        ),
        Table(
            "lines",
            [
                *receipt_keys,
                _("Completed"),
                _("Position"),
                _("SKU"),
                _("Barcode"),
                _("Product"),
                _("Variant"),
                _("Quantity"),
                _("Unit"),
                _("List price"),
                _("Unit price"),
                _("Line discount"),
                _("Share of order discount"),
                _("Total (gross)"),
                _("VAT rate"),
                _("DSFinV-K VAT id"),
            ],
            line_rows,
            money=frozenset({12, 13, 14, 15, 16, 17}),
            quantity=frozenset({10}),
            when=frozenset({4}),
            counts_lines=True,
        ),
        Table(
            "vat",
            [*receipt_keys, _("VAT rate"), _("DSFinV-K VAT id"), _("Net"), _("VAT"), _("Gross")],
            vat_rows,
            money=frozenset({4, 6, 7, 8}),
        ),
        Table(
            "payments",
            [*receipt_keys, _("Payment method"), _("Amount"), _("Tendered"), _("Change"), _("Reference")],
            payment_rows,
            money=frozenset({5, 6, 7}),
        ),
    ]


Progress = Callable[[int], None]


def _csv_cells(table: Table, row: tuple[Any, ...]) -> list[Any]:
    cells = list(row)
    for index in table.money:
        cells[index] = _money(cells[index])
    for index in table.quantity:
        cells[index] = _qty(cells[index])
    for index in table.when:
        cells[index] = cells[index].strftime("%Y-%m-%d %H:%M:%S")
    return cells


def write_csv_zip(
    path: Path, parts: list[Table], progress: Progress, copy: Callable[[str], Iterator[bytes]] | None = None
) -> None:
    """A ZIP of one CSV per table at ``path`` (streamed into the archive; nothing held in memory).

    With ``copy`` (PostgreSQL: :func:`kasse.bookkeeping.sales_export_pg.copy_table`) each table's rows come
    as CSV bytes from the database; otherwise they are formatted here. Both write the same bytes."""
    lines = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for table in parts:
            with (
                archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", write_through=True) as text,
            ):
                csv.writer(text, delimiter=";", lineterminator="\n").writerow(table.header)
                if copy is None:
                    writer = csv.writer(text, delimiter=";", lineterminator="\n")
                    for row in table.rows():
                        writer.writerow(_csv_cells(table, row))
                        if table.counts_lines:
                            lines += 1
                            if lines % PROGRESS_EVERY == 0:
                                progress(lines)
                    continue
                text.flush()
                reported = 0
                for chunk in copy(table.name):
                    raw.write(chunk)
                    if table.counts_lines:
                        lines += chunk.count(b"\n")
                        if lines - reported >= PROGRESS_EVERY:
                            progress(lines)
                            reported = lines
    progress(lines)


def write_xlsx(path: Path, parts: list[Table], progress: Progress) -> None:
    """An XLSX workbook with one sheet per table (constant memory: each row is written and let go).

    Excel keeps numbers as binary floating point; amounts are rounded to the cent before they are
    written and shown with two decimals, so every cell reads as the receipt printed it."""
    import xlsxwriter

    lines = 0
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    try:
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        quantity = workbook.add_format({"num_format": "#,##0.000"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        titles = {"receipts": _("Receipts"), "lines": _("Receipt lines"), "vat": _("VAT"), "payments": _("Payments")}
        for table in parts:
            sheet = workbook.add_worksheet(titles[table.name][:31])
            sheet.write_row(0, 0, table.header, bold)
            sheet.freeze_panes(1, 0)
            for number, row in enumerate(table.rows(), start=1):
                for col, value in enumerate(row):
                    if col in table.money:
                        sheet.write_number(number, col, float(value), money)
                    elif col in table.quantity:
                        sheet.write_number(number, col, float(value), quantity)
                    elif col in table.when:
                        sheet.write_datetime(number, col, value.replace(tzinfo=None), when)
                    elif isinstance(value, (int, Decimal)):
                        sheet.write_number(number, col, float(value))
                    else:
                        sheet.write_string(number, col, value)
                if table.counts_lines:
                    lines += 1
                    if lines % PROGRESS_EVERY == 0:
                        progress(lines)
    finally:
        workbook.close()
    progress(lines)


def partial_copy(
    copy_table: Callable[[str, list[Store], date, date], Iterator[bytes]],
    stores: list[Store],
    date_from: date,
    date_to: date,
) -> Callable[[str], Iterator[bytes]]:
    return lambda name: copy_table(name, stores, date_from, date_to)


def write_export(
    path: Path, fmt: str, stores: list[Store], date_from: date, date_to: date, progress: Progress, language: str
) -> int:
    """Write the export to ``path`` (via ``path.part``, renamed when complete); returns the file's size."""
    from kasse.bookkeeping import sales_export_pg

    partial = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with translation.override(language):
            parts = tables(stores, date_from, date_to)
            if fmt == "xlsx":
                write_xlsx(partial, parts, progress)
            else:
                copy = None
                if sales_export_pg.is_available():
                    copy = partial_copy(sales_export_pg.copy_table, stores, date_from, date_to)
                write_csv_zip(partial, parts, progress, copy)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size
