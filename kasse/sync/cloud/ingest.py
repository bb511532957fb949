"""The cloud takes a batch of outbox records from a store node.

Each record is answered on its own:

* ``ok``: stored; ``duplicate``: every row was already here (a resend);
* ``quarantined``: accepted but could not be stored as is (a receipt number
  already used on that register): kept whole in a :class:`SyncAnomaly`, never dropped;
* ``retry``: it refers to a row that has not arrived yet (batches can come
  reordered) or the database failed; the node sends it again later;
* ``rejected``: malformed, of another organization or store, or of a table
  that does not sync up; the node keeps it and shows it.

Rows are stored by id, so a record can arrive any number of times. What is
special about a table (a merge, a check, a quarantine, what does not add up)
is a rule of its :class:`~kasse.sync.engine.registry.SyncSpec`, declared in the
``syncing.py`` of the app that owns it; this module runs the rules and knows
no table.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django_scopes import scope

from kasse.sync.cloud.checks import (
    StoreScope,
    batch_refuses_nothing,
    missing_column,
    store_bound,
    stored_stores,
)
from kasse.sync.engine.changes import append_changes, publish_live
from kasse.sync.engine.columns import RowCodec, codec_for, existing_ids, insert_rows, uuid_text
from kasse.sync.engine.registry import (
    BY_LABEL,
    ORDER,
    SPECS,
    Conflict,
    Direction,
    Quarantined,
    SyncSpec,
    UpRow,
    around_upload,
    organization_label,
)
from kasse.sync.models import StoreNode, SyncAnomaly, SyncConflict

log = logging.getLogger(__name__)

UP = {Direction.UP, Direction.BOTH}


class Reject(Exception):
    pass


@dataclass(slots=True)
class Row:
    """One decoded row; ids and foreign keys are canonical UUID texts (see :mod:`kasse.sync.engine.columns`)."""

    spec: SyncSpec
    values: dict[str, Any]
    raw: dict[str, Any]
    meta: dict[str, Any]
    key: tuple[str, str]  # (table, id)


@dataclass
class Parsed:
    id: str
    kind: str
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


@functools.cache
def _up_specs() -> dict[str, tuple[SyncSpec, RowCodec, int, Callable[[dict[str, Any]], dict[str, Any]]]]:
    """Per table a node may send: its spec, its codec, its number of columns (a row that has them all
    lacks no required column) and the codec's compiled decoder (called directly: one call less per row)."""
    return {
        spec.label: (spec, codec, len(spec.model._meta.concrete_fields), codec.decoder)
        for spec in SPECS
        if spec.direction in UP
        for codec in (codec_for(spec.model),)
    }


@functools.cache
def _foreign_keys(model: type[models.Model]) -> tuple[tuple[str, type[models.Model]], ...]:
    return tuple(
        (f.attname, f.related_model)  # type: ignore[misc]
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
    )


