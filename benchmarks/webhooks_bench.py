"""Webhook delivery benchmark (issue 17): how many calls one worker makes a minute, and whether a receiver that
hangs slows the others.

One worker is :func:`kasse.notifications.delivery.run_due` in this process (its pool of threads, the claims
with ``SELECT … FOR UPDATE SKIP LOCKED`` and the results written back), on PostgreSQL (a fresh database of
its own, ``KASSE_BENCH_POSTGRES_URL``) or, with ``--database sqlite``, on a SQLite file. The receivers run in a
**child process** (so that their work does not share this process's interpreter lock): ``fast`` answers every
POST with 204 at once, ``hanging`` accepts the connection, reads the request and never answers (the worker's
read timeout, ``KASSE_WEBHOOKS_READ_TIMEOUT``, ends each attempt).

* **fast alone**: ``--calls`` deliveries to three fast endpoints (sale events, signed bodies), timed from
  the first claim until the last one is recorded as delivered: calls a minute (target ≥ 10,000).
* **fast beside a hanging receiver**: the same again, with ``--hanging`` deliveries to a hanging endpoint
  queued *first*: the fast endpoints' calls a minute, and the ratio to the run alone (target: not slower
  than 0.9 of it, which is what "does not slow the others" means in numbers).

``--rounds`` (3) times each, alternating; the medians are reported with the range, and the CPU time this
process spent a call (the worker's threads and a cheap poll; the receivers are another process).

Run: ``python -m benchmarks.webhooks_bench [--calls 12000] [--hanging 40] [--rounds 3]
[--database postgres|sqlite]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "kasse_bench_webhooks"
TARGET_PER_MINUTE = 10_000
FAST_ENDPOINTS = 3
MAX_RUNS = 3  # worker runs a measurement may take when attempts failed on the way (each one retried)


# --- the receivers (child process) -----------------------------------------------------------------------


class _Fast(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _hang(sock: socket.socket, stop: threading.Event) -> None:
    sock.listen(64)
    sock.settimeout(0.5)
    held = []
    while not stop.is_set():
        try:
            conn, _addr = sock.accept()
        except TimeoutError:
            continue
        held.append(conn)  # read nothing back, answer nothing: the client's read timeout ends it


class _Server(ThreadingHTTPServer):
    # the worker opens up to twice its threads' connections at once; http.server's backlog of 5 overflows under
    # load, and a connection the kernel then resets is a failed attempt the receiver never saw (seen in CI)
    request_queue_size = 256


def receivers() -> None:
    """Serve a fast and a hanging receiver on 127.0.0.1; print their ports; run until stdin closes."""
    fast = _Server(("127.0.0.1", 0), _Fast)
    fast.daemon_threads = True
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    stop = threading.Event()
    threading.Thread(target=fast.serve_forever, daemon=True).start()
    threading.Thread(target=_hang, args=(hanging, stop), daemon=True).start()
    print(json.dumps({"fast": fast.server_address[1], "hanging": hanging.getsockname()[1]}), flush=True)
    sys.stdin.read()
    stop.set()
    fast.shutdown()


# --- the worker (this process) -----------------------------------------------------------------------------


def _setup(database: str, data_dir: Path) -> None:
    os.environ["KASSE_DATA_DIR"] = str(data_dir)
    os.environ["KASSE_WEBHOOKS_ALLOW_LOOPBACK"] = "1"
    os.environ.setdefault("KASSE_WEBHOOKS_READ_TIMEOUT", "5")
    if database == "postgres":
        _recreate_database()
        os.environ["DATABASE_URL"] = POSTGRES_URL.rstrip("/") + "/" + DATABASE
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
    import django

    django.setup()
    from benchmarks.database import migrate

    migrate()  # a copy of the migrated template, on either engine (``_recreate_database``)


def _recreate_database(drop_only: bool = False) -> None:
    """Drop the benchmark's PostgreSQL database and (unless ``drop_only``) create it again as a copy of the
    migrated template."""
    import psycopg

    from benchmarks.database import create_postgres_database

    with psycopg.connect(POSTGRES_URL.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    if not drop_only:
        create_postgres_database(DATABASE, POSTGRES_URL)


def _queue(organization: Any, endpoints: list[Any], per_endpoint: int) -> list[Any]:
    """``per_endpoint`` sale events, each with a delivery to every endpoint of ``endpoints``; their ids."""
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from kasse.notifications.models import Event, WebhookDelivery

    now = timezone.now()
    with scopes_disabled():
        events = Event.objects.bulk_create(
            [
                Event(
                    organization=organization,
                    kind="sale.completed",
                    payload={"sale_id": str(n), "receipt_number": n, "total": "12.50", "currency": "EUR"},
                    occurred_at=now,
                )
                for n in range(per_endpoint)
            ],
            batch_size=2000,
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(organization=organization, endpoint=endpoint, event=event, next_attempt_at=now)
                for event in events
                for endpoint in endpoints
            ],
            batch_size=2000,
        )
    return [d.pk for d in deliveries]


def _deliver(fast_ids: list[Any], endpoints: list[Any]) -> tuple[float, float]:
    """Run one worker until every delivery of ``fast_ids`` (to ``endpoints``) is delivered; the seconds it
    took and the CPU seconds this process spent meanwhile (the worker's threads and this cheap poll)."""
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from kasse.notifications import delivery
    from kasse.notifications.models import DeliveryStatus, WebhookDelivery

    made: list[int] = []
    with scopes_disabled():  # what was delivered to these endpoints before (the first run's)
        before = WebhookDelivery.objects.filter(endpoint__in=endpoints, status=DeliveryStatus.SUCCEEDED).count()
    cpu = time.process_time()
    started = time.perf_counter()

    def work() -> None:
        made.append(delivery.run_due(max_seconds=600))
        connection.close()

    runs = 1
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    done_at = None
    with scopes_disabled():
        while worker.is_alive() or done_at is None:
            # by endpoint and status (an index), not by 12,000 ids: the poll must cost the worker nothing
            delivered = (
                WebhookDelivery.objects.filter(endpoint__in=endpoints, status=DeliveryStatus.SUCCEEDED).count() - before
            )
            if delivered == len(fast_ids):
                done_at = time.perf_counter()
                cpu = time.process_time() - cpu
                break
            if not worker.is_alive() and done_at is None:
                # it may have written its last results after the count: count once more
                delivered = (
                    WebhookDelivery.objects.filter(endpoint__in=endpoints, status=DeliveryStatus.SUCCEEDED).count()
                    - before
                )
                if delivered == len(fast_ids):
                    done_at = time.perf_counter()
                    cpu = time.process_time() - cpu
                    break
                left = WebhookDelivery.objects.filter(pk__in=fast_ids).exclude(status=DeliveryStatus.SUCCEEDED)
                if runs < MAX_RUNS and not left.exclude(status=DeliveryStatus.RETRYING).exists():
                    # an attempt failed on the way (a reset connection): the worker stops when nothing is due,
                    # and the retry would come 10 s later; make it due now and run again (reported as retried)
                    left.update(next_attempt_at=timezone.now())
                    runs += 1
                    worker = threading.Thread(target=work, daemon=True)
                    worker.start()
                    continue
                errors = Counter(left.values_list("status", "error"))
                raise RuntimeError(f"the worker stopped with {delivered} of {len(fast_ids)} delivered: {errors}")
            time.sleep(0.1)
        # the hanging receiver's deliveries come due again every few seconds while the worker runs: switch
        # its endpoint off, so that the run ends after the attempts in flight instead of at max_seconds
        from kasse.notifications.models import WebhookEndpoint

        WebhookEndpoint.objects.filter(url__contains="/hook").exclude(pk__in=[e.pk for e in endpoints]).update(
            is_active=False
        )
    worker.join()
    connection.close()
    return done_at - started, cpu


def run(calls: int, hanging: int, database: str, rounds: int = 3) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.webhooks_bench", "--receivers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ports = json.loads(child.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="kasse-bench-webhooks-") as tmp:
            _setup(database, Path(tmp))
            return _measure(calls, hanging, database, ports, rounds)
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=10)
        if database == "postgres":
            from django.db import connections

            connections.close_all()
            _recreate_database(drop_only=True)


