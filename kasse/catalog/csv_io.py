"""CSV import of products, one row per variant (the file's columns and the export: :mod:`kasse.catalog.csv_export`).

The import takes what the export writes (UTF-8 with a byte order mark, ``;``, decimal comma), or ``,``-separated
files with a decimal point, with or without the BOM.

Import rules:

* Rows with the same product name (and no known SKU) become one product; the
  ``variant`` column names each variant.
* A row whose SKU exists updates that variant (and its product's fields).
* A column missing from the file leaves that field as it is (or at its default).
* **All or nothing**: every row is checked, through the same services the back
  office uses, inside one transaction; if any row is wrong the transaction is
  rolled back and the result lists every error by line.

Formulas: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection). The export puts an
apostrophe before such a text cell (and before one that already starts with
apostrophes followed by such a character), so it shows as text; the import
takes one such apostrophe away again, so a file exported and imported again
gives back the original values.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasse.catalog.csv_export import (
    BARCODE_SEPARATOR,
    COLUMN_ALIASES,
    COLUMNS,
    FALSE_WORDS,
    MAX_CELL_CHARS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    PRODUCT_LEVEL,
    TEXT_COLUMNS,
    TRUE_WORDS,
    VAT_ALIASES,
    restore_formula,
)
from kasse.catalog.models import Category, Product, Unit, Variant
from kasse.catalog.services import VariantData, check_organization_catalog, parse_price, save_category, save_product
from kasse.core.actors import Actor
from kasse.core.vat import VatClass
from kasse.tenancy.models import Organization

# --- Import results -----------------------------------------------------------------------------


@dataclass
class RowError:
    """One problem, on a line of the file (``line=None``: the file as a whole)."""

    line: int | None
    message: str
    column: str = ""

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return _("Line %(line)d, column “%(column)s”: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportedRow:
    line: int
    product: str
    variant: str
    created: bool


@dataclass
class ImportResult:
    """What an import did, or (``dry_run``) would do; ``errors`` means it did nothing."""

    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    rows: list[ImportedRow] = field(default_factory=list)
    created_products: int = 0
    updated_products: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        if not self.ok:
            return ngettext(
                "Nothing was imported: the file has %(count)d error.",
                "Nothing was imported: the file has %(count)d errors.",
                len(self.errors),
            ) % {"count": len(self.errors)}
        created = ngettext("%(count)d new product", "%(count)d new products", self.created_products) % {
            "count": self.created_products
        }
        updated = ngettext("%(count)d changed product", "%(count)d changed products", self.updated_products) % {
            "count": self.updated_products
        }
        if self.dry_run:
            return _("The file is fine. Importing it would give %(created)s and %(updated)s.") % {
                "created": created,
                "updated": updated,
            }
        return _("Imported: %(created)s and %(updated)s.") % {"created": created, "updated": updated}


# --- Import: reading rows -----------------------------------------------------------------------


class _RowProblem(Exception):
    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class _Row:
    line: int
    present: set[str]
    name: str = ""
    sku: str = ""
    variant: str = ""
    category: str = ""
    price: Decimal | None = None
    cost_price: Decimal | None = None
    vat_class: str = ""
    unit: str = ""
    is_measured: bool | None = None
    track_stock: bool | None = None
    active: bool | None = None
    barcodes: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    target: Variant | None = None  # the existing variant this row updates


class _TooLarge(Exception):
    """The file is larger than ``MAX_IMPORT_BYTES``."""


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _decode(file: IO[bytes] | bytes | str) -> str:
    raw: bytes | str = file if isinstance(file, bytes | str) else file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise _TooLarge
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Excel versions save "CSV (Trennzeichen-getrennt)" in Windows-1252.
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=first.count)


def _flag_value(raw: str, column: str) -> bool | None:
    word = raw.strip().lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _RowProblem(
        _("“%(value)s” in column “%(column)s” is not yes or no (use 1 or 0).") % {"value": raw, "column": column}
    )


def _price_value(raw: str, column: str) -> Decimal | None:
    try:
        return parse_price(raw, column, required=False)
    except ValidationError as exc:
        raise _RowProblem(" ".join(exc.messages), column) from exc


def _parse_row(line: int, header: list[str], cells: list[str]) -> _Row:
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise _RowProblem(_("A cell has more than %(max)s characters.") % {"max": _grouped(MAX_CELL_CHARS)})
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        raise _RowProblem(
            _("The row has %(found)d fields, but the header only %(expected)d.")
            % {"found": len(cells), "expected": len(header)}
        )
    values = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header) if col}
    values = {col: restore_formula(value) if col in TEXT_COLUMNS else value for col, value in values.items()}
    row = _Row(line=line, present=set(values))
    row.name = values.get("name", "")
    if not row.name:
        raise _RowProblem(_("The name is missing."))
    row.sku = values.get("sku", "")
    row.variant = values.get("variant", "")
    row.category = values.get("category", "")
    row.price = _price_value(values.get("price", ""), "price")
    row.cost_price = _price_value(values.get("cost_price", ""), "cost_price")
    vat = values.get("vat_class", "")
    vat = VAT_ALIASES.get(vat.replace(" ", ""), vat.lower())
    if "vat_class" in values and vat not in VatClass.values:
        raise _RowProblem(
            _("Unknown VAT class “%(value)s”. Use one of: %(choices)s.")
            % {"value": values["vat_class"], "choices": ", ".join(VatClass.values)}
        )
    row.vat_class = vat
    unit = values.get("unit", "").lower().replace(" ", "")
    if "unit" in values and unit not in Unit.values:
        raise _RowProblem(
            _("Unknown unit “%(value)s”. Use one of: %(choices)s.")
            % {"value": values["unit"], "choices": ", ".join(Unit.values)}
        )
    row.unit = unit
    row.is_measured = _flag_value(values.get("is_measured", ""), "is_measured")
    row.track_stock = _flag_value(values.get("track_stock", ""), "track_stock")
    row.active = _flag_value(values.get("active", ""), "active")
    row.barcodes = [c.strip() for c in values.get("barcodes", "").split(BARCODE_SEPARATOR) if c.strip()]
    for pair in values.get("attributes", "").split(BARCODE_SEPARATOR):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise _RowProblem(_("Write attributes as “name=value”, separated by “|” (e.g. “Size=M|Colour=blue”)."))
        row.attributes[key.strip()] = value.strip()
    return row


def _read_rows(text: str, result: ImportResult) -> list[_Row]:
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header: list[str] | None = None
    rows: list[_Row] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a cell longer than the csv module reads (128 KiB) or a broken quote
            result.errors.append(
                RowError(
                    reader.line_num,
                    _("This line cannot be read: a cell has more than %(max)s characters or an unclosed quote.")
                    % {"max": _grouped(MAX_CELL_CHARS)},
                )
            )
            return []
        if len(rows) >= MAX_IMPORT_ROWS:
            result.errors.append(
                RowError(
                    None,
                    _("The file has more than %(max)s rows; please split it.") % {"max": _grouped(MAX_IMPORT_ROWS)},
                )
            )
            return []
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower().replace(" ", "_") for c in cells]
            header = [COLUMN_ALIASES.get(c, c) for c in header]
            unknown = [c for c in header if c and c not in COLUMNS]
            if unknown:
                result.errors.append(
                    RowError(
                        reader.line_num,
                        _("Unknown column(s): %(columns)s. Known columns: %(known)s.")
                        % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)},
                    )
                )
            if "name" not in header:
                result.errors.append(RowError(reader.line_num, _("The column “name” is missing.")))
            if result.errors:
                return []
            continue
        try:
            rows.append(_parse_row(reader.line_num, header, cells))
        except _RowProblem as exc:
            result.errors.append(RowError(reader.line_num, exc.message, exc.column))
    if header is None:
        result.errors.append(RowError(None, _("The file is empty.")))
    elif not rows and not result.errors:
        result.errors.append(RowError(None, _("The file has a header but no products.")))
    return rows


# --- Import: grouping rows into products --------------------------------------------------------


@dataclass
class _Group:
    product: Product | None
    rows: list[_Row] = field(default_factory=list)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _group_rows(organization: Organization, rows: list[_Row], result: ImportResult) -> list[_Group]:
    by_sku: dict[str, Variant] = {}
    skus = sorted({r.sku for r in rows if r.sku})
    for chunk in _chunks(skus):
        for variant in Variant.objects.filter(organization=organization, sku__in=chunk).select_related("product"):
            by_sku[variant.sku] = variant
    by_name: dict[str, list[Product]] = {}
    names = sorted({r.name for r in rows})
    for chunk in _chunks(names):
        for named in Product.objects.filter(organization=organization, name__in=chunk):
            by_name.setdefault(named.name, []).append(named)

    groups: dict[Any, _Group] = {}
    targeted: dict[uuid.UUID, int] = {}
    for row in rows:
        if row.sku in by_sku:
            row.target = by_sku[row.sku]
            product: Product | None = row.target.product
        elif len(by_name.get(row.name, [])) == 1:
            product = by_name[row.name][0]
            if not row.sku:
                row.target = next(
                    (v for v in product.variants.all() if v.name.casefold() == row.variant.casefold()), None
                )
        else:
            product = None
        if row.target is not None:
            if row.target.pk in targeted:
                result.errors.append(
                    RowError(
                        row.line,
                        _("This row changes the same variant as line %(line)d.") % {"line": targeted[row.target.pk]},
                    )
                )
                continue
            targeted[row.target.pk] = row.line
        key = ("id", product.pk) if product is not None else ("new", row.name.casefold())
        groups.setdefault(key, _Group(product=product)).rows.append(row)
    for group in groups.values():
        _check_consistent(group, result)
    return list(groups.values())


def _check_consistent(group: _Group, result: ImportResult) -> None:
    first = group.rows[0]
    for row in group.rows[1:]:
        for column in PRODUCT_LEVEL:
            if column in row.present and column in first.present and getattr(row, column) != getattr(first, column):
                result.errors.append(
                    RowError(
                        row.line,
                        _("“%(column)s” differs from line %(line)d of the same product “%(name)s”.")
                        % {"column": column, "line": first.line, "name": first.name},
                    )
                )


# --- Import: writing ----------------------------------------------------------------------------


def _own(value: Decimal | None, product_value: Decimal | None) -> Decimal | None:
    """A variant's own amount: empty when it equals the product's."""
    return None if value == product_value else value


def _product_data(group: _Group, categories: dict[str, Category | None]) -> dict[str, Any]:
    first = group.rows[0]
    data: dict[str, Any] = {"name": first.name}
    if "category" in first.present:
        data["category"] = categories.get(first.category.casefold()) if first.category else None
    for column in ("vat_class", "unit"):
        if column in first.present:
            data[column] = getattr(first, column)
    for column in ("is_measured", "track_stock"):
        if getattr(first, column) is not None:
            data[column] = getattr(first, column)
    return data


def _variant_data(
    row: _Row,
    existing: Variant | None,
    product_price: Decimal | None,
    product_cost: Decimal | None,
    codes: list[str],
    *,
    row_active: bool = True,
) -> VariantData:
    return VariantData(
        id=existing.pk if existing else None,
        name=row.variant if ("variant" in row.present or existing is None) else existing.name,
        sku=row.sku or (existing.sku if existing else ""),
        price=(
            _own(row.price, product_price)
            if "price" in row.present and row.price is not None
            else (existing.price if existing else None)
        ),
        cost_price=(
            _own(row.cost_price, product_cost)
            if "cost_price" in row.present
            else (existing.cost_price if existing else None)
        ),
        barcodes=row.barcodes if "barcodes" in row.present else codes,
        attributes=row.attributes if "attributes" in row.present else (existing.attributes if existing else {}),
        is_active=(row.active if row_active and row.active is not None else (existing.is_active if existing else True)),
    )


def _product_active(group: _Group, untouched: list[bool], data: dict[str, Any]) -> bool:
    """Set the product's active flag from the ``active`` column; whether rows set their variants' flags.

    The export writes 0 for every variant of an inactive product, so a product
    is active when any of its variants is; if none is, the product is made
    inactive and its variants keep their own flags.
    """
    actives = [r.active for r in group.rows if r.active is not None]
    if not actives:
        return True
    data["is_active"] = any(actives) or any(untouched)
    return bool(data["is_active"])


def _plan(
    group: _Group, categories: dict[str, Category | None]
) -> tuple[dict[str, Any], list[VariantData], list[_Row]]:
    """``save_product`` arguments for a group, and which row each variant came from."""
    data = _product_data(group, categories)
    first = group.rows[0]
    variants: list[VariantData] = []
    sources: list[_Row] = []
    if group.product is None:
        data["price"] = first.price
        if "cost_price" in first.present:
            data["cost_price"] = first.cost_price
        row_active = _product_active(group, [], data)
        for row in group.rows:
            variants.append(_variant_data(row, None, first.price, first.cost_price, [], row_active=row_active))
            sources.append(row)
        return data, variants, sources

    product = group.product
    existing = list(product.variants.prefetch_related("barcodes").order_by("position", "name"))
    by_target = {row.target.pk: row for row in group.rows if row.target is not None}
    simple = len(existing) == 1 and not existing[0].name and len(group.rows) == 1 and first.target is not None
    product_price, product_cost = product.price, product.cost_price
    if simple:
        if first.price is not None:
            data["price"] = product_price = first.price
        if "cost_price" in first.present:
            data["cost_price"] = product_cost = first.cost_price
    untouched = [v.is_active and product.is_active for v in existing if v.pk not in by_target]
    row_active = _product_active(group, untouched, data)
    for variant in existing:
        codes = [b.code for b in variant.barcodes.all()]
        target_row = by_target.get(variant.pk)
        if target_row is None:
            variants.append(
                VariantData(
                    id=variant.pk,
                    name=variant.name,
                    sku=variant.sku,
                    price=variant.price,
                    cost_price=variant.cost_price,
                    barcodes=codes,
                    attributes=variant.attributes,
                    is_active=variant.is_active,
                )
            )
            sources.append(first)
        else:
            variants.append(
                _variant_data(target_row, variant, product_price, product_cost, codes, row_active=row_active)
            )
            sources.append(target_row)
    for row in group.rows:
        if row.target is None:
            variants.append(_variant_data(row, None, product_price, product_cost, [], row_active=row_active))
            sources.append(row)
    return data, variants, sources


def _ensure_categories(
    actor: Actor, organization: Organization, rows: list[_Row], result: ImportResult
) -> dict[str, Category | None]:
    categories: dict[str, Category | None] = {}
    for category in Category.objects.filter(organization=organization).order_by("parent_id", "position"):
        categories.setdefault(category.name.casefold(), category)
    for row in rows:
        if row.category and row.category.casefold() not in categories:
            try:
                with transaction.atomic():
                    categories[row.category.casefold()] = save_category(
                        actor=actor, organization=organization, data={"name": row.category}
                    )
            except ValidationError as exc:
                result.errors.append(RowError(row.line, " ".join(exc.messages)))
                categories[row.category.casefold()] = None
    return categories


def import_products_csv(
    *, actor: Actor, organization: Organization, file: IO[bytes] | bytes | str, dry_run: bool = False
) -> ImportResult:
    """Import products from CSV, all or nothing. ``dry_run`` checks and reports, but keeps nothing."""
    result = ImportResult(dry_run=dry_run)
    try:
        check_organization_catalog(actor, organization)
    except ValidationError as exc:
        result.errors.append(RowError(None, exc.messages[0]))
        return result
    try:
        text = _decode(file)
    except _TooLarge:
        result.errors.append(
            RowError(
                None,
                _("The file is larger than %(size)d MB; please split it.")
                % {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        )
        return result
    rows = _read_rows(text, result)
    if not rows:
        return result
    with transaction.atomic():
        groups = _group_rows(organization, rows, result)
        categories = _ensure_categories(actor, organization, rows, result)
        bad_lines = {e.line for e in result.errors}
        for group in groups:
            if any(row.line in bad_lines for row in group.rows):
                continue  # already reported; still check the other groups
            data, variants, sources = _plan(group, categories)
            creating = group.product is None
            try:
                with transaction.atomic():
                    save_product(
                        actor=actor, organization=organization, data=data, variants=variants, product=group.product
                    )
            except ValidationError as exc:
                index = getattr(exc, "variant_index", None)
                line = sources[index].line if index is not None and index < len(sources) else group.rows[0].line
                for message in exc.messages:
                    result.errors.append(RowError(line, message))
                continue
            if creating:
                result.created_products += 1
            else:
                result.updated_products += 1
            result.rows.extend(
                ImportedRow(line=r.line, product=r.name, variant=r.variant, created=creating or r.target is None)
                for r in group.rows
            )
        result.errors.sort(key=lambda e: e.line or 0)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    if result.errors:
        result.rows = []
        result.created_products = result.updated_products = 0
    return result
