"""The node's outbox: changes born here, written in the transaction that made them.

Records leave in ``position`` order (the node's commit order), in batches.
The cloud answers per record: ``ok``/``duplicate`` (done), ``retry`` (try again
later, e.g. a row it depends on has not arrived) or ``rejected`` (not accepted).
Retries back off exponentially with jitter.

A record the cloud refuses (``rejected``) or cannot store (a 500 for it alone)
is **set aside** (``REJECTED`` / ``HELD``): kept, shown, and retried on its own
with a longer backoff (up to an hour), so it never holds back the records
behind it. Acknowledged records are pruned after ``KASSE_OUTBOX_RETENTION_DAYS``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from kasse.core.backoff import Backoff
from kasse.core.ids import uuid7
from kasse.sync.engine.protocol import error_text
from kasse.sync.engine.registry import encode_row, label_of, spec_for
from kasse.sync.models import OutboxRecord, OutboxStatus

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
SET_ASIDE_BACKOFF_MAX_SECONDS = 3600.0
SET_ASIDE = (OutboxStatus.REJECTED, OutboxStatus.HELD)


def backoff_seconds(attempts: int, ceiling: float = BACKOFF_MAX_SECONDS) -> float:
    """The wait before a record's next attempt (:class:`kasse.core.backoff.Backoff`: 0.5–1 s, 1–2 s, ... up to
    ``ceiling``)."""
    return Backoff(initial=BACKOFF_BASE_SECONDS, maximum=ceiling, jitter=0.5).delay(max(1, attempts))


def _row_entry(obj: models.Model) -> list[Any]:
    meta = getattr(obj, "_sync_meta", None)
    spec = spec_for(obj)
    entry: list[Any] = [label_of(obj), encode_row(obj, spec.up_omit if spec else frozenset())]
    if meta:
        entry.append(meta)
    return entry


def enqueue(kind: str, objs: list[models.Model]) -> OutboxRecord:
    """Append one record. Services call this inside the transaction of their change, so the
    record commits with it or not at all; the node's writes are serialised (SQLite IMMEDIATE),
    which makes ``position`` the commit order.
    """
    with transaction.atomic():
        last = OutboxRecord.objects.aggregate(p=Max("position"))["p"] or 0
        record = OutboxRecord.objects.create(
            id=uuid7(),
            position=last + 1,
            kind=kind,
            rows=[_row_entry(o) for o in objs],
        )
    transaction.on_commit(wake_sync)
    return record


_wake_callbacks: list[Any] = []


def on_new_records(callback: Any) -> None:
    """Register ``callback()`` to run after a transaction that wrote outbox records commits."""
    _wake_callbacks.append(callback)


def wake_sync() -> None:
    for callback in list(_wake_callbacks):
        callback()


def due_batch(limit: int, after: int | None = None) -> list[OutboxRecord]:
    """The oldest pending records that may be sent now (after outbox position ``after``, if given)."""
    due = OutboxRecord.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
    if after is not None:
        due = due.filter(position__gt=after)
    return list(due.order_by("position")[:limit])


def next_attempt_in(now: Any = None) -> float | None:
    """Seconds until the next record waiting or set aside may be sent (0 when one is due now; ``None``:
    nothing waits). The sync loop sleeps no longer than that, so a record answered ``retry`` is sent again
    after its own backoff, not after the loop's poll interval."""
    now = now or timezone.now()
    due = (
        OutboxRecord.objects.filter(status__in=(OutboxStatus.PENDING, *SET_ASIDE))
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if due is None else max(0.0, (due - now).total_seconds())


def make_due(pks: list[Any]) -> int:
    """Make these waiting records due now (what they waited for has just arrived in the cloud)."""
    return OutboxRecord.objects.filter(pk__in=pks, status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())


def backlog() -> int:
    return OutboxRecord.objects.filter(status=OutboxStatus.PENDING).count()


def oldest_waiting() -> Any:
    """When the oldest record still waiting was written (``None``: nothing waits)."""
    return (
        OutboxRecord.objects.filter(status=OutboxStatus.PENDING)
        .order_by("position")
        .values_list("created_at", flat=True)
        .first()
    )


def set_aside_count() -> int:
    return OutboxRecord.objects.filter(status__in=SET_ASIDE).count()


def due_set_aside(limit: int = 20) -> list[OutboxRecord]:
    """Set-aside records whose backoff has run out, oldest first (they are sent one at a time)."""
    return list(
        OutboxRecord.objects.filter(status__in=SET_ASIDE, next_attempt_at__lte=timezone.now()).order_by("position")[
            :limit
        ]
    )


def set_aside(record: OutboxRecord, status: str, error: str, now: Any = None) -> None:
    """Keep ``record`` aside (``REJECTED`` or ``HELD``) and retry it alone after a backoff of up to an hour."""
    now = now or timezone.now()
    attempts = record.attempts + 1
    OutboxRecord.objects.filter(pk=record.pk).update(
        status=status,
        attempts=attempts,
        last_error=error_text(error),
        next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts, ceiling=SET_ASIDE_BACKOFF_MAX_SECONDS)),
    )


def apply_results(
    results: dict[str, dict[str, str]], sent: list[OutboxRecord], retried: list[Any] | None = None
) -> dict[str, int]:
    """Mark each sent record by the cloud's answer; a record it did not answer stays pending (its id is
    added to ``retried``, when given)."""
    retried = [] if retried is None else retried
    now = timezone.now()
    counts = {"acked": 0, "retry": 0, "rejected": 0, "unanswered": 0}
    # Acknowledged records are marked with one UPDATE per detail: a batch is hundreds of records, nearly
    # all "ok" with no detail.
    done: dict[str, list[Any]] = defaultdict(list)
    with transaction.atomic():
        for record in sent:
            answer = results.get(str(record.id))
            if not isinstance(answer, dict):
                answer = None
            status = (answer or {}).get("status")
            detail = error_text((answer or {}).get("detail", ""))
            if status in {"ok", "duplicate", "quarantined"}:
                done[detail].append(record.pk)
                counts["acked"] += 1
            elif status == "rejected":
                set_aside(record, OutboxStatus.REJECTED, detail, now)
                counts["rejected"] += 1
            else:
                delay_for(record, detail or "no answer for this record", now)
                counts["retry" if answer else "unanswered"] += 1
                retried.append(record.pk)
        for detail, pks in done.items():
            OutboxRecord.objects.filter(pk__in=pks).update(status=OutboxStatus.ACKED, last_error=detail, acked_at=now)
    return counts


def delay_for(record: OutboxRecord, error: str, now: Any = None) -> None:
    """Count a failed attempt and schedule the next one."""
    now = now or timezone.now()
    attempts = record.attempts + 1
    OutboxRecord.objects.filter(pk=record.pk).update(
        status=OutboxStatus.PENDING,
        attempts=attempts,
        last_error=error_text(error),
        next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)),
    )


def retry_all_now() -> int:
    """Make every pending record due now (the connection is back)."""
    return OutboxRecord.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())


def prune_acked(older_than: timedelta | None = None) -> int:
    """Delete records the cloud acknowledged longer ago than the retention period
    (``KASSE_OUTBOX_RETENTION_DAYS``, default 14); waiting and set-aside records are never pruned."""
    from django.conf import settings

    if older_than is None:
        older_than = timedelta(days=settings.KASSE_OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxRecord.objects.filter(
        status=OutboxStatus.ACKED, acked_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