@functools.cache
def _foreign_key_reader(label: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values of its table's foreign keys, as a tuple in :func:`_foreign_keys` order, in one step."""
    names = [name for name, _target in _foreign_keys(BY_LABEL[label].model)]
    if len(names) == 1:
        return lambda values: (values[names[0]],)
    return operator.itemgetter(*names)


_TARGETS: set[type[models.Model]] = set()  # every model a synced row may point to (filled as tables are read)


@functools.cache
def _reference_reader(label: str) -> tuple[tuple[type[models.Model], ...], Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """For a table: the models its foreign keys point to, and a function taking a row's values of those keys
    (``None`` where the row has no such column), in one step."""
    model = BY_LABEL[label].model
    keys = _foreign_keys(model)
    _TARGETS.update(target for _name, target in keys)
    names = [name for name, _target in keys]
    width = len(model._meta.concrete_fields)
    every: Callable[[dict[str, Any]], Any] = (
        operator.itemgetter(*names) if len(names) > 1 else lambda values: tuple(values[name] for name in names)
    )

    def take(values: dict[str, Any]) -> tuple[Any, ...]:
        if len(values) == width:  # a whole row (the usual case): all keys at once
            return every(values)
        return tuple(values.get(name) for name in names)

    return tuple(target for _name, target in keys), take


def _parse(organization_id: str, record: Any) -> Parsed:
    if not isinstance(record, dict) or not isinstance(record.get("rows"), list):
        raise Reject("a record needs an id and a list of rows")
    try:
        record_id = uuid_text(record.get("id"))
    except ValueError as exc:
        raise Reject("the record id is not a UUID") from exc
    parsed = Parsed(id=record_id, kind=str(record.get("kind", ""))[:40], raw=record)
    specs = _up_specs()
    append = parsed.rows.append
    for entry in record["rows"]:
        if type(entry) is not list or len(entry) not in (2, 3) or type(entry[1]) is not dict:
            raise Reject("a row is [table, values] or [table, values, meta]")
        found = specs.get(entry[0]) if type(entry[0]) is str else None
        if found is None:
            raise Reject(f"table {entry[0]!r} does not sync from a store node")
        spec, codec, width, decode = found
        if entry[1].get("id") is None:
            raise Reject(f"{spec.label}: a row without id")
        try:
            values = decode(entry[1])  # what RowCodec.decode does, without its own call
        except KeyError as exc:
            raise Reject(f"{spec.label}: unknown column {exc.args[0]!r}") from exc
        except (ValueError, TypeError, ArithmeticError):
            raise Reject(f"{spec.label}: a value is invalid ({codec.column_error(entry[1])})") from None
        if len(values) < width and (column := missing_column(spec.label, values)) is not None:
            raise Reject(f"{spec.label}.{column}: missing (the column is required)")
        if values.get("organization_id") != organization_id:
            raise Reject("a row belongs to another organization")
        if spec.check is not None and (reason := spec.check(values)):
            raise Reject(f"{spec.label}: {reason}")
        meta = entry[2] if len(entry) == 3 and isinstance(entry[2], dict) else {}
        if spec.check_up is not None and (refused := spec.check_up(values, meta)):
            raise Reject(f"{spec.label}.{refused}")
        append(Row(spec, values, entry[1], meta, (spec.label, values["id"])))
    return parsed


class Ingestor:
    """One batch from one node; call :meth:`run`."""

    def __init__(self, node: StoreNode, records: list[Any]) -> None:
        self.node = node
        self.records = records
        self.results: dict[str, dict[str, str]] = {}
        self.received_at = timezone.now()
        self.organization_id = str(node.organization_id)
        self.store_id = str(node.store_id)
        self.clock_ahead: int | None = None  # seconds the node's clock ran ahead in a sale, when too far

    def run(self) -> dict[str, dict[str, str]]:
        parsed: list[Parsed] = []
        for index, record in enumerate(self.records):
            try:
                parsed.append(_parse(self.organization_id, record))
            except Reject as exc:
                key = str(record.get("id")) if isinstance(record, dict) else f"#{index}"
                self.results[key] = {"status": "rejected", "detail": str(exc)}
        with scope(organization=self.node.organization_id), around_upload():
            try:
                self._store_batch(parsed)
            except DatabaseError:
                # One bad record must not hold back the others: store them one at a time.
                log.warning("batch from node %s failed; storing its records one by one", self.node.pk, exc_info=True)
                for record in parsed:
                    self._forget_stored(record)
                    try:
                        with transaction.atomic():
                            self._store([record])
                    except DatabaseError:
                        # The database's text may name rows of other organizations: logged, not answered.
                        log.warning(
                            "record %s from node %s refused by the database", record.id, self.node.pk, exc_info=True
                        )
                        self.results[record.id] = {
                            "status": "retry",
                            "detail": "the cloud's database refused it; sent again later",
                        }
        return self.results

    def _store_batch(self, records: list[Parsed]) -> None:
        """Store a batch in one transaction.

        A batch of insert-only rows (sales and their audit entries: nearly all traffic) is first written
        without asking which of its rows are stored already: a resend then fails on a primary key, nothing
        of the attempt remains, and the batch is stored the careful way, which finds the stored rows and
        answers ``duplicate``. Batches with other rows (customers, shifts) go the careful way at once.
        """
        if all(row.spec.immutable for record in records for row in record.rows):
            try:
                with transaction.atomic():
                    self._store(records, look_up_stored=False)
                return
            except IntegrityError:
                for record in records:
                    self._forget_stored(record)
        with transaction.atomic():
            self._store(records)

    def _forget_stored(self, record: Parsed) -> None:
        """Drop what a rolled-back attempt answered for ``record`` (it is stored again)."""
        if self.results.get(record.id, {}).get("status") in {"ok", "duplicate", "quarantined"}:
            self.results.pop(record.id)

    # --- the steps -------------------------------------------------------------------

    def _store(self, records: list[Parsed], look_up_stored: bool = True) -> None:
        batch: dict[tuple[str, Any], Row] = {}
        for record in records:
            for row in record.rows:
                batch[row.key] = row
        existing = self._existing(batch) if look_up_stored else {}
        records = self._check_references(records, batch, existing)
        records = self._quarantine(records)
        self._write(records, existing)

    def _existing(self, batch: dict[tuple[str, str], Row]) -> dict[str, dict[str, dict[str, Any]]]:
        """Rows of the batch already stored: ids of insert-only tables, current values of the others
        (for merges and checks)."""
        ids: dict[str, list[str]] = defaultdict(list)
        for label, pk in batch:
            ids[label].append(pk)
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for label, pks in ids.items():
            spec = BY_LABEL[label]
            if spec.immutable:
                found[label] = dict.fromkeys(existing_ids(spec.model, pks, self.organization_id), {})
            else:
                found[label] = {str(r["id"]): r for r in spec.model._default_manager.filter(pk__in=pks).values()}
        return found

    def _check_references(
        self, records: list[Parsed], batch: dict[tuple[str, str], Row], existing: dict[str, dict[str, dict[str, Any]]]
    ) -> list[Parsed]:
        """Refuse records that reach into another store (:class:`StoreScope`), and hold back records
        pointing at rows that are neither stored nor in this batch.

        Both are first judged for the whole batch, column by column (each distinct value once); only when
        something is wrong is each record judged on its own, to answer it."""
        rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)  # every row, each state sent
        for record in records:
            for row in record.rows:
                rows_of[row.key[0]].append(row.values)
        columns: dict[str, dict[str, set[Any]]] = {}
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        batch_pks: dict[type[models.Model], set[Any]] = defaultdict(set)
        for label, values in rows_of.items():
            model = BY_LABEL[label].model
            batch_pks[model] |= {v["id"] for v in values}
            of_label = columns[label] = {}
            keys = _foreign_keys(model)
            if not keys:
                continue
            try:
                taken = list(map(_foreign_key_reader(label), values))
            except KeyError:  # a row without some of the columns (an older node's)
                taken = [tuple(v.get(column) for column, _target in keys) for v in values]
            for (column, target), refs in zip(keys, map(set, zip(*taken, strict=True)), strict=True):
                refs.discard(None)  # a column left empty is no reference
                of_label[column] = refs
                wanted[target] |= refs
        stores: dict[str, dict[str, str | None]] = defaultdict(dict)  # where stored rows belong (the database says)
        found_stored: dict[type[models.Model], set[Any]] = {}
        absent = False  # usually every reference is found: nothing to hold back
        for model, pks in wanted.items():
            in_batch = batch_pks[model]
            missing = pks - in_batch
            stored: set[Any] = set()
            label = model._meta.label
            if missing and store_bound(label):
                found = stored_stores(label, missing, self.organization_id)
                stores[label].update(found)
                stored = set(found)
            elif missing and label == organization_label():
                stored = {pk for pk in missing if pk == self.organization_id}
            elif missing and any(f.name == "organization" for f in model._meta.concrete_fields):
                # Of this organization only: a reference into another organization counts as missing.
                stored = existing_ids(model, missing, self.organization_id)
            found_stored[model] = stored
            absent = absent or len(stored) < len(missing)
        resent: set[tuple[str, str]] = set()
        for label, rows in existing.items():
            if rows and store_bound(label):
                resent |= {(label, pk) for pk in rows}
                stores[label].update(stored_stores(label, set(rows), self.organization_id))
        kept = records
        if not batch_refuses_nothing(self.store_id, columns, stores, resent, records):
            flat = {(label, pk): store for label, found in stores.items() for pk, store in found.items()}
            scope_check = StoreScope(self.store_id, batch, flat, resent)
            kept = []
            for record in records:
                reason = scope_check.refusal(record.rows)
                if reason is None:
                    kept.append(record)
                else:
                    self.results[record.id] = {"status": "rejected", "detail": reason}
        if not absent:
            return kept
        present = {(m, pk) for m, pks in wanted.items() for pk in (pks & batch_pks[m]) | found_stored[m]}
        return self._hold_back(kept, present)

    def _hold_back(self, records: list[Parsed], present: set[tuple[type[models.Model], Any]]) -> list[Parsed]:
        """Records pointing at a row not ``present`` wait (``retry``), and so do records pointing at theirs."""
        for label in {row.key[0] for record in records for row in record.rows}:
            _reference_reader(label)  # every table of the batch has named its targets (``_TARGETS``)
        nones = frozenset((target, None) for target in _TARGETS)  # columns left empty are no reference
        record_refs: list[set[tuple[type[models.Model], Any]]] = []
        for record in records:
            refs: set[tuple[type[models.Model], Any]] = set()
            for row in record.rows:
                targets, take = _reference_reader(row.key[0])
                refs.update(zip(targets, take(row.values), strict=True))
            record_refs.append(refs - nones)
        held: set[str] = set()
        held_rows: set[tuple[type[models.Model], Any]] = set()
        changed = True
        while changed:  # a record that depends on a held-back record is held back too
            changed = False
            for record, refs in zip(records, record_refs, strict=True):
                if record.id in held:
                    continue
                waiting = (refs - present) | (refs & held_rows)
                if waiting:
                    target, ref = min(waiting, key=lambda item: (item[0]._meta.label, str(item[1])))
                    held.add(record.id)
                    held_rows |= {(row.spec.model, row.values["id"]) for row in record.rows}
                    self.results[record.id] = {"status": "retry", "detail": f"waiting for {target._meta.label} {ref}"}
                    changed = True
        return [r for r in records if r.id not in held]

    def _quarantine(self, records: list[Parsed]) -> list[Parsed]:
        """Records holding a row its table's ``quarantine`` rule names are kept whole for the owner."""
        by_label: dict[str, list[Row]] = defaultdict(list)
        for record in records:
            for row in record.rows:
                if row.spec.quarantine is not None:
                    by_label[row.spec.label].append(row)
        found: dict[tuple[str, str], Quarantined] = {}
        for label, rows in by_label.items():
            rule = BY_LABEL[label].quarantine
            assert rule is not None
            found.update(((label, pk), why) for pk, why in rule(rows).items())
        if not found:
            return records
        kept: list[Parsed] = []
        for record in records:
            held = next((row for row in record.rows if row.key in found), None)
            if held is None:
                kept.append(record)
                continue
            why = found[held.key]
            SyncAnomaly.objects.get_or_create(
                organization_id=self.node.organization_id,
                kind=why.kind,
                model=held.spec.label,
                object_id=held.values["id"],
                defaults={"node": self.node, "payload": record.raw, "detail": why.detail},
            )
            self.results[record.id] = {"status": "quarantined", "detail": why.answer}
        return kept

    def _write(self, records: list[Parsed], existing: dict[str, dict[str, dict[str, Any]]]) -> None:
        rows_by_label: dict[str, list[Row]] = defaultdict(list)
        for record in records:
            for row in record.rows:
                rows_by_label[row.spec.label].append(row)
        new_keys: set[tuple[str, str]] = set()
        changed_down: list[models.Model] = []
        for label in sorted(rows_by_label, key=ORDER.__getitem__):
            spec = BY_LABEL[label]
            model = spec.model
            stored = existing.get(label, {})
            # A row new to the cloud may come more than once in a batch (an outage opened and ended, a shift
            # opened and closed while the line was down): the records are in the node's commit order, so
            # the last state is inserted (a fact that never changes is the same every time).
            latest: dict[Any, Row] = {}
            for row in rows_by_label[label]:
                pk = row.values["id"]
                if pk in stored:
                    continue
                if pk not in latest or not spec.immutable:
                    latest[pk] = row
            fresh = list(latest.values())
            if fresh:
                inserted = spec.settle_new(fresh, self) if spec.settle_new is not None else [r.values for r in fresh]
                insert_rows(model, inserted, self.received_at)
                new_keys |= {r.key for r in fresh}
                if spec.relay:  # read back: the feed sends them as stored
                    changed_down += list(model._default_manager.filter(pk__in=[r.values["id"] for r in fresh]))
            if spec.immutable:
                continue
            last_of: dict[Any, Row] = {}
            for row in rows_by_label[label]:
                current = stored.get(row.values["id"])
                if current is None:
                    continue
                last_of[row.values["id"]] = row
                obj = self._update(spec, row, current)
                if obj is not None and spec.relay:
                    changed_down.append(obj)
            if spec.published is not None:  # once per row, with its last state in the batch
                for pk, row in last_of.items():
                    spec.published(SimpleNamespace(pk=pk, **{**stored[pk], **row.values}), stored[pk])
        if changed_down:
            append_changes(changed_down)
        for record in records:
            if record.id not in self.results:
                is_new = any(row.key in new_keys for row in record.rows)
                self.results[record.id] = {"status": "ok" if is_new or self._had_updates(record) else "duplicate"}
        self._arrived(records, new_keys)

    # --- what a table's rules may do (:class:`~kasse.sync.engine.registry.Upload`) -----------------------

    def conflicts(self, row: UpRow, found: Sequence[Conflict]) -> None:
        SyncConflict.objects.bulk_create(
            SyncConflict(
                organization_id=self.node.organization_id,
                model=row.spec.label,
                object_id=str(row.values["id"]),
                field=c.field,
                kept_value=_jsonable(c.kept_value),
                kept_clock=c.kept_clock,
                lost_value=_jsonable(c.lost_value),
                lost_clock=c.lost_clock,
                node=self.node,
            )
            for c in found
        )

    def flag(self, row: UpRow, kind: str, detail: dict[str, Any]) -> None:
        SyncAnomaly.objects.get_or_create(
            organization_id=self.node.organization_id,
            kind=kind,
            model=row.spec.label,
            object_id=str(row.values["id"]),
            defaults={"node": self.node, "detail": detail},
        )

    def note_clock_ahead(self, seconds: int) -> None:
        self.clock_ahead = max(self.clock_ahead or 0, seconds)

    @staticmethod
    def _had_updates(record: Parsed) -> bool:
        return any(not row.spec.immutable for row in record.rows)

    def _update(self, spec: SyncSpec, row: Row, current: dict[str, Any]) -> models.Model | None:
        """A row stored already, sent again (changed): merged by its table's rule, or its ``up_fields``
        overwritten unless the rule keeps the stored row. Returns the merged object (to relay it)."""
        if spec.merge_up is not None:
            return spec.merge_up(row, self)
        if spec.keeps_stored is not None and spec.keeps_stored(current, row.values):
            return None  # e.g. an older state arrived late
        model = spec.model
        fields = spec.up_fields or {f.attname for f in model._meta.concrete_fields if not f.primary_key}
        updates = {name: row.values[name] for name in fields if name in row.values}
        model._default_manager.filter(pk=row.values["id"]).update(**updates)
        return None

    def _arrived(self, records: list[Parsed], new_keys: set[tuple[str, Any]]) -> None:
        """New rows meet their table's ``arrived`` rule (e.g. a sale that does not add up is flagged) and go
        to the owner's live feed when the table has one."""
        live: dict[str, list[SimpleNamespace]] = defaultdict(list)
        published: dict[tuple[str, Any], tuple[Row, SimpleNamespace]] = {}
        for record in records:
            for row in record.rows:
                spec = row.spec
                if (spec.arrived is None and spec.live is None and spec.published is None) or row.key not in new_keys:
                    continue
                if spec.arrived is not None:
                    spec.arrived(row, record.rows, self)
                if spec.live is None and spec.published is None:
                    continue
                # Rows were inserted from these very values (inserts only): no need to read them back.
                obj = SimpleNamespace(pk=row.values["id"], **row.values)
                if spec.published is not None:
                    published[row.key] = (row, obj)  # a row sent twice in the batch: its last state, once
                if spec.live is not None:
                    live[spec.label].append(obj)
        for label, objs in live.items():
            publish_live(BY_LABEL[label], objs)
        for row, obj in published.values():
            row.spec.published(obj, None)  # type: ignore[misc]


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
