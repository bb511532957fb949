"""What a store node does with the cloud: pair, push its outbox, pull the feed.

Each step is one function over the database and a :class:`CloudClient`, so
the runner (:mod:`kasse.sync.node.runner`), the CLI and the tests share them.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

import kasse
from kasse.sync.engine import outbox
from kasse.sync.engine.protocol import POSITIONS_PATH, PULL_LIMIT, PUSH_BATCH_SIZE, PUSH_IN_FLIGHT, error_text
from kasse.sync.engine.registry import BY_LABEL, SPECS, Direction
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus
from kasse.sync.node.apply import apply_events, upsert_rows
from kasse.sync.node.catch_up import fast_forward
from kasse.sync.node.client import CloudClient, CloudRefused, CloudUnreachable

log = logging.getLogger(__name__)


class LiveSync(Protocol):
    """What :func:`status` reads from the sync loop running in this process."""

    online: bool
    stopped: bool


# The sync loop of this process (:class:`kasse.sync.node.runner.SyncRunner` sets and clears it); ``None``
# when none runs. The loop registers itself here so that this module never imports the runner.
RUNNER: LiveSync | None = None


class AlreadyPaired(Exception):
    pass


def pair(cloud_url: str, code: str, name: str = "") -> NodeState:
    """Redeem ``code`` at the cloud, download the replica, and store the credential.

    All or nothing: the snapshot and the node state commit in one transaction.
    """
    with scopes_disabled():
        previous = NodeState.objects.first()
    client = CloudClient(cloud_url)
    # Pairing onto an old data directory (a restored backup, the old PC's disk): the cloud checks it is
    # this store's and retires the old node; what waits in the outbox is sent with the new credential.
    answer = client._request(
        "POST",
        "/sync/v1/pair",
        {"code": code, "name": name, "version": kasse.__version__, "replaces": str(previous.pk) if previous else ""},
    )
    client.token = answer["token"]
    data = client.snapshot()
    cloud_positions = client._request("GET", POSITIONS_PATH)
    with scopes_disabled(), transaction.atomic():
        for label, rows in data["tables"]:
            upsert_rows(label, _not_held_here(label, rows) if previous else rows)
        if previous is not None:
            NodeState.objects.filter(pk=previous.pk).delete()
        state = NodeState.objects.create(
            id=answer["node_id"],
            organization_id=answer["organization_id"],
            store_id=answer["store_id"],
            cloud_url=client.base,
            token=answer["token"],
            customer_number_base=answer["customer_number_base"],
            cursor=data["cursor"],
            last_pull_at=timezone.now(),
            last_contact_at=timezone.now(),
        )
        fast_forward(cloud_positions)  # numbers continue after the cloud's (the snapshot's counters lag)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the catalog search plans by these statistics
    from kasse.sync.engine import local

    local.clock.cache_clear()
    return state


def _not_held_here(label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """On an old data directory, rows born on a node (sales, shifts, counters, parked carts) that it holds
    already stay as they are: its own copy is as new as the cloud's or newer (not pushed yet)."""
    spec = BY_LABEL.get(label)
    if spec is None or spec.direction not in (Direction.UP, Direction.LOCAL):
        return rows
    held = set(spec.model._base_manager.filter(pk__in=[row["id"] for row in rows]).values_list("pk", flat=True))
    return [row for row in rows if spec.model._meta.pk.to_python(row["id"]) not in held]


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
    held: int = 0
    retried: list[Any] = field(default_factory=list)  # records answered ``retry`` (or not answered)


