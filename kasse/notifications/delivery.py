"""Sending due webhook deliveries: many at once, one slow receiver never holding up the others.

``run_due`` is what the background task runs. The calling thread does every database write: it takes due
deliveries ahead in batches (leased, ``select_for_update(skip_locked)`` so two workers never take the same
one), hands the HTTP requests to a pool of threads that touch no database, and writes the results in batches.
An endpoint never has more than ``PER_ENDPOINT`` requests in flight, so a receiver that hangs ties up at
most that many threads for its timeout while the rest keep sending.

A failed attempt is tried again after an exponential backoff with jitter, for 24 hours after the first
attempt; the delivery that runs out of time disables its endpoint and tells the owner (docs/notifications.md).
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Field, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.notifications import outbound, signing
from kasse.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

THREADS = 32
PER_ENDPOINT = 4  # requests in flight to one endpoint at first, and again after a slow answer or a failure
MAX_PER_ENDPOINT = 16  # … and at most, reached by answering fast (``_adapt``)
FAST_ANSWER_MS = 1000
HOLD_AHEAD = 4  # claimed ahead by one run per endpoint: this many times its limit in flight …
HELD_PER_ENDPOINT = HOLD_AHEAD * PER_ENDPOINT  # … (a hanging endpoint's lease must outlast its queue)
RECORD_BATCH = 64  # results written in one transaction …
RECORD_EVERY = 0.05  # … or after this many seconds, whichever comes first
LEASE = timedelta(minutes=2)  # a taken delivery is due again after this if its worker died
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = 10.0  # seconds; doubled per attempt, capped, then ±25 % jitter
MAX_RETRY = 2 * 3600.0
EXCERPT = 1000
DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


@dataclass(frozen=True)
class _Request:
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    body: bytes
    secret: str
    message_id: str
    attempts: int  # before this one (the delivery is leased to this run: nobody else changes it meanwhile)
    first_attempt_at: datetime


@dataclass(frozen=True)
class _Result:
    request: _Request
    status: int | None
    excerpt: str
    duration_ms: int
    error: str
    attempted_at: datetime

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 10 s, 20 s, 40 s ... at most 2 h, each
    spread by ±25 % so that many deliveries failing together do not come back together."""
    base = min(FIRST_RETRY * 2 ** max(0, attempts - 1), MAX_RETRY)
    return timedelta(seconds=base * (rng or random).uniform(0.75, 1.25))  # noqa: S311 (spread, not secrecy)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON sent for a delivery (kept after the first attempt, so every retry sends the same bytes)."""
    if delivery.request_body:
        return delivery.request_body.encode()
    event = delivery.event
    return _message(event.kind, event.occurred_at, event.payload, event.organization_id, event.store_id)


