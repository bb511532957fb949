"""The node's outbox: changes born here, written in the transaction that made them.

Records leave in ``position`` order (the node's commit order), in batches.
The cloud answers per record: ``ok``/``duplicate`` (done), ``retry`` (try again
later, e.g. a row it depends on has not arrived) or ``rejected`` (never
accepted, kept here and shown). Retries back off exponentially with jitter.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from kasse.core.ids import uuid7
from kasse.sync.models import OutboxRecord, OutboxStatus
from kasse.sync.registry import encode_row, label_of, spec_for

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [base/2, min(max, base·2^n)]."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


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
            id=uuid7(), position=last + 1, kind=kind, rows=[_row_entry(o) for o in objs],
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


def backlog() -> int:
    return OutboxRecord.objects.filter(status=OutboxStatus.PENDING).count()


def apply_results(results: dict[str, dict[str, str]], sent: list[OutboxRecord]) -> dict[str, int]:
    """Mark each sent record by the cloud's answer; a record it did not answer stays pending."""
    now = timezone.now()
    counts = {"acked": 0, "retry": 0, "rejected": 0, "unanswered": 0}
    # Acknowledged and rejected records are marked with one UPDATE per (status, detail): a batch is
    # hundreds of records, nearly all "ok" with no detail.
    done: dict[tuple[str, str], list[Any]] = defaultdict(list)
    with transaction.atomic():
        for record in sent:
            answer = results.get(str(record.id))
            status = (answer or {}).get("status")
            if status in {"ok", "duplicate", "quarantined"}:
                done[(OutboxStatus.ACKED, (answer or {}).get("detail", "")[:500])].append(record.pk)
                counts["acked"] += 1
            elif status == "rejected":
                done[(OutboxStatus.REJECTED, (answer or {}).get("detail", "")[:500])].append(record.pk)
                counts["rejected"] += 1
            else:
                delay_for(record, (answer or {}).get("detail", "no answer for this record"), now)
                counts["retry" if answer else "unanswered"] += 1
        for (status, detail), pks in done.items():
            extra = {"acked_at": now} if status == OutboxStatus.ACKED else {}
            OutboxRecord.objects.filter(pk__in=pks).update(status=status, last_error=detail, **extra)
    return counts


def delay_for(record: OutboxRecord, error: str, now: Any = None) -> None:
    """Count a failed attempt and schedule the next one."""
    now = now or timezone.now()
    attempts = record.attempts + 1
    OutboxRecord.objects.filter(pk=record.pk).update(
        attempts=attempts, last_error=error[:500],
        next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)),
    )


def retry_all_now() -> int:
    """Make every pending record due now (the connection is back)."""
    return OutboxRecord.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())


def purge_acked(older_than: timedelta = timedelta(days=7)) -> int:
    deleted, _ = OutboxRecord.objects.filter(
        status=OutboxStatus.ACKED, acked_at__lt=timezone.now() - older_than).delete()
    return deleted
