"""The COPY side of ``kasse seed --sales`` (:mod:`kasse.demo.sales`): the columns written per table, checked
against the models, and the buffer of one transaction's rows (the shifts as COPY text, the receipts, lines,
VAT rows and payments in PostgreSQL's binary COPY format: :mod:`kasse.demo.sales_binary`)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from kasse.demo import sales_binary as binary
from kasse.demo.sales_sums import StoreSums
from kasse.sales.models import Payment, Sale, SaleLine, SaleVat, Shift


class SalesSeedRefused(Exception):
    """The sales cannot be seeded here; the message says why."""


class Writer:
    """The rows of one transaction, per table: the shifts as COPY text, the others as binary COPY rows."""

    def __init__(self, org: str, sums: StoreSums | None = None) -> None:
        self.org = org
        self.sums = sums  # the report sums of the receipts written (None: mark their hours instead)
        self.tables: dict[str, list[Any]] = {"shift": [], "sale": [], "line": [], "vat": [], "payment": []}
        self.hours: set[tuple[str, int]] = set()  # (store id, UTC hour as epoch seconds) that got receipts

    def take(self) -> Writer:
        """The rows and sums gathered so far as a writer of their own (to be flushed by another thread); this
        one goes on empty."""
        batch = Writer(self.org, self.sums.take() if self.sums is not None else None)
        batch.tables, self.tables = self.tables, {key: [] for key in self.tables}
        batch.hours, self.hours = self.hours, set()
        return batch

    @property
    def buffered(self) -> int:
        return len(self.tables["sale"])

    def flush(self) -> None:
        plan = [
            ("shift", Shift), ("sale", Sale), ("line", SaleLine), ("vat", SaleVat), ("payment", Payment),
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for key, model in plan:
                rows = self.tables[key]
                if not rows:
                    continue
                with cursor.cursor.copy(COPY_STATEMENTS[model]) as copy:
                    if model is Shift:
                        copy.write("".join(rows))
                    else:
                        copy.write(b"".join([binary.SIGNATURE, *rows, binary.TRAILER]))
                rows.clear()
        if self.sums is not None:
            self.sums.flush()
        self._mark_hours()

    def _mark_hours(self) -> None:
        """What the reports' insert trigger does for new sales (it does not fire with the triggers off): mark
        each store-hour that got receipts the seed did not add to the sums itself (a day that had sums or marks
        before), so the report sums are brought up to date by their own refresh."""
        if not self.hours:
            return
        from kasse.reports.models import PendingHour

        quote = connection.ops.quote_name
        values = ", ".join(["(%s::uuid, %s::uuid, to_timestamp(%s), 1)"] * len(self.hours))
        params: list[str | int] = []
        for store_id, hour in sorted(self.hours):
            params += [self.org, store_id, hour]
        sql = (
            f"INSERT INTO {quote(PendingHour._meta.db_table)} (organization_id, store_id, hour, generation) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (store_id, hour) DO UPDATE SET generation = "
            f"{quote(PendingHour._meta.db_table)}.generation + 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        self.hours.clear()


def _copy_statement(model: type[models.Model], columns: list[str]) -> str:
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    return statement if model is Shift else statement + " (FORMAT BINARY)"


SALE_COLUMNS = [
    "id", "created_at", "updated_at", "organization_id", "store_id", "register_id", "shift_id", "kind",
    "receipt_number", "employee_id", "employee_name", "customer_id", "original_sale_id", "started_at",
    "completed_at", "currency", "subtotal", "order_discount", "total", "note", "loyalty_discount", "is_training",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "created_at", "updated_at", "organization_id", "sale_id", "position", "variant_id", "product_name",
    "variant_name", "sku", "barcode", "unit", "quantity", "list_price", "unit_price", "line_discount",
    "order_discount_share", "total", "vat_class", "vat_rate", "vat_dsfinvk_id", "approved_by_id",
    "original_line_id", "note", "promotion_discount", "promotion_id", "promotion_name",
]  # fmt: skip
VAT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "organization_id",
    "sale_id",
    "vat_rate",
    "vat_dsfinvk_id",
    "gross",
    "net",
    "vat",
]
PAYMENT_COLUMNS = [
    "id", "created_at", "updated_at", "organization_id", "sale_id", "position", "method", "amount", "tendered",
    "change", "reference",
]  # fmt: skip
SHIFT_COLUMNS = [
    "id", "created_at", "updated_at", "organization_id", "store_id", "register_id", "status", "opened_at",
    "opened_by_id", "opening_float", "opening_count", "closed_at", "closed_by_id", "closing_count",
    "counted_cash", "expected_cash", "difference", "closing_number", "master_data", "card_reconciliation",
]  # fmt: skip
COPY_STATEMENTS: dict[type[models.Model], str] = {}


def check_columns() -> None:
    """The columns written are exactly the model's: a field added later fails here, not with bad rows."""
    for model, columns in (
        (Sale, SALE_COLUMNS), (SaleLine, LINE_COLUMNS), (SaleVat, VAT_COLUMNS), (Payment, PAYMENT_COLUMNS),
        (Shift, SHIFT_COLUMNS),
    ):  # fmt: skip
        actual = [f.column for f in model._meta.concrete_fields]
        if sorted(actual) != sorted(columns):
            raise SalesSeedRefused(
                f"{model.__name__} has columns the seeder does not know: {sorted(set(actual) ^ set(columns))}"
            )
        COPY_STATEMENTS[model] = _copy_statement(model, columns)