def _retried(ids: list[Any]) -> int:
    from django_scopes import scopes_disabled

    from kasse.notifications.models import WebhookDelivery

    with scopes_disabled():
        return WebhookDelivery.objects.filter(pk__in=ids, attempts__gt=1).count()


def _measure(calls: int, hanging: int, database: str, ports: dict[str, int], rounds: int = 3) -> dict[str, Any]:
    """``rounds`` times: the fast receivers alone, then beside the hanging one; medians of the rounds (one
    run's wall time swings with whatever else the machine does; the median of alternating runs less so)."""
    from django.conf import settings
    from django_scopes import scopes_disabled

    from kasse.notifications.models import WebhookEndpoint
    from kasse.testing.factories import OrganizationFactory

    with scopes_disabled():
        organization = OrganizationFactory()
        fast = [
            WebhookEndpoint.objects.create(
                organization=organization,
                url=f"http://127.0.0.1:{ports['fast']}/hook/{n}",
                events=["sale.completed"],
                secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            )
            for n in range(FAST_ENDPOINTS)
        ]
        slow = WebhookEndpoint.objects.create(
            organization=organization,
            url=f"http://127.0.0.1:{ports['hanging']}/hook",
            events=["sale.completed"],
            secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
    per_endpoint = max(1, calls // FAST_ENDPOINTS)
    runs: dict[str, list[tuple[float, float]]] = {"alone": [], "beside": []}  # (calls a minute, CPU ms a call)
    n = per_endpoint * FAST_ENDPOINTS
    retried = 0  # fast deliveries that needed a second attempt (a run waits ~10 s for its retry)
    for _round in range(rounds):
        alone_ids = _queue(organization, fast, per_endpoint)
        seconds, cpu = _deliver(alone_ids, fast)
        runs["alone"].append((n / seconds * 60, cpu / n * 1000))
        retried += _retried(alone_ids)
        with scopes_disabled():  # the run before switched it off when its fast deliveries were done
            WebhookEndpoint.objects.filter(pk=slow.pk).update(is_active=True)
        _queue(organization, [slow], hanging)  # queued first: the worker meets them before the fast ones
        beside_ids = _queue(organization, fast, per_endpoint)
        seconds, cpu = _deliver(beside_ids, fast)
        runs["beside"].append((n / seconds * 60, cpu / n * 1000))
        retried += _retried(beside_ids)

    def summary(name: str) -> dict[str, Any]:
        rates = [rate for rate, _cpu in runs[name]]
        return {
            "calls_per_minute": round(statistics.median(rates)),
            "min": round(min(rates)),
            "max": round(max(rates)),
            "cpu_ms_per_call": round(statistics.median(cpu for _rate, cpu in runs[name]), 3),
        }

    alone, beside = summary("alone"), summary("beside")
    return {
        "database": database,
        "read_timeout_s": settings.KASSE_WEBHOOKS_READ_TIMEOUT,
        "fast_endpoints": FAST_ENDPOINTS,
        "calls": n,
        "rounds": rounds,
        "hanging_deliveries": hanging,
        "fast_retried": retried,
        "alone": alone,
        "beside_hanging": beside,
        "load_average": round(os.getloadavg()[0], 2),
        "ratio_beside_to_alone": round(beside["calls_per_minute"] / alone["calls_per_minute"], 3),
        "target_calls_per_minute": TARGET_PER_MINUTE,
        "target_met": min(alone["calls_per_minute"], beside["calls_per_minute"]) >= TARGET_PER_MINUTE,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=12_000)
    parser.add_argument("--hanging", type=int, default=40)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rounds", type=int, default=3, help="alone and beside, alternating; medians reported")
    parser.add_argument("--receivers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.receivers:
        receivers()
        return
    print(table(run(args.calls, args.hanging, args.database, max(1, args.rounds))))


def table(result: dict[str, Any]) -> str:
    """The result as the section of docs/benchmarks.md."""
    alone, beside = result["alone"], result["beside_hanging"]
    ok = "✅" if result["target_met"] else "❌"
    steady = "✅" if result["ratio_beside_to_alone"] >= 0.9 else "❌"
    return "\n".join(
        [
            f"{result['database']}; {result['fast_endpoints']} endpoints on one fast receiver, "
            f"{result['hanging_deliveries']} deliveries to a receiver that never answers (read timeout "
            f"{result['read_timeout_s']:g} s) queued before each run beside it.",
            "",
            f"Load average (1 min) at the end: {result['load_average']} on {os.cpu_count()} cores.",
            "",
            f"Medians of {result['rounds']} rounds (alone, then beside the hanging receiver, alternating); "
            f"fast deliveries that needed a second attempt: {result['fast_retried']}.",
            "",
            "| one worker | calls a round | calls a minute (median) | min-max | CPU ms a call | target |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            f"| fast receivers alone | {result['calls']} | {alone['calls_per_minute']:,} | "
            f"{alone['min']:,}-{alone['max']:,} | {alone['cpu_ms_per_call']} | ≥ {TARGET_PER_MINUTE:,} {ok} |",
            f"| the same beside a hanging receiver | {result['calls']} | {beside['calls_per_minute']:,} | "
            f"{beside['min']:,}-{beside['max']:,} | {beside['cpu_ms_per_call']} | ratio to alone "
            f"{result['ratio_beside_to_alone']} (≥ 0.9 {steady}) |",
        ]
    )


if __name__ == "__main__":
    main()
