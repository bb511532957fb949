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

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.notifications import outbound, signing
from kasse.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

THREADS = 32
PER_ENDPOINT = 4  # requests in flight to one endpoint at most
HELD_PER_ENDPOINT = 4 * PER_ENDPOINT  # claimed ahead by one run: a hanging endpoint's lease must outlast its queue
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


@dataclass(frozen=True)
class _Result:
    request: _Request
    status: int | None
    excerpt: str
    duration_ms: int
    error: str
    attempted_at: datetime


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
    message = {
        "type": event.kind,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {**event.payload, "organization_id": str(event.organization_id)}
        | ({"store_id": str(event.store_id)} if event.store_id else {}),
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _send(request: _Request) -> _Result:
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


def _claim(limit: int, held: dict[uuid.UUID, int]) -> list[_Request]:
    """Take up to ``limit`` due deliveries of active endpoints, at most ``HELD_PER_ENDPOINT`` held by this run
    per endpoint (``held``: what it holds now, in flight or waiting for a thread)."""
    now = timezone.now()
    saturated = [pk for pk, n in held.items() if n >= HELD_PER_ENDPOINT]
    with scopes_disabled(), transaction.atomic():
        _without_waiting_for_the_disk()
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=DUE, next_attempt_at__lte=now, endpoint__is_active=True)
            .exclude(endpoint_id__in=saturated)
            .select_related("endpoint", "event")
            .order_by("next_attempt_at")[: limit * 2]
        )
        taken: list[WebhookDelivery] = []
        counts = dict(held)
        for row in rows:
            if len(taken) >= limit or counts.get(row.endpoint_id, 0) >= HELD_PER_ENDPOINT:
                continue
            counts[row.endpoint_id] = counts.get(row.endpoint_id, 0) + 1
            taken.append(row)
        for row in taken:
            row.request_body = body_of(row).decode()
            row.next_attempt_at = now + LEASE
            if row.first_attempt_at is None:
                row.first_attempt_at = now
        WebhookDelivery.objects.bulk_update(taken, ["request_body", "next_attempt_at", "first_attempt_at"])
    return [
        _Request(
            row.pk,
            row.endpoint_id,
            row.endpoint.url,
            row.request_body.encode(),
            row.endpoint.secret,
            str(row.event_id),
        )
        for row in taken
    ]


def _record(results: list[_Result]) -> None:
    """Write what came back: delivered, retried later, or given up (and the endpoint switched off)."""
    now = timezone.now()
    gave_up: list[uuid.UUID] = []
    with scopes_disabled(), transaction.atomic():
        _without_waiting_for_the_disk()
        rows = {
            d.pk: d
            for d in WebhookDelivery.objects.select_for_update().filter(pk__in=[r.request.delivery_id for r in results])
        }
        for result in results:
            delivery = rows.get(result.request.delivery_id)
            if delivery is None:  # the endpoint was deleted meanwhile
                continue
            delivery.attempts += 1
            delivery.last_attempt_at = result.attempted_at
            delivery.response_status = result.status
            delivery.response_excerpt = result.excerpt
            delivery.duration_ms = result.duration_ms
            delivery.error = result.error
            if result.status is not None and 200 <= result.status < 300:
                delivery.status = DeliveryStatus.SUCCEEDED
                delivery.error = ""
                continue
            if not delivery.error:
                delivery.error = f"HTTP {result.status}"
            first = delivery.first_attempt_at or result.attempted_at
            next_at = now + retry_delay(delivery.attempts)
            if now >= first + RETRY_FOR:
                delivery.status = DeliveryStatus.FAILED
                gave_up.append(delivery.endpoint_id)
            else:
                delivery.status = DeliveryStatus.RETRYING
                delivery.next_attempt_at = min(next_at, first + RETRY_FOR)
        WebhookDelivery.objects.bulk_update(
            list(rows.values()),
            [
                "attempts",
                "last_attempt_at",
                "response_status",
                "response_excerpt",
                "duration_ms",
                "error",
                "status",
                "next_attempt_at",
                "updated_at",
            ],
        )
        for endpoint_id in set(gave_up):
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

        The database is touched in batches, not per call: deliveries are claimed ahead (up to twice the
        threads, at most ``HELD_PER_ENDPOINT`` per endpoint, leased) into a local queue from which a request
        goes to a thread as soon as its endpoint has fewer than ``PER_ENDPOINT`` in flight, and results are
        written every ``RECORD_EVERY`` seconds or ``RECORD_BATCH`` results; more are claimed at most every
    ``RECORD_EVERY`` seconds while some are in flight. A worker that dies between sending
        and writing leaves its deliveries to come due again when their lease runs out (at least once)."""
    stop_at = time.monotonic() + max_seconds
    made = 0
    held: dict[uuid.UUID, int] = {}  # claimed by this run and not yet recorded, per endpoint
    flying: dict[uuid.UUID, int] = {}  # in a thread now, per endpoint
    queue: deque[_Request] = deque()
    in_flight: dict[Future[_Result], _Request] = {}
    results: list[_Result] = []
    recorded_at = claimed_at = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as pool:
        while True:
            now = time.monotonic()
            idle = not in_flight and not queue
            if now < stop_at and len(queue) < threads and (idle or now - claimed_at >= RECORD_EVERY):
                claimed_at = now
                for request in _claim(2 * threads - len(queue), held):
                    held[request.endpoint_id] = held.get(request.endpoint_id, 0) + 1
                    queue.append(request)
            waiting: deque[_Request] = deque()
            while queue:
                request = queue.popleft()
                if len(in_flight) < threads and flying.get(request.endpoint_id, 0) < PER_ENDPOINT:
                    flying[request.endpoint_id] = flying.get(request.endpoint_id, 0) + 1
                    in_flight[pool.submit(_send, request)] = request
                else:
                    waiting.append(request)
            queue = waiting
            if not in_flight and not queue:
                break
            done, _pending = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED) if in_flight else (set(), set())
            for future in done:
                request = in_flight.pop(future)
                flying[request.endpoint_id] -= 1
                results.append(future.result())
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


def next_due() -> datetime | None:
    """When the next retry falls due (to schedule the task), ``None`` when nothing waits."""
    with scopes_disabled():
        return (
            WebhookDelivery.objects.filter(status__in=DUE, endpoint__is_active=True)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
