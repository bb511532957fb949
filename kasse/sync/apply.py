"""Writing rows from the cloud into a store node's replica: the snapshot and the feed.

Rows are upserted by primary key. Columns a node owns (``node_fields``) keep
the node's value once the row exists, links to tables that are not
replicated (``node_drops``, e.g. login users) are cleared, customers
are merged by hybrid clock (:mod:`kasse.sync.merge`) and print jobs by their
own rule (:mod:`kasse.printing.syncing`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import models
from django.db.models.deletion import ProtectedError, RestrictedError
from django_scopes import scopes_disabled

from kasse.customers.models import Customer
from kasse.sync.local import clock
from kasse.sync.merge import merge_customer
from kasse.sync.registry import BY_LABEL, SyncSpec, decode_row


class IncompatibleRow(ValueError):
    """A row this version of kasse cannot store (unknown table or column)."""


def _spec(label: str) -> SyncSpec:
    spec = BY_LABEL.get(label)
    if spec is None:
        raise IncompatibleRow(f"unknown table {label!r}")
    return spec


def _decode(spec: SyncSpec, row: dict[str, Any]) -> dict[str, Any]:
    try:
        values = decode_row(spec.model, row)
    except KeyError as exc:
        raise IncompatibleRow(f"{spec.label}: unknown column {exc.args[0]!r}") from exc
    except ValueError as exc:  # a value this version refuses (the table's check)
        raise IncompatibleRow(str(exc)) from exc
    for name in spec.node_drops:
        if name in values:
            values[name] = None
    return values


def upsert_rows(label: str, rows: list[dict[str, Any]]) -> int:
    """Insert or update rows of one table on the node; returns how many were written."""
    spec = _spec(label)
    model = spec.model
    if label == "customers.Customer":
        return _merge_customers(rows)
    decoded = [_decode(spec, row) for row in rows]
    if spec.merge == "print_job":
        from kasse.printing.syncing import apply_print_jobs

        return apply_print_jobs(decoded)
    with scopes_disabled():
        existing = set(model._default_manager.filter(pk__in=[v["id"] for v in decoded]).values_list("pk", flat=True))
    new = [model(**v) for v in decoded if v["id"] not in existing]
    if new:
        model._default_manager.bulk_create(new, batch_size=500)
    changed = [v for v in decoded if v["id"] in existing]
    if changed and not spec.immutable:
        columns = [f.attname for f in model._meta.concrete_fields
                   if not f.primary_key and f.attname not in spec.node_fields]
        objs = [model(**v) for v in changed]
        model._default_manager.bulk_update(objs, [_field_name(model, c) for c in columns], batch_size=500)
    return len(new) + (0 if spec.immutable else len(changed))


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname


def _merge_customers(rows: list[dict[str, Any]]) -> int:
    spec = _spec("customers.Customer")
    with scopes_disabled():
        for row in rows:
            values = _decode(spec, row)
            clocks = values.get("sync_clocks") or {}
            for stamp in clocks.values():
                clock().observe(stamp)
            current = Customer.objects.filter(pk=values["id"]).first()
            if current is None:
                Customer.objects.create(**values)
                continue
            merge_customer(current, values, clocks, base_clocks=None)
            current.customer_number = values.get("customer_number", current.customer_number)
            current.save()
    return len(rows)


def delete_row(label: str, object_id: str) -> None:
    model = _spec(label).model
    # Still referenced here (e.g. by a sale made offline)? Then it stays; harmless.
    with scopes_disabled(), contextlib.suppress(ProtectedError, RestrictedError):
        model._default_manager.filter(pk=object_id).delete()


def apply_events(events: list[dict[str, Any]]) -> int:
    """Apply feed events in sequence order (call inside one transaction with the cursor update)."""
    for event in events:
        if event.get("deleted"):
            delete_row(event["model"], event["id"])
        else:
            upsert_rows(event["model"], [event["row"]])
    return len(events)
