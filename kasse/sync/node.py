"""What a store node does with the cloud: pair, push its outbox, pull the feed.

Each step is one function over the database and a :class:`CloudClient`, so
the runner (:mod:`kasse.sync.runner`), the CLI and the tests share them.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.sync import outbox
from kasse.sync.apply import apply_events, upsert_rows
from kasse.sync.client import CloudClient, CloudRefused
from kasse.sync.models import NodeState, OutboxRecord
from kasse.sync.protocol import PULL_LIMIT, PUSH_BATCH_SIZE, PUSH_IN_FLIGHT

log = logging.getLogger(__name__)


class AlreadyPaired(Exception):
    pass


def pair(cloud_url: str, code: str, name: str = "") -> NodeState:
    """Redeem ``code`` at the cloud, download the replica, and store the credential.

    All or nothing: the snapshot and the node state commit in one transaction.
    """
    with scopes_disabled():
        if NodeState.objects.exists():
            raise AlreadyPaired("This store node is already paired. Use a new data directory to pair again.")
    client = CloudClient(cloud_url)
    answer = client.pair(code, name)
    client.token = answer["token"]
    data = client.snapshot()
    with scopes_disabled(), transaction.atomic():
        for label, rows in data["tables"]:
            upsert_rows(label, rows)
        state = NodeState.objects.create(
            id=answer["node_id"], organization_id=answer["organization_id"], store_id=answer["store_id"],
            cloud_url=client.base, token=answer["token"], customer_number_base=answer["customer_number_base"],
            cursor=data["cursor"], last_pull_at=timezone.now(), last_contact_at=timezone.now(),
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the catalog search plans by these statistics
    from kasse.sync import local

    local.clock.cache_clear()
    return state


def state() -> NodeState | None:
    with scopes_disabled():
        return NodeState.objects.first()


def client_for(node: NodeState, timeout: float = 15.0) -> CloudClient:
    return CloudClient(node.cloud_url, node.token, timeout=timeout)


@dataclass
class PushResult:
    sent: int = 0
    acked: int = 0
    retry: int = 0
    rejected: int = 0


def push_once(node: NodeState, client: CloudClient, batch_size: int = PUSH_BATCH_SIZE,
              in_flight: int = PUSH_IN_FLIGHT) -> PushResult:
    """Send every due outbox record, batch by batch; stops at the first failed request. A batch the cloud
    refuses as too large (413) is sent again in halves, down to one record a request."""
    result = PushResult()
    while True:
        try:
            return _push_batches(node, client, batch_size, in_flight, result)
        except CloudRefused as exc:
            if exc.status != 413 or batch_size == 1:
                raise
            batch_size = max(1, batch_size // 2)
            log.warning("the cloud refused a push as too large; sending %d records a request", batch_size)


def _push_batches(node: NodeState, client: CloudClient, batch_size: int, in_flight: int,
                  result: PushResult) -> PushResult:
    """Send every due outbox record, batch by batch; stops at the first failed request.

    Up to ``in_flight`` requests are under way at once: the next batch travels while the cloud
    stores the one before, so a backlog replays at the cloud's speed, not at the sum of both sides'.
    Batches are sent in outbox order; one that overtakes another is still safe (a record whose
    reference has not arrived yet is answered ``retry`` and sent again), and an answer lost with a
    failed request only means its records are sent again (the cloud answers ``duplicate``).
    """
    waiting: deque[tuple[Future[dict[str, Any]], list[OutboxRecord]]] = deque()
    after: int | None = None  # position of the last record sent in this call
    moved = True
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="kasse-push") as pool:
        try:
            while True:
                while moved and len(waiting) < in_flight:
                    with scopes_disabled():
                        batch = outbox.due_batch(batch_size, after=after)
                        client.backlog = outbox.backlog()
                    if not batch:
                        break
                    after = batch[-1].position
                    records = [{"id": str(r.id), "kind": r.kind, "rows": r.rows} for r in batch]
                    waiting.append((pool.submit(client.push, records), batch))
                if not waiting:
                    return result
                future, batch = waiting.popleft()
                answer = future.result()
                with scopes_disabled():
                    counts = outbox.apply_results(answer.get("results", {}), batch)
                    NodeState.objects.filter(pk=node.pk).update(last_push_at=timezone.now(),
                                                                last_contact_at=timezone.now(), last_error="")
                result.sent += len(batch)
                result.acked += counts["acked"]
                result.retry += counts["retry"] + counts["unanswered"]
                result.rejected += counts["rejected"]
                if counts["acked"] + counts["rejected"] == 0:
                    moved = False  # nothing moved: take the answers under way, send no more this time
        finally:
            for future, _batch in waiting:
                future.cancel()


# What the register's screen shows: when one of these changes, its pages reload grid and cart.
REGISTER_SCREEN_TABLES = frozenset({
    "catalog.Category", "catalog.Product", "catalog.Variant", "catalog.Barcode", "catalog.StorePrice",
    "customers.Customer", "register.RegisterSettings", "tenancy.Register", "tenancy.Store",
})


def pull_once(node: NodeState, client: CloudClient, limit: int = PULL_LIMIT) -> set[str]:
    """Apply every feed event after the node's cursor; returns the tables that changed."""
    applied: set[str] = set()
    while True:
        with scopes_disabled():
            cursor = NodeState.objects.values_list("cursor", flat=True).get(pk=node.pk)
        answer = client.changes(cursor, limit)
        with scopes_disabled(), transaction.atomic():
            # The cursor moves in the same transaction as the rows: a crash re-reads, never skips.
            current = NodeState.objects.select_for_update().get(pk=node.pk)
            if current.cursor != cursor:
                continue  # another puller got here first
            apply_events(answer["events"])
            NodeState.objects.filter(pk=node.pk).update(
                cursor=answer["cursor"], last_pull_at=timezone.now(), last_contact_at=timezone.now(), last_error="")
        applied |= {event["model"] for event in answer["events"]}
        if not answer.get("more"):
            return applied


def note_error(node: NodeState, message: str, *, revoked: bool = False) -> None:
    with scopes_disabled():
        NodeState.objects.filter(pk=node.pk).update(last_error=message[:500], revoked=revoked or node.revoked)


def status() -> dict[str, Any]:
    """What the register and the node's page show: online, waiting records, last sync."""
    with scopes_disabled():
        node = NodeState.objects.first()
        if node is None:
            return {"paired": False}
        pending = outbox.backlog()
        rejected = OutboxRecord.objects.filter(status="rejected").count()
    return {
        "paired": True, "online": _online(node), "backlog": pending, "rejected": rejected,
        "last_sync": (node.last_contact_at.isoformat() if node.last_contact_at else None),
        "last_error": node.last_error, "revoked": node.revoked,
    }


def _online(node: NodeState) -> bool:
    from kasse.sync.runner import RUNNER

    if RUNNER is not None:
        return RUNNER.online
    return not node.last_error and node.last_contact_at is not None


__all__ = ["AlreadyPaired", "CloudRefused", "pair", "pull_once", "push_once", "state", "status"]
