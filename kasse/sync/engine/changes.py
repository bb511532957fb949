"""The one call a write service makes so a change reaches the other side.

``record(kind, objs)`` runs inside the service's transaction, after the write:

* on a store node, rows of tables that sync up (``UP``/``BOTH``) become one
  outbox record, committed together with the change or not at all;
* in the cloud, rows of tables that sync down (``DOWN``/``BOTH``) become change
  events of the organization's feed, and nodes are nudged after the commit;
  rows of a table with a live feed (``SyncSpec.live``: completed sales) also go
  to the owner's live feed.

The feed's sequence numbers come from one counter row per organization that every
writer locks in its transaction: commits happen in sequence order, so a node that
pulled up to ``seq`` can never miss a smaller number committed later.

No signals: services say what they changed (house style).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from kasse.core.channels_bridge import send_to_groups
from kasse.sync.engine.local import is_node
from kasse.sync.engine.registry import Direction, Scope, SyncSpec, encode_row, label_of, organization_label, spec_for
from kasse.sync.models import ChangeEvent, FeedCounter

log = logging.getLogger(__name__)

UP_DIRECTIONS = {Direction.UP, Direction.BOTH}
DOWN_DIRECTIONS = {Direction.DOWN, Direction.BOTH}


def record(kind: str, objs: Iterable[models.Model], *, deleted: Iterable[models.Model] = ()) -> None:
    """Record that the service wrote ``objs`` (and deleted ``deleted``) as one change of ``kind``."""
    objs = list(objs)
    deleted = list(deleted)
    if is_node():
        from kasse.sync.engine.outbox import enqueue

        up = [o for o in objs if (spec := spec_for(o)) is not None and spec.direction in UP_DIRECTIONS]
        if up:
            enqueue(kind, up)
        return
    down = [o for o in objs if (spec := spec_for(o)) is not None and spec.direction in DOWN_DIRECTIONS]
    gone = [o for o in deleted if (spec := spec_for(o)) is not None and spec.direction in DOWN_DIRECTIONS]
    # The nudges and the live rows leave together after the commit: from a request outside an event loop
    # each hop to the channel layer costs a thread with an event loop of its own (``send_to_groups``).
    messages: list[tuple[str, dict[str, Any]]] = []
    if down or gone:
        messages += _append_changes(down, gone)
    live: dict[str, list[models.Model]] = defaultdict(list)
    for obj in objs:
        if (spec := spec_for(obj)) is not None and spec.live is not None:
            live[spec.label].append(obj)
    for objs_of_table in live.values():
        messages += live_messages(spec_for(objs_of_table[0]), objs_of_table)  # type: ignore[arg-type]
    if messages:
        transaction.on_commit(functools.partial(_group_send_all, messages))


# --- Channels groups ---------------------------------------------------------------------------


def sync_group(organization_id: uuid.UUID | str) -> str:
    """The Channels group of an organization's connected store nodes."""
    return f"sync-org-{uuid.UUID(str(organization_id)).hex}"


@functools.lru_cache(maxsize=1024)  # per uploaded sale: its organization's and store's
def live_group(organization_id: uuid.UUID | str) -> str:
    """The Channels group of an organization's back-office live feed: every store's rows
    (owners and all-stores managers listen here)."""
    return f"live-org-{uuid.UUID(str(organization_id)).hex}"


@functools.lru_cache(maxsize=1024)  # per uploaded sale: its organization's and store's
def live_store_group(store_id: uuid.UUID | str) -> str:
    """The Channels group of one store's rows of the live feed (a store-bound manager listens
    to their stores' groups only, so another store's sale never reaches their connection)."""
    return f"live-store-{uuid.UUID(str(store_id)).hex}"


def node_group(node_id: uuid.UUID | str) -> str:
    return f"sync-node-{uuid.UUID(str(node_id)).hex}"


# --- the cloud's change feed ----------------------------------------------------------------------


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
    """Append change events for rows written (and deleted) in the current transaction; nudge the
    organizations' nodes after the commit."""
    nudges = _append_changes(objs, deleted)
    if nudges:
        transaction.on_commit(functools.partial(_group_send_all, nudges))


def _append_changes(objs: list[models.Model], deleted: list[models.Model] = ()) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[assignment]
    """``append_changes`` without the nudges: returns them, one message per organization, to send after the
    commit."""
    nudges: list[tuple[str, dict[str, Any]]] = []
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
            events.append(
                ChangeEvent(
                    organization_id=organization_id,
                    seq=first + offset,
                    store_id=_store_id(spec, obj),
                    model=label_of(obj),
                    object_id=str(obj.pk),
                    deleted=gone,
                    row=None if gone else encode_row(obj),
                    created_at=now,
                )
            )
        ChangeEvent.objects.bulk_create(events)
        last = first + len(items) - 1
        nudges.append(_nudge_message(organization_id, last))
    return nudges


def _org_id(obj: models.Model) -> Any:
    return obj.pk if label_of(obj) == organization_label() else obj.organization_id  # type: ignore[attr-defined]


def _group_send(group: str, message: dict[str, Any]) -> None:
    send_to_groups([(group, message)])  # a missed nudge costs latency, never data: nodes also poll


def nudge(organization_id: Any, seq: int) -> None:
    """Tell the organization's connected nodes that the feed has grown to ``seq``."""
    _group_send(*_nudge_message(organization_id, seq))


def _nudge_message(organization_id: Any, seq: int) -> tuple[str, dict[str, Any]]:
    return sync_group(organization_id), {"type": "sync.nudge", "seq": seq}


# --- the owner's live feed ---------------------------------------------------------------------------


def publish_live(spec: SyncSpec, objs: Sequence[Any]) -> None:
    """After commit, push rows of ``spec``'s table (objects with the row's attributes) to their
    organization's live feed and to their store's, as the table's ``live`` rule words them."""
    messages = live_messages(spec, objs)
    if messages:
        transaction.on_commit(functools.partial(_group_send_all, messages))


def live_messages(spec: SyncSpec, objs: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The live feed's messages for rows of ``spec``'s table: each to its organization's group and its store's."""
    if spec.live is None:
        return []
    messages = []
    for obj in objs:
        message = spec.live(obj)
        if message is None:  # the rule leaves this row out of the feed (a training receipt)
            continue
        messages.append((live_group(obj.organization_id), message))
        if getattr(obj, "store_id", None) is not None:
            messages.append((live_store_group(obj.store_id), message))
    return messages


def _group_send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """``_group_send`` for many messages in one hop to the event loop (an ingested batch has hundreds, a sale
    its nudge and its live rows); a missed message never fails the commit that caused it."""
    send_to_groups(messages)
