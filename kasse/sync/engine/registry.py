"""Which tables sync, in which direction, how a row travels, and the rules of each table.

One table, one :class:`SyncSpec`, declared by the app that owns the table in its ``syncing.py`` and
registered with :func:`register` (the sync app imports every app's ``syncing`` module when Django starts).
The engine knows no table of its own: what is special about a table (a merge rule, a check, when a row is
quarantined, what happens after it was applied) is a field of its spec, never a branch on its name.

``DOWN`` tables are owned by the cloud and reach nodes through the change feed; ``UP`` tables are born on
a node and reach the cloud through its outbox; ``BOTH`` tables are written in both places and merged by
the rules named in their spec; ``LOCAL`` tables are copied to a node when it pairs and are its own from
then on (counters, parked carts). :data:`SPECS` is in dependency order: a row's foreign keys point only to
tables earlier in the list (or to itself), which is the order snapshots and ingestion apply them in; it is
sorted by the foreign keys when tables are registered, in the order of ``INSTALLED_APPS`` where the
keys leave a choice.

A row travels as ``{attname: JSON value}`` of the model's concrete fields (binary columns as base64).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.fields.files import FieldFile


class Direction(StrEnum):
    DOWN = "down"
    UP = "up"
    BOTH = "both"
    LOCAL = "local"  # copied to the node when it pairs, then the node's own (never synced again)


class Scope(StrEnum):
    ORGANIZATION = "organization"  # every node of the organization gets the rows
    STORE = "store"  # only the node of the row's store (``store_path`` leads to it)


class Role(StrEnum):
    """A table the tenancy rests on: its row's id *is* an organization's or a store's id."""

    ORGANIZATION = "organization"
    STORE = "store"


# --- what a table's rules receive --------------------------------------------------------------------


class UpRow(Protocol):
    """One row of a node's upload, decoded (ids and foreign keys as canonical UUID texts)."""

    spec: SyncSpec
    values: dict[str, Any]
    raw: dict[str, Any]  # as the node sent it
    meta: dict[str, Any]  # the entry's third element (e.g. the clock stamps an edit was based on)
    key: tuple[str, str]  # (table, id)


@dataclass(frozen=True)
class Conflict:
    """Two places changed one field concurrently: the value kept and the value lost, with their stamps."""

    field: str
    kept_value: Any
    kept_clock: str
    lost_value: Any
    lost_clock: str


class Upload(Protocol):
    """What a table's cloud rules may do while the cloud stores one batch from a node."""

    node: Any  # the sending ``StoreNode``
    organization_id: str
    received_at: dt.datetime

    def conflicts(self, row: UpRow, found: Sequence[Conflict]) -> None:
        """Keep conflicts of ``row`` for the owner (``SyncConflict``)."""

    def flag(self, row: UpRow, kind: str, detail: dict[str, Any]) -> None:
        """Keep an anomaly of ``row`` for the owner (``SyncAnomaly``); the row is stored as it came."""

    def note_clock_ahead(self, seconds: int) -> None:
        """The node's clock ran ``seconds`` ahead of the cloud's (the push answer warns it)."""


@dataclass(frozen=True)
class PartOf:
    """Rows that travel only in the record of the row they belong to (a sale's lines), which never
    changes once stored. The reasons are what the cloud answers when a row breaks the rule."""

    column: str  # the foreign key to the row they belong to
    apart: str  # the reason when that row is not in the same record
    sealed: str  # the reason when that row is stored already and this row is new


@dataclass(frozen=True)
class Quarantined:
    """A row the cloud accepts but cannot store as is: its whole record is kept for the owner's review."""

    kind: str  # an ``AnomalyKind``
    detail: dict[str, Any]
    answer: str  # what the node is told


@dataclass(frozen=True)
class Released:
    """How a quarantined record is booked after the owner's review (its table's ``release`` rule says)."""

    record: dict[str, Any]  # the record to store, as the rule changed it
    detail: dict[str, Any]  # added to the anomaly's detail
    audit: dict[str, Any]  # the audit entry's detail
    store_id: Any  # the store whose node must continue after what was booked (its positions moved)
    booked: Any  # what the owner is told (the booked number)


