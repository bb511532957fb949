"""What the cloud checks in a node's rows before it stores any of them.

* **Required columns** (:func:`missing_column`): a row must carry every column that has no default (text
  columns default to ``""``) and may not be empty; a row that lacks one is refused naming table and column
  (an old node's bug, or a hand-made push), never a database error.
* **Clock stamps** (:func:`bad_clock_stamp`): a customer's ``sync_clocks`` and the ``base_clocks`` it came
  with are ``{field: "<ms>-<counter>-<origin>"}``; anything else is refused before the merge compares it.
* **The node's store** (:class:`StoreScope`): every row a node sends belongs to its store — rows it
  creates, rows already stored that it sends again, and every column that points at a store or at a row of
  a store (register, shift, sale, sale line, printer, goods receipt …). A reference is resolved by the
  stored row when there is one (the database, not the node, says where it belongs), else by the row of the
  same batch it points to. A sale's lines, VAT rows and payments travel in the record of their sale, and a
  receipt already stored never gains a row.
* **Sales that do not add up** (:func:`sale_anomalies`): stored as they happened and flagged.
"""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import models

from kasse.sync.models import AnomalyKind
from kasse.sync.registry import BY_LABEL, Scope

STORE_LABEL = "tenancy.Store"
SALE_PARTS = frozenset({"sales.SaleLine", "sales.SaleVat", "sales.Payment"})
CLOCK_TOLERANCE = timedelta(minutes=5)
# A sale completed this long before it reaches the cloud is flagged: longer than any outage a node is built
# for (30 days), so it points at a wrong clock (a dead CMOS battery), not at a late line.
DATED_TOLERANCE = timedelta(days=62)
MISSING = object()  # a referenced row that is neither stored nor in the batch (the record waits)
_STAMP = re.compile(r"\d{13}-\d{5}-[A-Za-z0-9_]{1,40}").fullmatch


# --- columns -------------------------------------------------------------------------------


@functools.cache
def _required(label: str) -> frozenset[str]:
    spec = BY_LABEL[label]
    return frozenset(
        f.attname for f in spec.model._meta.concrete_fields
        if not f.null and f.get_default() is None and not f.primary_key and f.attname not in spec.up_omit
        and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
    )


@functools.cache
def _width(label: str) -> int:
    return len(BY_LABEL[label].model._meta.concrete_fields)


def missing_column(label: str, values: dict[str, Any]) -> str | None:
    """The first required column a row lacks (``None``: complete). A whole row is complete at once."""
    if len(values) >= _width(label):
        return None
    missing = sorted(_required(label) - values.keys())
    return missing[0] if missing else None


def bad_clock_stamp(stamps: Any) -> str | None:
    """Why a ``{field: stamp}`` map is malformed, or ``None``."""
    if stamps is None:
        return None
    if not isinstance(stamps, dict):
        return "not an object of field: stamp"
    for name, stamp in stamps.items():
        if type(stamp) is not str or (stamp and not _STAMP(stamp)):  # "": the field had no stamp yet
            return f"the stamp of {str(name)[:60]!r} is not <13-digit ms>-<5-digit counter>-<origin>"
    return None


# --- the node's store --------------------------------------------------------------------------


@functools.cache
def store_bound(label: str) -> bool:
    spec = BY_LABEL.get(label)
    return label == STORE_LABEL or (spec is not None and spec.scope is Scope.STORE)


@functools.cache
def store_links(label: str) -> tuple[tuple[str, str], ...]:
    """A table's columns that point at a store or at a row of one store: ``(attname, target label)``."""
    model = BY_LABEL[label].model
    links = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey):
            target = f.related_model._meta.label  # type: ignore[union-attr]
            if store_bound(target):
                links.append((f.attname, target))
    return tuple(links)


@functools.cache
def _store_lookup(label: str) -> str:
    """The ``values_list`` path from a store-bound table to its store's id."""
    if label == STORE_LABEL:
        return "pk"
    *hops, last = BY_LABEL[label].store_path.split(".")
    return "__".join([*hops, last.removesuffix("_id")])


def stored_stores(label: str, ids: set[str], organization_id: str) -> dict[str, str | None]:
    """``{id: store id}`` of the rows of ``ids`` stored in this organization (others count as missing)."""
    if not ids:
        return {}
    model = BY_LABEL[label].model if label in BY_LABEL else None
    if model is None:
        from django.apps import apps

        model = apps.get_model(label)
    query = model._base_manager.filter(pk__in=list(ids))
    query = query.filter(pk=organization_id) if label == "tenancy.Organization" else query.filter(
        organization_id=organization_id)
    return {str(pk): (None if store is None else str(store))
            for pk, store in query.values_list("pk", _store_lookup(label))}


