"""The products CSV file: its columns, the header names people write, and the export.

The export is what German Excel opens directly: UTF-8 with a byte order mark, ``;`` between fields,
decimal comma. Formulas: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula (CSV injection). The export puts an apostrophe before such a text
cell (and before one that already starts with apostrophes followed by such a character), so it shows
as text; the import (:mod:`kasse.catalog.csv_io`) takes one such apostrophe away again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Prefetch

from kasse.catalog.models import Barcode, Product, Variant
from kasse.core.vat import VatClass
from kasse.tenancy.models import Organization

COLUMNS = (
    "sku",
    "name",
    "variant",
    "category",
    "price",
    "vat_class",
    "unit",
    "is_measured",
    "barcodes",
    "cost_price",
    "track_stock",
    "active",
    "attributes",
)
BARCODE_SEPARATOR = "|"
# Header names people write in German spreadsheets, mapped to ours.
COLUMN_ALIASES = {
    "artikelnummer": "sku",
    "art.-nr.": "sku",
    "bezeichnung": "name",
    "variante": "variant",
    "kategorie": "category",
    "preis": "price",
    "mwst": "vat_class",
    "einheit": "unit",
    "gewogen": "is_measured",
    "ean": "barcodes",
    "einkaufspreis": "cost_price",
    "bestand": "track_stock",
    "aktiv": "active",
    "merkmale": "attributes",
}
# Limits of one import, so a wrong file (an export of something else, a log, a cell holding a
# whole document) gets a clear message instead of tying up the server: far above a shop's catalog.
MAX_IMPORT_BYTES = 4 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_CELL_CHARS = 1_000
VAT_ALIASES = {
    "19": VatClass.STANDARD,
    "19%": VatClass.STANDARD,
    "7": VatClass.REDUCED,
    "7%": VatClass.REDUCED,
    "0": VatClass.ZERO,
    "0%": VatClass.ZERO,
}
TRUE_WORDS = {"1", "true", "yes", "y", "ja", "j", "x", "wahr"}
FALSE_WORDS = {"0", "false", "no", "n", "nein", "falsch"}
PRODUCT_LEVEL = ("category", "vat_class", "unit", "is_measured", "track_stock")


# --- Export -------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = frozenset({"sku", "name", "variant", "category", "barcodes", "attributes"})


def _needs_escape(value: str) -> bool:
    return value.lstrip("'").startswith(FORMULA_STARTS)


def neutralize_formula(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: an apostrophe in front if it would start a formula."""
    return "'" + value if _needs_escape(value) else value


def restore_formula(value: str) -> str:
    """Undo :func:`neutralize_formula` (one apostrophe before a formula start is taken away)."""
    return value[1:] if value.startswith("'") and _needs_escape(value[1:]) else value


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _flag(value: bool) -> str:
    return "1" if value else "0"


def export_rows(organization: Organization) -> Iterator[list[str]]:
    """The header and one row per variant, products by name."""
    yield list(COLUMNS)
    variants = Variant.objects.order_by("position", "name").prefetch_related(
        Prefetch("barcodes", queryset=Barcode.objects.order_by("code"))
    )
    products = (
        Product.objects.filter(organization=organization)
        .select_related("category")
        .prefetch_related(Prefetch("variants", queryset=variants))
        .order_by("name", "pk")
    )
    for product in products.iterator(chunk_size=1000):
        for variant in product.variants.all():
            cost = variant.cost_price if variant.cost_price is not None else product.cost_price
            yield [
                variant.sku,
                product.name,
                variant.name,
                product.category.name if product.category else "",
                _amount(variant.effective_price),
                product.vat_class,
                product.unit,
                _flag(product.is_measured),
                BARCODE_SEPARATOR.join(b.code for b in variant.barcodes.all()),
                _amount(cost),
                _flag(product.track_stock),
                _flag(product.is_active and variant.is_active),  # see _product_active
                BARCODE_SEPARATOR.join(f"{k}={v}" for k, v in (variant.attributes or {}).items()),
            ]


def export_products_csv(organization: Organization) -> str:
    """All products of ``organization`` as CSV text (starting with a BOM, ``;``-separated)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    text = [i for i, column in enumerate(COLUMNS) if column in TEXT_COLUMNS]
    for number, row in enumerate(export_rows(organization)):
        if number:
            for i in text:
                row[i] = neutralize_formula(row[i])
        writer.writerow(row)
    return out.getvalue()
