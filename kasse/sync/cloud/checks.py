"""What the cloud checks in a node's rows before it stores any of them.

* **Required columns** (:func:`missing_column`): a row must carry every column that has no default (text
  columns default to ``""``) and may not be empty; a row that lacks one is refused naming table and column
  (an old node's bug, or a hand-made push), never a database error.
* **The table's own checks** (``SyncSpec.check``, ``SyncSpec.check_up``, declared in its app's ``syncing.py``),
  e.g. malformed clock stamps of a customer.
* **The node's store** (:class:`StoreScope`): every row a node sends belongs to its store — rows it
  creates, rows already stored that it sends again, and every column that points at a store or at a row of
  a store (register, shift, sale, sale line, printer, goods receipt …). A reference is resolved by the
  stored row when there is one (the database, not the node, says where it belongs), else by the row of the
  same batch it points to. Rows that are part of another (``SyncSpec.part_of``: a sale's lines, VAT rows and
  payments) travel in the record of that row, and a row already stored never gains a part.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models

from kasse.sync.engine.registry import BY_LABEL, PartOf, Scope, organization_label, store_label

MISSING = object()  # a referenced row that is neither stored nor in the batch (the record waits)


# --- columns -------------------------------------------------------------------------------


@functools.cache
def _required(label: str) -> frozenset[str]:
    spec = BY_LABEL[label]
    return frozenset(
        f.attname
        for f in spec.model._meta.concrete_fields
        if not f.null
        and f.get_default() is None
        and not f.primary_key
        and f.attname not in spec.up_omit
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
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


# --- the node's store --------------------------------------------------------------------------


@functools.cache
def store_bound(label: str) -> bool:
    spec = BY_LABEL.get(label)
    return label == store_label() or (spec is not None and spec.scope is Scope.STORE)


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
    if label == store_label():
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
    query = (
        query.filter(pk=organization_id)
        if label == organization_label()
        else query.filter(organization_id=organization_id)
    )
    return {
        str(pk): (None if store is None else str(store)) for pk, store in query.values_list("pk", _store_lookup(label))
    }


class StoreScope:
    """Resolves where rows belong. ``stored`` holds the stores of stored rows (references, and rows of the
    batch that are stored already); ``batch`` the rows under way, by ``(table, id)``."""

    def __init__(
        self,
        store_id: str,
        batch: dict[tuple[str, str], Any],
        stored: dict[tuple[str, str], str | None],
        existing: set[tuple[str, str]],
    ) -> None:
        self.store_id = store_id
        self.batch = batch
        self.stored = stored
        self.existing = existing  # rows of the batch that are stored already (known on the careful path)
        self._resolved: dict[tuple[str, str], Any] = {}  # a sale's lines, VAT rows … all ask for the sale

    def store_of(self, label: str, pk: str, hops: int = 0) -> Any:
        key = (label, pk)
        if key in self.stored:
            return self.stored[key]
        if key in self._resolved:
            return self._resolved[key]
        found = self._store_of(key, hops)
        if hops == 0 or found is not MISSING:  # a row reached over a long chain may be found from nearer
            self._resolved[key] = found
        return found

    def _store_of(self, key: tuple[str, str], hops: int) -> Any:
        label, pk = key
        if label == store_label():
            return pk
        row = self.batch.get(key)
        if row is None or hops > 3:
            return MISSING
        spec = row.spec
        if spec.scope is not Scope.STORE:
            return None
        column, target = _store_hop(label)
        value = row.values.get(column)
        if target is None or value is None:
            return None if value is None else str(value)
        return self.store_of(target, str(value), hops + 1)

    def refusal(self, rows: list[Any]) -> str | None:
        """Why a record may not be stored by this node, or ``None``. The reasons never say whether an id
        exists in another organization: such a row counts as missing (the record waits)."""
        ids: set[tuple[str, str]] | None = None  # the rows of this record (made when a part needs them)
        own = self.store_id
        for row in rows:
            label = row.key[0]
            bound, links, part_of, whole_label = _rules(label)
            values = row.values
            if bound and row.key in self.existing:
                current = self.stored.get(row.key, MISSING)
                if current is not MISSING and current is not None and current != own:
                    return f"{label}: the stored row with this id belongs to another store"
            for attname, target, is_store in links:
                ref = values.get(attname)
                if ref is None:
                    continue
                store = str(ref) if is_store else self.store_of(target, str(ref))
                if store is not MISSING and store is not None and store != own:
                    return f"{label}.{attname}: points to a {target.split('.')[1]} of another store"
            if part_of is not None:
                if ids is None:
                    ids = {r.key for r in rows}
                whole = (whole_label, values.get(part_of.column))
                if whole not in ids:
                    return f"{label}.{part_of.column}: {part_of.apart}"
                if whole in self.existing and row.key not in self.existing:
                    return f"{label}: {part_of.sealed}"
        return None


def batch_refuses_nothing(
    own: str,
    columns: dict[str, dict[str, set[Any]]],
    stored: dict[str, dict[str, str | None]],
    existing: set[tuple[str, str]],
    records: list[Any],
) -> bool:
    """Whether :meth:`StoreScope.refusal` refuses no record of a batch, judged for the whole batch at once
    (the usual case: then no record needs a check of its own; otherwise each record is judged alone, for
    its reason). ``columns`` holds, per table of the batch, the values of each of its foreign keys over all
    its rows; ``stored`` the stores of stored rows by table and id; ``existing`` the rows of the batch that
    are stored already.

    The checks of :meth:`StoreScope.refusal`, except that a row under way is not followed to its store:
    every row of the batch is checked here itself, and each step of a row's ``store_path`` is one of its
    checked store links or its ``part_of`` link to a row of the same record (:func:`_batch_rules`), so
    when all pass, every row under way belongs to the node's store. Only stored rows are looked up."""
    allowed = {own, None}
    for key in existing:
        known = stored.get(key[0])
        if known is not None and known.get(key[1]) not in allowed:
            return False
    for label, values in columns.items():
        rules = _batch_rules(label)
        if rules is None:
            return False
        for column, (target, is_store, textual) in rules.items():
            refs = values.get(column)
            if not refs:
                continue
            if not textual:
                refs = {str(ref) for ref in refs}
            if is_store:
                if refs - allowed:
                    return False
                continue
            known = stored.get(target)
            if known and any(known[ref] not in allowed for ref in refs & known.keys()):
                return False
    for record in records:
        ids: set[tuple[str, str]] | None = None
        for row in record.rows:
            part = _part_rule(row.key[0])
            if part is None:
                continue
            if ids is None:
                ids = {r.key for r in record.rows}
            whole = (part[1], row.values.get(part[0].column))
            if whole not in ids or (whole in existing and row.key not in existing):
                return False
    return True


