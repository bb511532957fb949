"""What the cloud serves a store node of its change feed: the events after its cursor, and the pairing
snapshot. Events are written by :func:`kasse.sync.engine.changes.append_changes`; a table's ``for_node`` rule
shapes its rows for the node of one store (e.g. PIN digests only of the store's employees).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models
from django_scopes import scopes_disabled

from kasse.sync.engine.registry import BY_LABEL, SPECS, Direction, Scope, SyncSpec, encode_row, organization_label
from kasse.sync.models import ChangeEvent, FeedCounter, StoreNode

SNAPSHOT_DIRECTIONS = {Direction.DOWN, Direction.BOTH, Direction.UP, Direction.LOCAL}


def events_since(node: StoreNode, cursor: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
    """Events of the node's organization after ``cursor`` that the node receives.

    Returns ``(events, new_cursor, more)``; ``new_cursor`` also moves past
    events meant for other stores, so a node never re-reads them.
    """
    rows = list(
        ChangeEvent.objects.filter(organization_id=node.organization_id, seq__gt=cursor)
        .order_by("seq")
        .values("seq", "store_id", "model", "object_id", "deleted", "row")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    new_cursor = rows[-1]["seq"] if rows else cursor
    events = [
        {"seq": r["seq"], "model": r["model"], "id": r["object_id"], "deleted": r["deleted"], "row": r["row"]}
        for r in rows
        if r["store_id"] is None or r["store_id"] == node.store_id
    ]
    return _for_node_store(events, node), new_cursor, more


def _for_node_store(events: list[dict[str, Any]], node: StoreNode) -> list[dict[str, Any]]:
    """Rows of tables with a ``for_node`` rule, as the node of its store receives them."""
    shaped: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        spec = BY_LABEL.get(event["model"])
        if spec is not None and spec.for_node is not None and event["row"]:
            shaped.setdefault(spec.label, []).append(event)
    for label, of_table in shaped.items():
        rule = BY_LABEL[label].for_node
        assert rule is not None
        for event, row in zip(of_table, rule([e["row"] for e in of_table], node.store_id), strict=True):
            event["row"] = row
    return events


def current_seq(organization_id: Any) -> int:
    counter = FeedCounter.objects.filter(organization_id=organization_id).first()
    return counter.seq if counter else 0


def _snapshot_queryset(spec: SyncSpec, node: StoreNode) -> models.QuerySet[Any]:
    model = spec.model
    with scopes_disabled():
        if spec.label == organization_label():
            qs = model._default_manager.filter(pk=node.organization_id)
        else:
            qs = model._default_manager.filter(organization_id=node.organization_id)
        if spec.scope is Scope.STORE:
            qs = qs.filter(**{spec.store_path.replace(".", "__"): node.store_id})
        if spec.snapshot_filter:
            qs = qs.filter(**spec.snapshot_filter)
        # Foreign keys are checked at commit (deferred on SQLite and PostgreSQL), so the
        # node's one snapshot transaction may hold a child before its parent.
    return qs.order_by("pk")


def snapshot(node: StoreNode) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every row a node starts from, table by table in dependency order, in chunks."""
    for spec in SPECS:
        if spec.direction not in SNAPSHOT_DIRECTIONS:
            continue
        chunk: list[dict[str, Any]] = []
        with scopes_disabled():
            for obj in _snapshot_queryset(spec, node).iterator(chunk_size=2000):
                chunk.append(encode_row(obj))
                if len(chunk) >= 2000:
                    yield spec.label, _snapshot_rows(spec.label, chunk, node)
                    chunk = []
        if chunk:
            yield spec.label, _snapshot_rows(spec.label, chunk, node)


def _snapshot_rows(label: str, rows: list[dict[str, Any]], node: StoreNode) -> list[dict[str, Any]]:
    rule = BY_LABEL[label].for_node
    return rule(rows, node.store_id) if rule is not None else rows