# --- the spec ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncSpec:
    """How one table syncs. Only ``label`` and ``direction`` are required; every rule is optional."""

    label: str  # "app_label.ModelName"
    direction: Direction
    scope: Scope = Scope.ORGANIZATION
    store_path: str = "store_id"  # attname, or "register.store_id" style path through one FK
    immutable: bool = False  # inserted once, never changed afterwards (facts: sales, movements, audit)
    role: Role | None = None  # the organization or store table itself
    up_fields: frozenset[str] | None = None  # fields an upload may change on an existing row (None: all)
    node_fields: frozenset[str] = field(default_factory=frozenset)  # kept on the node when the feed updates
    node_drops: frozenset[str] = field(default_factory=frozenset)  # set to NULL on the node (not replicated)
    snapshot_filter: dict[str, Any] = field(default_factory=dict)  # extra filter when pairing
    up_omit: frozenset[str] = field(default_factory=frozenset)  # columns a node does not send up (bulky, cloud's)
    on_register_screen: bool = False  # the registers' pages reload grid and cart when a pull changed it

    # Both ways: ``check(values) -> reason``; a row with a reason is refused whole (by the cloud: rejected;
    # by a node: the feed event is set aside).
    check: Callable[[dict[str, Any]], str] | None = None

    # --- the cloud, taking a node's upload -----------------------------------------------------------
    # ``check_up(values, meta) -> "column: reason"`` (or None): the record is rejected naming the column.
    check_up: Callable[[dict[str, Any], dict[str, Any]], str | None] | None = None
    part_of: PartOf | None = None
    # New rows: ``settle_new(rows, upload) -> values to insert`` (one per row, in order), e.g. a unique
    # code taken meanwhile is cleared and the conflict kept.
    settle_new: Callable[[Sequence[UpRow], Upload], list[dict[str, Any]]] | None = None
    # Stored rows: ``merge_up(row, upload) -> the merged object`` instead of overwriting ``up_fields``.
    merge_up: Callable[[UpRow, Upload], models.Model] | None = None
    # ``keeps_stored(current, values) -> True`` when the stored row stays as it is (the upload is older news).
    keeps_stored: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None
    relay: bool = False  # rows a node inserted or merged go down the feed again, as stored
    # ``quarantine(rows of the batch) -> {row id: Quarantined}``: records holding such a row are kept whole.
    quarantine: Callable[[Sequence[UpRow]], dict[str, Quarantined]] | None = None
    # ``release(record as received, row id) -> Released``: how the owner books a quarantined record (raises
    # ``ValidationError`` when it cannot be booked); called in the transaction that stores it.
    release: Callable[[dict[str, Any], str], Released] | None = None
    # ``arrived(row, rows of its record, upload)`` once for every new row (flag what does not add up).
    arrived: Callable[[UpRow, Sequence[UpRow], Upload], None] | None = None
    # ``live(obj) -> message`` for the owner's live feed when a row arrives in the cloud (from a node or a
    # service there); ``obj`` has the row's attributes.
    live: Callable[[Any], dict[str, Any] | None] | None = None  # None from the rule: not on the feed
    # ``published(obj, before)`` in the cloud for a row a node's upload inserted (``before`` None) or changed
    # (``before``: the values stored until then); ``obj`` has the row's attributes. It publishes the row's
    # events to notifications and webhooks (kasse/notifications), after the upload's commit.
    published: Callable[[Any, dict[str, Any] | None], None] | None = None
    # ``for_node(rows, store_id) -> rows`` as the node of that store receives them (feed and snapshot).
    for_node: Callable[[list[dict[str, Any]], Any], list[dict[str, Any]]] | None = None

    # --- a node, taking the cloud's rows -------------------------------------------------------------
    # ``apply(decoded rows) -> how many changed`` instead of the upsert by id.
    apply: Callable[[list[dict[str, Any]]], int] | None = None
    # ``pulled(events)`` after a pull applied events of this table, inside its transaction.
    pulled: Callable[[list[dict[str, Any]]], None] | None = None

    @functools.cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


@dataclass(frozen=True)
class NodeHooks:
    """What an app does in the cloud when a store gains or loses its node (inside that transaction)."""

    paired: Callable[[Any], object] | None = None  # ``paired(store_id)``
    retired: Callable[[Any], dict[str, Any]] | None = None  # ``retired(store_id) -> details for the audit entry``


@dataclass(frozen=True)
class Numbering:
    """Numbers a node hands out per register (receipts, Z reports), which must continue after the cloud's
    after a restore: ``positions(store_id) -> {register id: {name: highest}}`` in the cloud,
    ``catch_up({register id: {name: highest}}) -> {register id: receipt moved to}`` on the node."""

    positions: Callable[[Any], dict[str, dict[str, int]]]
    catch_up: Callable[[dict[str, Any]], dict[str, int]]