@functools.cache
def _batch_rules(label: str) -> dict[str, tuple[str, bool, bool]] | None:
    """A table's store links for :func:`batch_refuses_nothing`: ``{column: (target table, holds a store's id,
    its values are canonical UUID texts)}``; ``None`` when the way to its store is not among them (its
    records are then judged one by one)."""
    _bound, links, part_of, _whole = _rules(label)
    spec = BY_LABEL[label]
    if spec.scope is Scope.STORE:
        column, _target = _store_hop(label)
        if column not in {attname for attname, _t, _s in links} and (part_of is None or part_of.column != column):
            return None
    fields = {f.attname: f for f in spec.model._meta.concrete_fields}
    return {
        attname: (target, is_store, isinstance(fields[attname].target_field, models.UUIDField))  # type: ignore[attr-defined]
        for attname, target, is_store in links
    }


@functools.cache
def _part_rule(label: str) -> tuple[PartOf, str] | None:
    part_of = BY_LABEL[label].part_of
    return None if part_of is None else (part_of, part_target(label))


@functools.cache
def _rules(label: str) -> tuple[bool, tuple[tuple[str, str, bool], ...], PartOf | None, str]:
    """What :meth:`StoreScope.refusal` checks in a row of ``label``, looked up once per table: whether it
    is store-bound, its store links (with whether the column holds a store's id itself), and the row it is
    part of (and that row's table). A part's link to its whole is not followed: the whole travels in the
    same record (checked), so its own check covers where it belongs."""
    part_of = BY_LABEL[label].part_of
    links = tuple(
        (attname, target, target == store_label())
        for attname, target in store_links(label)
        if part_of is None or attname != part_of.column
    )
    return store_bound(label), links, part_of, part_target(label) if part_of is not None else ""


@functools.cache
def _store_hop(label: str) -> tuple[str, str | None]:
    """The column of a store-bound table that leads to its store, and the table it points to (``None``:
    the column holds the store's id)."""
    spec = BY_LABEL[label]
    if "." not in spec.store_path:
        return spec.store_path, None
    fk, _rest = spec.store_path.split(".", 1)
    return f"{fk}_id", spec.model._meta.get_field(fk).related_model._meta.label  # type: ignore[union-attr]


@functools.cache
def part_target(label: str) -> str:
    """The table of the row a ``part_of`` row belongs to."""
    spec = BY_LABEL[label]
    assert spec.part_of is not None
    column = spec.part_of.column
    f = next(f for f in spec.model._meta.concrete_fields if f.attname == column)
    return f.related_model._meta.label  # type: ignore[union-attr]
