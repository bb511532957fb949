"""The cloud's per-organization change feed, the pairing snapshot, and the nudges.

Sequence numbers come from one counter row per organization that every writer
locks in its transaction: commits happen in sequence order, so a node that
pulled up to ``seq`` can never miss a smaller number committed later.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.sync.models import ChangeEvent, FeedCounter, StoreNode
from kasse.sync.registry import SPECS, Direction, Scope, SyncSpec, encode_row, label_of, spec_for

log = logging.getLogger(__name__)

SNAPSHOT_DIRECTIONS = {Direction.DOWN, Direction.BOTH, Direction.UP, Direction.LOCAL}


def sync_group(organization_id: uuid.UUID | str) -> str:
    """The Channels group of an organization's connected store nodes."""
    return f"sync-org-{uuid.UUID(str(organization_id)).hex}"


def live_group(organization_id: uuid.UUID | str) -> str:
    """The Channels group of an organization's back-office live feed."""
    return f"live-org-{uuid.UUID(str(organization_id)).hex}"


def node_group(node_id: uuid.UUID | str) -> str:
    return f"sync-node-{uuid.UUID(str(node_id)).hex}"


def _store_id(spec: SyncSpec, obj: models.Model) -> Any:
    if spec.scope is not Scope.STORE:
        return None
    value: Any = obj
    path = spec.store_path.split(".")
    for part in path[:-1]:
        value = getattr(value, part)
    return getattr(value, path[-1])


def _reserve(organization_id: Any, count: int) -> int:
    """Reserve ``count`` sequence numbers; returns the first. Locks the counter row until commit."""
    try:
        with transaction.atomic():
            FeedCounter.objects.get_or_create(organization_id=organization_id)
    except IntegrityError:  # created concurrently by another process
        pass
    counter = FeedCounter.objects.select_for_update().get(organization_id=organization_id)
    first = counter.seq + 1
    FeedCounter.objects.filter(pk=counter.pk).update(seq=counter.seq + count)
    return first


def append_changes(objs: list[models.Model], deleted: list[models.Model] = ()) -> None:  # type: ignore[assignment]
    """Append change events for rows written (and deleted) in the current transaction."""
    by_org: dict[Any, list[tuple[models.Model, bool]]] = defaultdict(list)
    for obj in deleted:  # deletions first: a unique code can move from a deleted row to a new one
        by_org[_org_id(obj)].append((obj, True))
    for obj in objs:
        by_org[_org_id(obj)].append((obj, False))
    now = timezone.now()
    for organization_id, items in by_org.items():
        first = _reserve(organization_id, len(items))
        events = []
        for offset, (obj, gone) in enumerate(items):
            spec = spec_for(obj)
            assert spec is not None
            events.append(ChangeEvent(
                organization_id=organization_id, seq=first + offset, store_id=_store_id(spec, obj),
                model=label_of(obj), object_id=str(obj.pk), deleted=gone,
                row=None if gone else encode_row(obj), created_at=now,
            ))
        ChangeEvent.objects.bulk_create(events)
        last = first + len(items) - 1
        transaction.on_commit(functools.partial(nudge, organization_id, last))


def _org_id(obj: models.Model) -> Any:
    return obj.pk if label_of(obj) == "tenancy.Organization" else obj.organization_id  # type: ignore[attr-defined]


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a missed nudge costs latency, never data: nodes also poll
        log.exception("could not send to %s", group)


def nudge(organization_id: Any, seq: int) -> None:
    """Tell the organization's connected nodes that the feed has grown to ``seq``."""
    _group_send(sync_group(organization_id), {"type": "sync.nudge", "seq": seq})


def publish_live(kind: str, objs: Sequence[models.Model]) -> None:
    """After commit, push a completed sale or refund to the organization's live feed."""
    from kasse.sales.models import Sale

    publish_live_sales([o for o in objs if isinstance(o, Sale)])


def publish_live_sales(sales: Sequence[Any]) -> None:
    """After commit, push sales (objects with a sale's attributes) to their organization's live feed."""
    messages = [(live_group(sale.organization_id), live_message(sale)) for sale in sales]
    if messages:
        transaction.on_commit(functools.partial(_group_send_all, messages))


def _group_send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """``_group_send`` for many messages in one hop to the event loop (an ingested batch has hundreds)."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, message in messages:
            try:
                await layer.group_send(group, message)
            except Exception:  # a missed live event costs a refresh of the page, never data
                log.exception("could not send to %s", group)

    try:
        async_to_sync(send_all)()
    except Exception:  # as _group_send: a missed live event never fails the commit that caused it
        log.exception("could not send %d live events", len(messages))


def live_message(sale: Any) -> dict[str, Any]:
    return {
        "type": "live.sale",
        "sale": {
            "id": str(sale.pk), "kind": sale.kind, "store_id": str(sale.store_id),
            "register_id": str(sale.register_id), "receipt_number": sale.receipt_number,
            "total": str(sale.total), "employee": sale.employee_name,
            "completed_at": sale.completed_at.isoformat(),
        },
    }


def events_since(node: StoreNode, cursor: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
    """Events of the node's organization after ``cursor`` that the node receives.

    Returns ``(events, new_cursor, more)``; ``new_cursor`` also moves past
    events meant for other stores, so a node never re-reads them.
    """
    rows = list(
        ChangeEvent.objects.filter(organization_id=node.organization_id, seq__gt=cursor)
        .order_by("seq").values("seq", "store_id", "model", "object_id", "deleted", "row")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    new_cursor = rows[-1]["seq"] if rows else cursor
    events = [
        {"seq": r["seq"], "model": r["model"], "id": r["object_id"], "deleted": r["deleted"], "row": r["row"]}
        for r in rows if r["store_id"] is None or r["store_id"] == node.store_id
    ]
    return _for_node_store(events, node), new_cursor, more


def _for_node_store(events: list[dict[str, Any]], node: StoreNode) -> list[dict[str, Any]]:
    """Employee rows carry a PIN digest only to nodes of stores the employee works in (tenancy.syncing)."""
    from kasse.tenancy.syncing import EMPLOYEE, employee_rows_for_store

    people = [e for e in events if e["model"] == EMPLOYEE and e["row"]]
    if people:
        for event, row in zip(people, employee_rows_for_store([e["row"] for e in people], node.store_id),
                              strict=True):
            event["row"] = row
    return events


def current_seq(organization_id: Any) -> int:
    counter = FeedCounter.objects.filter(organization_id=organization_id).first()
    return counter.seq if counter else 0


def _snapshot_queryset(spec: SyncSpec, node: StoreNode) -> models.QuerySet[Any]:
    model = spec.model
    with scopes_disabled():
        if spec.label == "tenancy.Organization":
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
    from kasse.tenancy.syncing import EMPLOYEE, employee_rows_for_store

    return employee_rows_for_store(rows, node.store_id) if label == EMPLOYEE else rows