SPECS: list[SyncSpec] = []  # in dependency order
BY_LABEL: dict[str, SyncSpec] = {}
ORDER: dict[str, int] = {}
NODE_HOOKS: list[NodeHooks] = []
NUMBERING: list[Numbering] = []
# Context managers a node's whole upload is ingested inside (each once, however many apps name it): e.g.
# notifications' ``publishing_batch``, so that the ``published`` rules of hundreds of rows hand on together.
AROUND_UPLOAD: list[Callable[[], AbstractContextManager[Any]]] = []
_registered: list[SyncSpec] = []  # in registration order


def register(
    *specs: SyncSpec,
    node_hooks: NodeHooks | None = None,
    numbering: Numbering | None = None,
    around_upload: Callable[[], AbstractContextManager[Any]] | None = None,
) -> None:
    """Declare an app's synced tables (and its hooks). Called once, from the app's ``syncing`` module."""
    if around_upload is not None and around_upload not in AROUND_UPLOAD:
        AROUND_UPLOAD.append(around_upload)
    for spec in specs:
        if spec.label in BY_LABEL:
            raise ImproperlyConfigured(f"sync: {spec.label} is registered twice")
        _registered.append(spec)
        BY_LABEL[spec.label] = spec
    if node_hooks is not None:
        NODE_HOOKS.append(node_hooks)
    if numbering is not None:
        NUMBERING.append(numbering)
    if specs:
        _sort()


def around_upload() -> ExitStack:
    """Everything the apps asked a node's upload to be ingested inside (``register(around_upload=...)``)."""
    stack = ExitStack()
    for factory in AROUND_UPLOAD:
        stack.enter_context(factory())
    return stack


def _sort() -> None:
    """Dependency order: a table after the synced tables its foreign keys point to; registration order
    where the keys leave a choice."""
    depends: dict[str, set[str]] = {}
    for spec in _registered:
        targets = {
            f.related_model._meta.label  # type: ignore[union-attr]
            for f in spec.model._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
        }
        depends[spec.label] = (targets & BY_LABEL.keys()) - {spec.label}
    placed: list[SyncSpec] = []
    done: set[str] = set()
    waiting = list(_registered)
    while waiting:
        ready = next((spec for spec in waiting if depends[spec.label] <= done), None)
        if ready is None:
            raise ImproperlyConfigured(f"sync: foreign keys form a cycle among {[s.label for s in waiting]}")
        waiting.remove(ready)
        placed.append(ready)
        done.add(ready.label)
    SPECS[:] = placed
    ORDER.clear()
    ORDER.update((spec.label, index) for index, spec in enumerate(placed))


def label_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label  # "app_label.ModelName"


def spec_for(obj: models.Model | type[models.Model] | str) -> SyncSpec | None:
    return BY_LABEL.get(obj if isinstance(obj, str) else label_of(obj))


def label_with(role: Role) -> str:
    """The table that plays ``role`` (the organization or the store table)."""
    for spec in SPECS:
        if spec.role is role:
            return spec.label
    raise ImproperlyConfigured(f"sync: no table is registered as the {role} table")


@functools.cache
def organization_label() -> str:
    return label_with(Role.ORGANIZATION)


@functools.cache
def store_label() -> str:
    return label_with(Role.STORE)


def _encode(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""  # the file's path in storage; the bytes do not travel
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")  # BinaryField.to_python decodes it
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def encode_row(obj: models.Model, omit: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The row as JSON-safe values, keyed by column attribute name (without the columns in ``omit``)."""
    return {f.attname: _encode(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if f.attname not in omit}


@functools.cache
def _fields_by_attname(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    return {f.attname: f for f in model._meta.concrete_fields}


def decode_row(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    """Typed values for ``model(**values)``; unknown keys raise ``KeyError`` (a newer schema), values the
    table's ``check`` refuses raise ``ValueError``."""
    fields = _fields_by_attname(model)
    values: dict[str, Any] = {}
    for key, raw in row.items():
        f = fields[key]
        if raw is None or isinstance(f, models.JSONField):
            values[key] = raw
        elif isinstance(f, models.ForeignKey):
            values[key] = f.target_field.to_python(raw)
        else:
            values[key] = f.to_python(raw)
    spec = BY_LABEL.get(model._meta.label)
    if spec is not None and spec.check is not None and (reason := spec.check(values)):
        raise ValueError(f"{spec.label}: {reason}")
    return values