class StoreScope:
    """Resolves where rows belong. ``stored`` holds the stores of stored rows (references, and rows of the
    batch that are stored already); ``batch`` the rows under way, by ``(table, id)``."""

    def __init__(self, store_id: str, batch: dict[tuple[str, str], Any],
                 stored: dict[tuple[str, str], str | None], existing: set[tuple[str, str]]) -> None:
        self.store_id = store_id
        self.batch = batch
        self.stored = stored
        self.existing = existing  # rows of the batch that are stored already (known on the careful path)

    def store_of(self, label: str, pk: str, hops: int = 0) -> Any:
        key = (label, pk)
        if key in self.stored:
            return self.stored[key]
        if label == STORE_LABEL:
            return pk
        row = self.batch.get(key)
        if row is None or hops > 3:
            return MISSING
        spec = row.spec
        if spec.scope is not Scope.STORE:
            return None
        if "." not in spec.store_path:
            value = row.values.get(spec.store_path)
            return None if value is None else str(value)
        fk, _rest = spec.store_path.split(".", 1)
        target = spec.model._meta.get_field(fk).related_model._meta.label  # type: ignore[union-attr]
        value = row.values.get(f"{fk}_id")
        return None if value is None else self.store_of(target, str(value), hops + 1)

    def refusal(self, rows: list[Any]) -> str | None:
        """Why a record may not be stored by this node, or ``None``. The reasons never say whether an id
        exists in another organization: such a row counts as missing (the record waits)."""
        sales = {row.values["id"] for row in rows if row.spec.label == "sales.Sale"}
        stored_sales = {pk for pk in sales if ("sales.Sale", pk) in self.existing}
        for row in rows:
            label = row.spec.label
            if row.key in self.existing and store_bound(label):
                current = self.stored.get(row.key, MISSING)
                if current is not MISSING and current is not None and current != self.store_id:
                    return f"{label}: the stored row with this id belongs to another store"
            for attname, target in store_links(label):
                ref = row.values.get(attname)
                if ref is None:
                    continue
                store = self.store_of(target, str(ref))
                if store is not MISSING and store is not None and store != self.store_id:
                    return f"{label}.{attname}: points to a {target.split('.')[1]} of another store"
            if label in SALE_PARTS:
                sale_id = row.values.get("sale_id")
                if sale_id not in sales:
                    return f"{label}.sale_id: a sale's lines, VAT rows and payments travel in the record of their sale"
                if sale_id in stored_sales and row.key not in self.existing:
                    return f"{label}: the sale is stored already; a finished receipt never changes"
        return None


# --- sales that do not add up ----------------------------------------------------------------


def sale_anomalies(sale: dict[str, Any], lines: list[dict[str, Any]], vats: list[dict[str, Any]],
                   payments: list[dict[str, Any]], received_at: Any) -> list[tuple[str, dict[str, str]]]:
    """What does not add up in a sale as received (recomputed from its lines)."""
    found: list[tuple[str, dict[str, str]]] = []
    total = Decimal(sale["total"])
    line_sum = sum((Decimal(line["total"]) for line in lines), Decimal("0"))
    if line_sum != total:
        found.append((AnomalyKind.TOTALS, {"total": str(total), "lines": str(line_sum)}))
    vat_sum = sum((Decimal(v["gross"]) for v in vats), Decimal("0"))
    if vats and vat_sum != total:
        found.append((AnomalyKind.VAT, {"total": str(total), "vat_gross": str(vat_sum)}))
    paid = sum((Decimal(p["amount"]) for p in payments), Decimal("0"))
    if paid != total:
        found.append((AnomalyKind.PAYMENTS, {"total": str(total), "paid": str(paid)}))
    if total < 0 and sale.get("kind") != "refund":
        found.append((AnomalyKind.NEGATIVE, {"total": str(total), "kind": str(sale.get("kind", ""))}))
    completed = sale.get("completed_at")
    if completed is not None and completed > received_at + CLOCK_TOLERANCE:
        found.append((AnomalyKind.CLOCK, {"completed_at": completed.isoformat(),
                                          "received_at": received_at.isoformat()}))
    elif completed is not None and completed < received_at - DATED_TOLERANCE:
        found.append((AnomalyKind.DATED, {"completed_at": completed.isoformat(),
                                          "received_at": received_at.isoformat()}))
    return found