def push_once(
    node: NodeState, client: CloudClient, batch_size: int = PUSH_BATCH_SIZE, in_flight: int = PUSH_IN_FLIGHT
) -> PushResult:
    """Send every due outbox record, batch by batch; stops at the first failed request, then retries the
    set-aside records whose backoff ran out, each on its own.

    A batch the cloud refuses as too large (413) is sent again in halves, down to one record a request.
    A batch the cloud answers with a server error (5xx) is split until the one record it cannot store
    is found; that record is set aside (``HELD``) and the others go on. Only when the cloud fails even
    an empty push is it down, and the error goes up (the runner backs off)."""
    result = PushResult()
    again = True  # records answered ``retry`` are sent once more at once when later answers moved on
    while True:
        try:
            _push_batches(node, client, batch_size, in_flight, result)
            if again and result.retried and result.acked:
                # Batches travel side by side: a record that came before the rows it needs (in a batch still
                # under way) is answered ``retry``. Those rows are stored now; send it again instead of
                # waiting for its backoff. Once per call: a record that waits for something else backs off.
                again = False
                with scopes_disabled():
                    outbox.make_due(result.retried)
                result.retried = []
                continue
            break
        except CloudRefused as exc:
            if exc.status != 413 or batch_size == 1:
                raise
            batch_size = max(1, batch_size // 2)
            log.warning("the cloud refused a push as too large; sending %d records a request", batch_size)
        except CloudUnreachable as exc:
            if exc.status is None or not _set_aside_failing_record(node, client, result, batch_size):
                raise
    _retry_set_aside(node, client, result)
    return result


def _payload(batch: list[OutboxRecord]) -> list[dict[str, Any]]:
    return [{"id": str(r.id), "kind": r.kind, "rows": r.rows, "position": r.position} for r in batch]


def _take(
    node: NodeState, client: CloudClient, answer: dict[str, Any], batch: list[OutboxRecord], result: PushResult
) -> dict[str, int]:
    """Mark ``batch`` by the cloud's ``answer`` and note the successful push."""
    if isinstance(answer.get("positions"), dict):
        fast_forward(answer["positions"])  # the cloud's numbers moved: continue after them
    results = answer.get("results")
    with scopes_disabled(), transaction.atomic():  # one commit (one fsync with ``synchronous=FULL``)
        counts = outbox.apply_results(results if isinstance(results, dict) else {}, batch, result.retried)
        note_contact(node, client, push=True)
    result.sent += len(batch)
    result.acked += counts["acked"]
    result.retry += counts["retry"] + counts["unanswered"]
    result.rejected += counts["rejected"]
    return counts


def _push_batches(
    node: NodeState, client: CloudClient, batch_size: int, in_flight: int, result: PushResult
) -> PushResult:
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
                    waiting.append((pool.submit(client.push, _payload(batch)), batch))
                if not waiting:
                    return result
                future, batch = waiting.popleft()
                counts = _take(node, client, future.result(), batch, result)
                if counts["acked"] + counts["rejected"] == 0:
                    moved = False  # nothing moved: take the answers under way, send no more this time
        finally:
            for future, _batch in waiting:
                future.cancel()


def _set_aside_failing_record(node: NodeState, client: CloudClient, result: PushResult, batch_size: int) -> bool:
    """After a 5xx answer: find the first due record the cloud cannot store, set it aside, and return
    ``True``; ``False`` when the cloud fails without any record (it is down: nothing is set aside)."""
    with scopes_disabled():
        candidates = outbox.due_batch(batch_size)
    if not candidates:
        return False
    while len(candidates) > 1:  # halve: the half that fails holds the record
        half = candidates[: len(candidates) // 2]
        try:
            answer = client.push(_payload(half))
        except CloudUnreachable as exc:
            if exc.status is None:
                raise
            candidates = half
            continue
        _take(node, client, answer, half, result)
        candidates = candidates[len(half) :]
    suspect = candidates[0]
    try:
        answer = client.push(_payload([suspect]))
    except CloudUnreachable as exc:
        if exc.status is None:
            raise
        error = str(exc)
    else:
        _take(node, client, answer, [suspect], result)
        return True
    try:
        client.push([])  # the cloud itself, without any record
    except CloudUnreachable:
        return False
    with scopes_disabled():
        outbox.set_aside(suspect, OutboxStatus.HELD, f"the cloud could not store this record ({error})")
    log.error("outbox record %s (%s) set aside: the cloud answers %s for it", suspect.pk, suspect.kind, error)
    result.held += 1
    return True


def _retry_set_aside(node: NodeState, client: CloudClient, result: PushResult) -> None:
    """Send each set-aside record whose backoff ran out again, on its own."""
    with scopes_disabled():
        due = outbox.due_set_aside()
    for record in due:
        try:
            answer = client.push(_payload([record]))
        except CloudUnreachable as exc:
            if exc.status is None:
                raise
            with scopes_disabled():
                outbox.set_aside(record, OutboxStatus.HELD, f"the cloud could not store this record ({exc})")
            continue
        _take(node, client, answer, [record], result)


def register_screen_tables() -> frozenset[str]:
    """What the register's screen shows: when one of these changes, its pages reload grid and cart."""
    return frozenset(spec.label for spec in SPECS if spec.on_register_screen)


def pull_once(node: NodeState, client: CloudClient, limit: int = PULL_LIMIT) -> set[str]:
    """Apply every feed event after the node's cursor; returns the tables that changed.

    An event this node cannot apply (a newer cloud's table or column, a value it cannot take) is set
    aside (:class:`SetAsideEvent`) and the rest goes on: the feed never stops the node's sync."""
    applied: set[str] = set()
    while True:
        with scopes_disabled():
            cursor = NodeState.objects.values_list("cursor", flat=True).get(pk=node.pk)
        answer = client.changes(cursor, limit)
        events = answer.get("events")
        if not isinstance(events, list) or not isinstance(answer.get("cursor"), int):
            raise CloudUnreachable("the cloud's feed answer has no events or cursor")
        with scopes_disabled(), transaction.atomic():
            # The cursor moves in the same transaction as the rows: a crash re-reads, never skips.
            current = NodeState.objects.select_for_update().get(pk=node.pk)
            if current.cursor != cursor:
                continue  # another puller got here first
            done = apply_events(events, set_aside=True)
            _pulled(events)
            NodeState.objects.filter(pk=node.pk).update(cursor=answer["cursor"])
            note_contact(node, client, pull=True)
        applied |= done
        if not answer.get("more"):
            return applied


def _pulled(events: list[Any]) -> None:
    """Tables with a ``pulled`` rule see the events of theirs in the pulled batch (e.g. a device revoked in
    the cloud loses its sockets here); inside the pull's transaction."""
    for spec in SPECS:
        if spec.pulled is not None:
            of_table = [e for e in events if isinstance(e, dict) and e.get("model") == spec.label]
            if of_table:
                spec.pulled(of_table)


def note_contact(node: NodeState, client: CloudClient, *, push: bool = False, pull: bool = False) -> None:
    """The cloud answered: note when, and what it runs; a standing error is over."""
    now = timezone.now()
    updates: dict[str, Any] = {"last_contact_at": now, "last_error": "", "last_error_at": None}
    if push:
        updates["last_push_at"] = now
    if pull:
        updates["last_pull_at"] = now
    if client.cloud_version:
        updates["cloud_version"] = client.cloud_version
    NodeState.objects.filter(pk=node.pk).update(**updates)


def note_error(node: NodeState, message: str, *, revoked: bool = False) -> None:
    """Record the error (and since when errors stand: the first one's time is kept)."""
    with scopes_disabled():
        NodeState.objects.filter(pk=node.pk).update(last_error=error_text(message), revoked=revoked or node.revoked)
        NodeState.objects.filter(pk=node.pk, last_error_at__isnull=True).update(last_error_at=timezone.now())


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def version_key(version: str) -> tuple[int, ...]:
    """``"1.2.10"`` → ``(1, 2, 10)``; anything unparsable sorts first."""
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def update_needed(cloud_version: str) -> bool:
    """Whether the cloud runs a newer kasse than this node (its feed may carry rows this node cannot take)."""
    return bool(cloud_version) and version_key(cloud_version) > version_key(kasse.__version__)


# Problems that mean sync needs a person (``kasse store status`` exits with 1); ``update`` only informs.
STOPPING_PROBLEMS = frozenset({"revoked", "error", "set_aside", "feed_set_aside", "waiting_too_long"})


def status() -> dict[str, Any]:
    """What the register, ``kasse store status`` and the cloud's node page show.

    ``problems`` lists what makes sync need a person: ``error`` (the last attempt failed), ``set_aside``
    (records the cloud refused or could not store), ``feed_set_aside`` (changes from the cloud this
    version cannot apply), ``waiting_too_long`` (a record waits longer than ``KASSE_SYNC_ALERT_MINUTES``),
    ``update`` (the cloud runs a newer kasse), ``revoked``."""
    from kasse.sync.models import SetAsideEvent

    with scopes_disabled():
        node = NodeState.objects.first()
        if node is None:
            return {"paired": False}
        pending = outbox.backlog()
        oldest = outbox.oldest_waiting()
        set_aside = outbox.set_aside_count()
        feed_set_aside = SetAsideEvent.objects.count()
    alert_after = timedelta(minutes=settings.KASSE_SYNC_ALERT_MINUTES)
    waited = (timezone.now() - oldest) if oldest is not None else None
    problems = [
        name
        for name, present in (
            ("revoked", node.revoked),
            ("error", bool(node.last_error)),
            ("set_aside", set_aside > 0),
            ("feed_set_aside", feed_set_aside > 0),
            ("waiting_too_long", waited is not None and waited > alert_after),
            ("update", update_needed(node.cloud_version)),
        )
        if present
    ]
    return {
        "paired": True,
        "online": _online(node),
        "stopped": bool(RUNNER is not None and RUNNER.stopped),
        "backlog": pending,
        "oldest_waiting": _iso(oldest),
        "oldest_waiting_seconds": int(waited.total_seconds()) if waited is not None else None,
        "set_aside": set_aside,
        "feed_set_aside": feed_set_aside,
        "last_sync": _iso(node.last_contact_at),
        "last_push": _iso(node.last_push_at),
        "last_pull": _iso(node.last_pull_at),
        "last_error": node.last_error,
        "error_since": _iso(node.last_error_at),
        "revoked": node.revoked,
        "version": kasse.__version__,
        "cloud_version": node.cloud_version,
        "update_needed": "update" in problems,
        "problems": problems,
        "healthy": not set(problems) & STOPPING_PROBLEMS,
    }


def report_for_cloud(full: dict[str, Any] | None = None) -> dict[str, Any]:
    """The part of :func:`status` the node sends with each request (``Kasse-Sync-Status``)."""
    full = full or status()
    return {
        key: full.get(key)
        for key in ("backlog", "oldest_waiting", "set_aside", "feed_set_aside", "last_error", "error_since")
    }


def _online(node: NodeState) -> bool:
    if RUNNER is not None:
        return RUNNER.online
    return not node.last_error and node.last_contact_at is not None


__all__ = ["AlreadyPaired", "CloudRefused", "pair", "pull_once", "push_once", "state", "status"]
