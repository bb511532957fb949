"""The CSV tables of the sales export on PostgreSQL: ``COPY (SELECT …) TO STDOUT`` streamed into the ZIP.

The same columns, order and formatting as the Python path in :mod:`kasse.bookkeeping.sales_export`
(decimal comma, local time of each store, empty text as an empty field, ``\\n`` line ends), but the rows
never become Python objects: PostgreSQL formats them and the worker copies bytes from the connection to
the archive, a chunk at a time. This is what makes a million lines a matter of seconds
(docs/benchmarks.md); ``test_sales_export.py`` checks that both paths write the same bytes.
"""

# ruff: noqa: S608 - the statements are built from constant column lists only; every value is a bound parameter

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from kasse.tenancy.models import Store


def _money(column: str) -> str:
    return f"replace({column}::text, '.', ',')"


def _text(column: str) -> str:
    return f"NULLIF({column}, '')"


BLOCK_BYTES = 256 * 1024  # CSV bytes handed to the archive at a time

# The receipt's keys every table starts with (receipt id, store no., register no., receipt no.).
KEYS = "s.id, st.number, r.number, s.receipt_number"
LOCAL = "to_char(s.completed_at AT TIME ZONE st.time_zone, 'YYYY-MM-DD HH24:MI:SS')"
JOINS = "JOIN tenancy_store st ON st.id = s.store_id JOIN tenancy_register r ON r.id = s.register_id"

SELECTS = {
    "receipts": (
        f"SELECT {KEYS}, s.kind, {LOCAL}, {_text('s.employee_name')}, c.customer_number, s.original_sale_id, "
        f"{_money('s.subtotal')}, {_money('s.order_discount')}, {_money('s.total')} "
        f"FROM sales_sale s {JOINS} LEFT JOIN customers_customer c ON c.id = s.customer_id "
        "WHERE {where} ORDER BY s.completed_at, s.id"
    ),
    "lines": (
        f"SELECT {KEYS}, {LOCAL}, l.position, {_text('l.sku')}, {_text('l.barcode')}, {_text('l.product_name')}, "
        f"{_text('l.variant_name')}, replace(l.quantity::text, '.', ','), {_text('l.unit')}, "
        f"{_money('l.list_price')}, {_money('l.unit_price')}, {_money('l.line_discount')}, "
        f"{_money('l.order_discount_share')}, {_money('l.total')}, {_money('l.vat_rate')}, l.vat_dsfinvk_id "
        f"FROM sales_saleline l JOIN sales_sale s ON s.id = l.sale_id {JOINS} "
        "WHERE {where} ORDER BY s.completed_at, s.id, l.position"
    ),
    "vat": (
        f"SELECT {KEYS}, {_money('v.vat_rate')}, v.vat_dsfinvk_id, {_money('v.net')}, {_money('v.vat')}, "
        f"{_money('v.gross')} FROM sales_salevat v JOIN sales_sale s ON s.id = v.sale_id {JOINS} "
        "WHERE {where} ORDER BY s.completed_at, s.id, v.vat_rate DESC"
    ),
    "payments": (
        f"SELECT {KEYS}, p.method, {_money('p.amount')}, {_money('p.tendered')}, {_money('p.change')}, "
        f"{_text('p.reference')} FROM sales_payment p JOIN sales_sale s ON s.id = p.sale_id {JOINS} "
        "WHERE {where} ORDER BY s.completed_at, s.id, p.position"
    ),
}


def _where(stores: list[Store], date_from: date, date_to: date) -> tuple[str, list[Any]]:
    parts, params = [], []
    for store in stores:
        tz = ZoneInfo(store.time_zone)
        parts.append("(s.store_id = %s AND s.completed_at >= %s AND s.completed_at < %s)")
        params += [
            store.pk,
            datetime.combine(date_from, time.min, tzinfo=tz),
            datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
        ]
    # training receipts are no revenue (as ``sales_export._in_range``)
    return "(" + " OR ".join(parts or ["FALSE"]) + ") AND NOT s.is_training", params


def copy_table(name: str, stores: list[Store], date_from: date, date_to: date) -> Iterator[bytes]:
    """The rows of table ``name`` as CSV bytes (``;``, minimal quoting, no header), chunk by chunk."""
    where, params = _where(stores, date_from, date_to)
    query = SELECTS[name].format(where=where)
    statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # JIT-compiling the expressions cost 2.5 s of a 1-million-line table and gains nothing on row formatting
        # (this session only; after a failed COPY it simply stays off)
        cursor.execute("SET jit = off")
        raw: Any = cursor.cursor  # the psycopg cursor: COPY streams through it
        with raw.copy(statement, params) as copy:
            # PostgreSQL sends one message per row: handed on in blocks, so the archive compresses (and
            # checksums) a block at a time instead of a row at a time (a million lines: the worker's CPU 5.5-6.6 s
            # -> 2.8-3.7 s at load 5-7)
            block: list[bytes] = []
            size = 0
            for row in copy:
                block.append(bytes(row))
                size += len(row)
                if size >= BLOCK_BYTES:
                    yield b"".join(block)
                    block.clear()
                    size = 0
            if block:
                yield b"".join(block)
        cursor.execute("RESET jit")


def is_available() -> bool:
    return connection.vendor == "postgresql"