def _message(
    kind: str, occurred_at: datetime, payload: dict[str, Any], organization_id: uuid.UUID, store_id: uuid.UUID | None
) -> bytes:
    message = {
        "type": kind,
        "timestamp": occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {**payload, "organization_id": str(organization_id)}
        | ({"store_id": str(store_id)} if store_id else {}),
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _send(request: _Request, connections: outbound.Connections | None = None) -> _Result:
    """One HTTP attempt, in a pool thread (no database here)."""
    attempted_at = timezone.now()
    started = time.monotonic()
    headers = signing.headers(request.secret, request.message_id, int(time.time()), request.body)
    try:
        answer = outbound.post(
            request.url,
            request.body,
            headers,
            allow_loopback=settings.KASSE_WEBHOOKS_ALLOW_LOOPBACK,
            read_timeout=settings.KASSE_WEBHOOKS_READ_TIMEOUT,
            connections=connections,
        )
    except outbound.Refused as exc:
        return _Result(request, None, "", _ms(started), f"refused: {exc}"[:300], attempted_at)
    except Exception as exc:  # network failure or timeout: the attempt failed, the run goes on
        return _Result(request, None, "", _ms(started), f"{type(exc).__name__}: {exc}"[:300], attempted_at)
    excerpt = answer.body[:EXCERPT].decode("utf-8", errors="replace")
    return _Result(request, answer.status, excerpt, answer.duration_ms, "", attempted_at)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _without_waiting_for_the_disk() -> None:
    """In the current transaction on PostgreSQL: commit without waiting for the WAL flush. A lease or a result
    lost to a crash of the database server only sends a delivery once more (at least once, as a dead worker
    does), and the worker's transactions no longer wait for the disk several times a second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


_CLAIMED = (
    "pk",
    "endpoint_id",
    "event_id",
    "request_body",
    "attempts",
    "first_attempt_at",
    "endpoint__url",
    "endpoint__secret",
    "event__kind",
    "event__occurred_at",
    "event__payload",
    "event__organization_id",
    "event__store_id",
)


def _claim(limit: int, held: dict[uuid.UUID, int], ceiling: dict[uuid.UUID, int]) -> tuple[list[_Request], bool]:
    """Take up to ``limit`` due deliveries of active endpoints, for each endpoint at most its ``ceiling``
    held by this run (``held``: what it holds now, in flight or waiting for a thread). Two statements: the
    rows (plain values, no model instances) and one ``UPDATE`` that leases them. Also whether more may be due
    now: the query filled its window (rows skipped for an endpoint that reached its ceiling are not the
    end of what is due; its next claim leaves that endpoint out)."""
    now = timezone.now()
    saturated = [pk for pk, n in held.items() if n >= ceiling.get(pk, HELD_PER_ENDPOINT)]
    with scopes_disabled(), transaction.atomic():
        _without_waiting_for_the_disk()
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=DUE, next_attempt_at__lte=now, endpoint__is_active=True)
            .exclude(endpoint_id__in=saturated)
            .order_by("next_attempt_at")
            .values_list(*_CLAIMED)[: limit * 2]
        )
        more = len(rows) == limit * 2
        taken: list[tuple[Any, ...]] = []
        counts = dict(held)
        for row in rows:
            endpoint_id = row[1]
            if len(taken) >= limit or counts.get(endpoint_id, 0) >= ceiling.get(endpoint_id, HELD_PER_ENDPOINT):
                continue
            counts[endpoint_id] = counts.get(endpoint_id, 0) + 1
            taken.append(row)
        if taken:
            WebhookDelivery.objects.filter(pk__in=[row[0] for row in taken]).update(
                next_attempt_at=now + LEASE,
                first_attempt_at=Coalesce(F("first_attempt_at"), Value(now, output_field=DateTimeField())),
            )
    requests = [
        _Request(
            pk,
            endpoint_id,
            url,
            body.encode() if body else _message(kind, occurred_at, payload, organization_id, store_id),
            secret,
            str(event_id),
            attempts,
            first or now,
        )
        for (
            pk,
            endpoint_id,
            event_id,
            body,
            attempts,
            first,
            url,
            secret,
            kind,
            occurred_at,
            payload,
            organization_id,
            store_id,
        ) in taken
    ]
    return requests, more


_RESULT_FIELDS = (
    "status",
    "last_attempt_at",
    "response_status",
    "response_excerpt",
    "duration_ms",
    "error",
    "request_body",
    "updated_at",
    "next_attempt_at",
)


def _field(name: str) -> Field[Any, Any]:
    field = WebhookDelivery._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _record(results: list[_Result]) -> None:
    """Write what came back: delivered, retried later, or given up (and the endpoint switched off).

    One ``UPDATE`` by primary key per result, sent together (``executemany``: pipelined on PostgreSQL), no
    rows read first: the run holds the lease, so the attempts and first attempt it claimed are still current.
    The request body is written with the first result and kept for every retry and redelivery."""
    now = timezone.now()
    gave_up: set[uuid.UUID] = set()
    fields = [_field(name) for name in _RESULT_FIELDS]
    pk = WebhookDelivery._meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    assignments = [f"{quote(f.column)} = %s" for f in fields[:-1]]
    assignments.append(f"{quote(fields[-1].column)} = COALESCE(%s, {quote(fields[-1].column)})")
    attempts = quote(_field("attempts").column)
    sql = (
        f"UPDATE {quote(WebhookDelivery._meta.db_table)} SET {attempts} = {attempts} + 1, "  # noqa: S608 - names
        f"{', '.join(assignments)} WHERE {quote(pk.column)} = %s"  # are the model's own, values parameters
    )
    params = []
    for result in results:
        request = result.request
        next_at: datetime | None = None
        if result.delivered:
            status, error = DeliveryStatus.SUCCEEDED, ""
        else:
            error = result.error or f"HTTP {result.status}"
            first = request.first_attempt_at
            if now >= first + RETRY_FOR:
                status = DeliveryStatus.FAILED
                gave_up.add(request.endpoint_id)
            else:
                status = DeliveryStatus.RETRYING
                next_at = min(now + retry_delay(request.attempts + 1), first + RETRY_FOR)
        values = (
            status,
            result.attempted_at,
            result.status,
            result.excerpt,
            result.duration_ms,
            error,
            request.body.decode(),
            now,
            next_at,
        )
        row = [f.get_db_prep_value(v, connection) for f, v in zip(fields, values, strict=True)]
        params.append([*row, pk.get_db_prep_value(request.delivery_id, connection)])
    with scopes_disabled(), transaction.atomic():
        _without_waiting_for_the_disk()
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        for endpoint_id in gave_up:
            disable_endpoint(endpoint_id)


def disable_endpoint(endpoint_id: uuid.UUID) -> None:
    """Switch off an endpoint whose delivery failed for 24 hours and tell the owner (after the commit)."""
    from kasse.notifications.events import publish

    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason="deliveries failed for 24 hours",
        updated_at=timezone.now(),
    )
    log.warning("webhook endpoint %s disabled after 24 hours of failures", endpoint_id)
    publish(
        "webhook.endpoint_disabled",
        endpoint.organization_id,
        None,
        {"endpoint_id": str(endpoint.pk), "url": endpoint.url},
    )


def run_due(*, max_seconds: float = 240.0, threads: int = THREADS) -> int:
    """Send every due delivery (and those that fall due while it runs) for up to ``max_seconds``;
    returns how many attempts were made.

    The database is touched in batches, not per call: deliveries are claimed ahead (up to twice the threads,
    leased) into a local queue from which a request goes to a thread as soon as its endpoint has fewer than
    its limit in flight, and results are written every ``RECORD_EVERY`` seconds or ``RECORD_BATCH`` results;
    more are claimed whenever the queue runs short. An endpoint's limit starts at ``PER_ENDPOINT``, grows by
    one with every answer in under ``FAST_ANSWER_MS`` up to ``MAX_PER_ENDPOINT`` and falls back to
    ``PER_ENDPOINT`` with any slow answer or failure, so a fast receiver gets more requests in flight and a
    hanging one never ties up more than ``PER_ENDPOINT`` threads. Of the requests in flight, only those
    younger than ``FAST_ANSWER_MS`` count against ``threads``: the pool has twice as many, so that several
    receivers hanging at once (each holding its ``PER_ENDPOINT`` threads until the read timeout) leave the
    others ``threads`` to send with. A worker that dies between sending and writing leaves its deliveries to
    come due again when their lease runs out (at least once)."""
    stop_at = time.monotonic() + max_seconds
    made = 0
    held: dict[uuid.UUID, int] = {}  # claimed by this run and not yet recorded, per endpoint
    flying: dict[uuid.UUID, int] = {}  # in a thread now, per endpoint
    limit: dict[uuid.UUID, int] = {}  # in flight at most, per endpoint (adapts to how fast it answers)
    ceiling: dict[uuid.UUID, int] = {}  # held at most, per endpoint
    queue: deque[_Request] = deque()
    in_flight: dict[Future[_Result], _Request] = {}
    sent_at: dict[Future[_Result], float] = {}
    results: list[_Result] = []
    recorded_at = time.monotonic()
    exhausted = False  # the last claim found all that was due, and less than it asked for: wait a moment
    claimed_at = 0.0
    with (
        outbound.Connections() as connections,  # HTTP keep-alive: each thread's open connections per receiver
        ThreadPoolExecutor(max_workers=2 * threads, thread_name_prefix="webhook") as pool,
    ):
        while True:
            now = time.monotonic()
            idle = not in_flight and not queue
            short = len(queue) < threads and (not exhausted or now - claimed_at >= RECORD_EVERY)
            if now < stop_at and (idle or short):
                claimed_at = now
                wanted = 2 * threads - len(queue)
                claimed, more = _claim(wanted, held, ceiling)
                exhausted = len(claimed) < wanted and not more
                for request in claimed:
                    held[request.endpoint_id] = held.get(request.endpoint_id, 0) + 1
                    queue.append(request)
            waiting: deque[_Request] = deque()
            young = now - FAST_ANSWER_MS / 1000
            busy = sum(1 for at in sent_at.values() if at > young)  # requests still expected to answer soon
            while queue:
                request = queue.popleft()
                endpoint = request.endpoint_id
                free = busy < threads and len(in_flight) < 2 * threads
                if free and flying.get(endpoint, 0) < limit.get(endpoint, PER_ENDPOINT):
                    flying[endpoint] = flying.get(endpoint, 0) + 1
                    future = pool.submit(_send, request, connections)
                    in_flight[future] = request
                    sent_at[future] = now
                    busy += 1
                else:
                    waiting.append(request)
            queue = waiting
            if not in_flight and not queue:
                break
            done, _pending = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED) if in_flight else (set(), set())
            for future in done:
                request = in_flight.pop(future)
                del sent_at[future]
                flying[request.endpoint_id] -= 1
                result = future.result()
                results.append(result)
                if _adapt(limit, ceiling, result):
                    queue = _shed(queue, held, ceiling, request.endpoint_id)
            quiet = not in_flight and not queue
            if results and (quiet or len(results) >= RECORD_BATCH or time.monotonic() - recorded_at >= RECORD_EVERY):
                _record(results)
                for result in results:
                    held[result.request.endpoint_id] -= 1
                made += len(results)
                results = []
                recorded_at = time.monotonic()
    if results:
        _record(results)
        made += len(results)
    return made


def _adapt(limit: dict[uuid.UUID, int], ceiling: dict[uuid.UUID, int], result: _Result) -> bool:
    """One more in flight for an endpoint that answered fast, back to ``PER_ENDPOINT`` after a slow answer
    or a failure (a receiver that starts to hang loses its extra threads with its first timeout). True when
    the endpoint's limit went down."""
    endpoint = result.request.endpoint_id
    before = limit.get(endpoint, PER_ENDPOINT)
    if result.delivered and result.duration_ms < FAST_ANSWER_MS:
        limit[endpoint] = min(before + 1, MAX_PER_ENDPOINT)
    else:
        limit[endpoint] = PER_ENDPOINT
    ceiling[endpoint] = HOLD_AHEAD * limit[endpoint]
    return limit[endpoint] < before


def _shed(
    queue: deque[_Request], held: dict[uuid.UUID, int], ceiling: dict[uuid.UUID, int], endpoint: uuid.UUID
) -> deque[_Request]:
    """An endpoint whose limit went down (it began to answer slowly or to hang) keeps no more claimed than its
    new ceiling: the rest of its queued deliveries, newest first, are given back (due again now). Held, they
    would outlast their lease at four at a time (and be claimed again by another run while this one still
    sends them), and fill the queue so that nothing is claimed for the other endpoints meanwhile."""
    extra = held.get(endpoint, 0) - ceiling.get(endpoint, HELD_PER_ENDPOINT)
    if extra <= 0:
        return queue
    released: list[_Request] = []
    for request in reversed(queue):
        if len(released) == extra:
            break
        if request.endpoint_id == endpoint:
            released.append(request)
    if not released:
        return queue
    ids = {request.delivery_id for request in released}
    held[endpoint] -= len(released)
    with scopes_disabled():
        WebhookDelivery.objects.filter(pk__in=ids, status__in=DUE).update(next_attempt_at=timezone.now())
    return deque(request for request in queue if request.delivery_id not in ids)


def next_due() -> datetime | None:
    """When the next retry falls due (to schedule the task), ``None`` when nothing waits."""
    with scopes_disabled():
        return (
            WebhookDelivery.objects.filter(status__in=DUE, endpoint__is_active=True)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
