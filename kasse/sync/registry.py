"""Which tables sync, in which direction, and how a row travels.

One table, one :class:`SyncSpec`. ``DOWN`` tables are owned by the cloud and
reach nodes through the change feed; ``UP`` tables are born on a node and
reach the cloud through its outbox; ``BOTH`` tables are written in both places
and merged by the rules named in their spec; ``LOCAL`` tables are copied to a
node when it pairs and are its own from then on (counters, parked carts). :data:`SPECS` is in dependency
order: a row's foreign keys point only to tables earlier in the list (or to
itself), which is the order snapshots and ingestion apply them in.

A row travels as ``{attname: JSON value}`` of the model's concrete fields
(binary columns as base64).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.module_loading import import_string


class Direction(StrEnum):
    DOWN = "down"
    UP = "up"
    BOTH = "both"
    LOCAL = "local"  # copied to the node when it pairs, then the node's own (never synced again)


class Scope(StrEnum):
    ORGANIZATION = "organization"  # every node of the organization gets the rows
    STORE = "store"  # only the node of the row's store (``store_path`` leads to it)


@dataclass(frozen=True)
class SyncSpec:
    label: str  # "app_label.ModelName"
    direction: Direction
    scope: Scope = Scope.ORGANIZATION
    store_path: str = "store_id"  # attname, or "register.store_id" style path through one FK
    immutable: bool = False  # inserted once, never changed afterwards (facts: sales, movements, audit)
    up_fields: frozenset[str] | None = None  # fields an upload may change on an existing row (None: all)
    node_fields: frozenset[str] = field(default_factory=frozenset)  # kept on the node when the feed updates
    node_drops: frozenset[str] = field(default_factory=frozenset)  # set to NULL on the node (not replicated)
    merge: str = ""  # "hlc": per-field last writer wins by hybrid logical clock; "print_job": see printing.syncing
    snapshot_filter: dict[str, Any] = field(default_factory=dict)  # extra filter when pairing
    up_omit: frozenset[str] = field(default_factory=frozenset)  # columns a node does not send up (bulky, cloud's)
    check: str = ""  # dotted path of ``check(values) -> reason``: a row with a reason is refused (both ways)

    @functools.cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @functools.cached_property
    def checker(self) -> Callable[[dict[str, Any]], str] | None:
        return import_string(self.check) if self.check else None


D, U, B, L = Direction.DOWN, Direction.UP, Direction.BOTH, Direction.LOCAL
ORG, STORE = Scope.ORGANIZATION, Scope.STORE

SPECS: list[SyncSpec] = [
    SyncSpec("tenancy.Organization", D),
    SyncSpec("tenancy.Store", D),
    SyncSpec("tenancy.Register", D, STORE),
    SyncSpec("tenancy.Employee", D, node_drops=frozenset({"user_id"})),
    SyncSpec("tenancy.StoreRole", D),
    SyncSpec("catalog.Category", D),
    SyncSpec("catalog.Product", D),
    SyncSpec("catalog.Variant", D),
    SyncSpec("catalog.Barcode", D),
    SyncSpec("catalog.StorePrice", D, STORE),
    SyncSpec("register.RegisterSettings", D, STORE),
    SyncSpec("printing.Printer", D, STORE),
    SyncSpec("printing.RegisterPrinter", D, STORE, "printer.store_id"),
    SyncSpec("peripherals.Scanner", D, STORE),
    SyncSpec("peripherals.PoleDisplay", D, STORE),
    SyncSpec("register.PairingCode", B, STORE, "register.store_id", up_fields=frozenset({"used_at"}),
             node_fields=frozenset({"used_at"}), node_drops=frozenset({"created_by_id"})),
    SyncSpec("register.RegisterDevice", B, STORE, "register.store_id", up_fields=frozenset({"last_seen_at", "name"}),
             node_fields=frozenset({"last_seen_at"})),
    SyncSpec("customers.Customer", B, merge="hlc"),
    SyncSpec("sales.Shift", U, STORE, snapshot_filter={"status": "open"}),
    SyncSpec("sales.CashMovement", U, STORE, "shift.store_id", immutable=True,
             snapshot_filter={"shift__status": "open"}),
    SyncSpec("sales.RegisterCounter", L, STORE, "register.store_id"),
    # Of the sales, a pairing node gets those of open shifts (its X and Z reports need them).
    SyncSpec("sales.Sale", U, STORE, immutable=True, snapshot_filter={"shift__status": "open"}),
    SyncSpec("sales.SaleLine", U, STORE, "sale.store_id", immutable=True,
             snapshot_filter={"sale__shift__status": "open"}),
    SyncSpec("sales.SaleVat", U, STORE, "sale.store_id", immutable=True,
             snapshot_filter={"sale__shift__status": "open"}),
    SyncSpec("sales.Payment", U, STORE, "sale.store_id", immutable=True,
             snapshot_filter={"sale__shift__status": "open"}),
    # Print jobs of a store with a node are the node's to print: queued in the cloud they come down, the
    # node sends their outcome up (never the bytes). A pairing node takes the store's queued ones.
    SyncSpec("printing.PrintJob", B, STORE, "printer.store_id", merge="print_job",
             up_fields=frozenset({"status", "attempts", "retries", "manual_retry", "error", "error_detail",
                                  "send_started_at", "finished_at", "next_attempt_at", "updated_at"}),
             up_omit=frozenset({"payload"}), node_drops=frozenset({"sale_id", "shift_id"}),
             check="kasse.printing.syncing.check_print_job",
             snapshot_filter={"on_node": True, "status": "queued"}),
    SyncSpec("printing.PrinterState", U, STORE, "printer.store_id", check="kasse.printing.syncing.check_printer_state",
             snapshot_filter={"pk__in": []}),
    # What the node's runner sees of its scanners and pole displays (id = the device's id; see device_states).
    SyncSpec("peripherals.ScannerState", U, STORE, "scanner.store_id",
             check="kasse.peripherals.states.check_scanner_state", snapshot_filter={"pk__in": []}),
    SyncSpec("peripherals.PoleDisplayState", U, STORE, "display.store_id",
             check="kasse.peripherals.states.check_display_state", snapshot_filter={"pk__in": []}),
    # Goods receipts are booked in the cloud's back office; their header comes down before its movements.
    SyncSpec("inventory.GoodsReceipt", D, STORE, immutable=True),
    SyncSpec("inventory.StockMovement", B, STORE, immutable=True, node_drops=frozenset({"sale_line_id"})),
    SyncSpec("register.Cart", L, STORE, snapshot_filter={"status": "parked"}),
    SyncSpec("register.CartLine", L, STORE, "cart.store_id", snapshot_filter={"cart__status": "parked"}),
    SyncSpec("core.AuditEntry", U, immutable=True, node_drops=frozenset({"actor_user_id"}),
             snapshot_filter={"pk__in": []}),
]

BY_LABEL: dict[str, SyncSpec] = {spec.label: spec for spec in SPECS}
ORDER: dict[str, int] = {spec.label: index for index, spec in enumerate(SPECS)}


def label_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label  # "app_label.ModelName"


def spec_for(obj: models.Model | type[models.Model] | str) -> SyncSpec | None:
    return BY_LABEL.get(obj if isinstance(obj, str) else label_of(obj))


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
    if spec is not None and spec.checker is not None and (reason := spec.checker(values)):
        raise ValueError(f"{spec.label}: {reason}")
    return values


def store_of_row(spec: SyncSpec, row: dict[str, Any], lookup: Any = None) -> str | None:
    """The store id a STORE-scoped row belongs to (``lookup(label, id) -> row`` follows one FK)."""
    if spec.scope is not Scope.STORE:
        return None
    if "." not in spec.store_path:
        return row.get(spec.store_path)
    fk, rest = spec.store_path.split(".", 1)
    target_id = row.get(f"{fk}_id")
    if target_id is None or lookup is None:
        return None
    model = spec.model
    target_label = model._meta.get_field(fk).related_model._meta.label  # type: ignore[union-attr]
    target = lookup(target_label, target_id)
    return None if target is None else target.get(rest)
