"""Push latency benchmark (issue 17): from a sale ingested in the cloud to the push request arriving at the
push service.

Everything on loopback. The cloud's database is PostgreSQL (``KASSE_BENCH_POSTGRES_URL``, a fresh database
``kasse_push_bench``) or, with ``--database sqlite`` or when PostgreSQL is unreachable, a fresh SQLite file.
This process plays the cloud's sync endpoint: it ingests a store node's records of one 3-line sale at a time
(``Ingestor(node, records).run()``, as ``POST /sync/v1/push`` does, inside the same ``around_upload()``), so
the sale's ``sale.completed`` is published after that commit. ``kasse worker`` runs as its own process, as in
production: it stores the event, finds the owner (who chose push for every sale), writes the outgoing push and
sends it, encrypted and VAPID-signed, to the local push service (``kasse/testing/push_service.py``, in this
process), which checks the JWT and decrypts the payload before it stamps the arrival. Latency: arrival minus
the end of the ingestion. Sales are spaced 100-300 ms apart at random, so each one meets the worker at a
random point of its polling.

The worker looks for new tasks every ``--interval`` seconds when it is idle (django-tasks' ``db_worker``; the
demo runs it at 1 s); each interval in ``--intervals`` is measured with its own worker. Baseline in the same
run: the push alone, encrypted, signed and sent from this process to the same push service.

Run: ``python -m benchmarks.push_bench [--sales 60] [--intervals 1,0.2] [--database postgres|sqlite]``
(``make bench`` runs it as the ``push`` suite).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
BENCH_DB = "kasse_push_bench"
TARGET_P95_MS = 1000.0


def _postgres_ok() -> bool:
    """Whether PostgreSQL is usable: then the benchmark's database is created afresh, a copy of the migrated
    template."""
    try:
        import psycopg

        from benchmarks.database import create_postgres_database

        with psycopg.connect(POSTGRES_URL.rstrip("/") + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        create_postgres_database(BENCH_DB, POSTGRES_URL)
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL"
        return False
    return True


def _drop_postgres() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL.rstrip("/") + "/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _row(name: str, values_ms: list[float], target: str = "") -> str:
    return (
        f"| {name} | {len(values_ms)} | {_percentile(values_ms, 0.5):.0f} | {_percentile(values_ms, 0.95):.0f} "
        f"| {max(values_ms):.0f} | {target} |"
    )


def _world(sales: int) -> dict[str, Any]:
    """An organization with a store node, an owner who wants a push for every sale, and ``sales`` sales born
    on the node (their records as a push sends them)."""
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.notifications.preferences import save_preferences
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.sync.engine.local import NODE_BLOCK_SIZE
    from kasse.sync.models import StoreNode
    from kasse.tenancy.models import Employee, Organization, Register, StoreRole
    from kasse.tenancy.permissions import Role
    from kasse.testing.sync import node_records
    from kasse.testing.world_commands import _setup

    info = _setup(20)
    with scopes_disabled():
        register = Register.objects.get(pk=info["register"])
        organization = Organization.objects.get(pk=register.organization_id)
        employee = Employee.objects.create(organization=organization, display_name="Kim")
        StoreRole.objects.create(
            organization=organization, employee=employee, store_id=register.store_id, role=Role.MANAGER
        )
        owner = Employee.objects.get(organization=organization, user__isnull=False).user
        variants = list(Variant.objects.filter(organization=organization).values_list("pk", flat=True))
        node = StoreNode.objects.create(
            organization=organization,
            store_id=register.store_id,
            name="Bench",
            token_digest=secrets.token_hex(32),
            customer_number_base=NODE_BLOCK_SIZE,
        )
    save_preferences(
        user=owner,
        organization=organization,
        store=None,
        rows=[{"kind": "sale.completed", "in_app": True, "push": True, "email": False}],
    )
    actor = Actor.for_employee(employee)
    rng = random.Random(17)
    with scope(organization=organization):
        open_shift(actor=actor, register=register, employee=employee, count={"20": 5})

        def sell() -> None:
            for _ in range(sales):
                cart = SaleInput(
                    id=uuid7(),
                    payments=[],
                    lines=[LineInput(rng.choice(variants), Decimal(rng.randint(1, 3))) for _ in range(3)],
                )
                cart.payments = [PaymentInput("cash", cart_total(register, cart))]
                complete_sale(actor=actor, register=register, employee=employee, cart=cart)

        records = node_records(sell)
    # One upload per sale: its records up to the next sale's (the sale, its audit entry, ...).
    groups: list[list[dict[str, Any]]] = []
    lead: list[dict[str, Any]] = []
    for record in records:
        if record["kind"] == "sale":
            groups.append([*lead, record])
            lead = []
        elif groups:
            groups[-1].append(record)
        else:
            lead.append(record)
    if len(groups) != sales:
        kinds = sorted({r["kind"] for r in records})
        raise RuntimeError(f"expected {sales} sales among the node's records, found {len(groups)} ({kinds})")
    return {"organization": organization, "owner": owner, "node": node, "uploads": groups}


def _subscribe(world: dict[str, Any], service: Any) -> Any:
    from django_scopes import scopes_disabled

    from kasse.notifications import vapid
    from kasse.notifications.models import PushSubscription

    browser = service.subscribe(vapid.application_server_key())
    with scopes_disabled():
        return PushSubscription.objects.create(
            organization=world["organization"],
            user=world["owner"],
            endpoint=browser["endpoint"],
            p256dh=browser["keys"]["p256dh"],
            auth=browser["keys"]["auth"],
            label="Bench",
        )


def _start_worker(interval: float, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "kasse.cli", "worker", "--interval", str(interval), "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _measure(world: dict[str, Any], service: Any, uploads: list[list[dict[str, Any]]]) -> list[float]:
    from kasse.sync.cloud.ingest import Ingestor

    rng = random.Random(3)
    latencies = []
    for upload in uploads:
        before = len(service.received)
        results = Ingestor(world["node"], upload).run()
        ingested = time.time()
        if any(r["status"] != "ok" for r in results.values()):
            raise RuntimeError(f"ingestion refused a record: {results}")
        arrived = service.wait_for(before + 1, timeout=60)
        if len(arrived) <= before:
            raise RuntimeError(f"no push arrived within 60 s (rejected: {service.rejected[-3:]})")
        latencies.append((arrived[before].at - ingested) * 1000)
        time.sleep(rng.uniform(0.1, 0.3))
    return latencies


def _baseline(service: Any, subscription: Any, count: int) -> list[float]:
    from kasse.notifications import webpush

    target = webpush.Subscription(subscription.endpoint, subscription.p256dh, subscription.auth)
    times = []
    for n in range(count):
        before = len(service.received)
        started = time.time()
        webpush.send(target, {"title": "kasse", "body": f"baseline {n}"})
        times.append((service.wait_for(before + 1)[before].at - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=60)
    parser.add_argument("--intervals", default="1,0.2", help="the worker's polling intervals to measure, seconds")
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    args = parser.parse_args()
    intervals = [float(v) for v in args.intervals.split(",") if v.strip()]

    data_dir = Path(tempfile.mkdtemp(prefix="kasse-push-bench-"))
    use_postgres = args.database != "sqlite" and _postgres_ok()
    if args.database == "postgres" and not use_postgres:
        raise SystemExit("PostgreSQL is not reachable at " + POSTGRES_URL)
    database = POSTGRES_URL.rstrip("/") + "/" + BENCH_DB if use_postgres else f"sqlite:///{data_dir / 'cloud.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "KASSE_DATA_DIR": str(data_dir),
        "KASSE_ROLE": "cloud",
        "KASSE_ENV": "dev",
        "KASSE_WEBHOOKS_ALLOW_LOOPBACK": "1",
        "KASSE_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "kasse.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from benchmarks.database import migrate
    from kasse.testing.push_service import PushService

    migrate()  # a copy of the migrated template, on either engine (``_postgres_ok``)
    world = _world(args.sales * len(intervals) + len(intervals))
    uploads = world["uploads"]
    results: dict[str, list[float]] = {}
    with PushService() as service:
        subscription = _subscribe(world, service)
        results["baseline"] = _baseline(service, subscription, max(10, args.sales // 2))
        for index, interval in enumerate(intervals):
            worker = _start_worker(interval, env, data_dir / "worker.log")
            try:
                mine = uploads[index * (args.sales + 1) : (index + 1) * (args.sales + 1)]
                _measure(world, service, mine[:1])  # warm-up: the worker started and imported everything
                results[f"{interval:g}"] = _measure(world, service, mine[1:])
            finally:
                worker.terminate()
                worker.wait(timeout=30)
        rejected = list(service.rejected)
    from django.db import connections

    connections.close_all()
    if use_postgres:
        _drop_postgres()
    shutil.rmtree(data_dir, ignore_errors=True)

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"Cloud database: {'PostgreSQL' if use_postgres else 'SQLite'}; {args.sales} sales per worker interval; "
        f"load average {load} at the end (a shared 2-core machine: figures are noisy)."
    )
    print()
    print("| path | n | median ms | p95 ms | max ms | target |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    print(
        _row("baseline: push alone (encrypt, sign, POST, decrypt and check at the push service)", results["baseline"])
    )
    for interval in intervals:
        values = results[f"{interval:g}"]
        met = "met" if _percentile(values, 0.95) <= TARGET_P95_MS else "**not met**"
        print(
            _row(
                f"sale ingested → push arrived, `kasse worker --interval {interval:g}`",
                values,
                f"p95 ≤ 1,000 ms: {met}",
            )
        )
    print()
    print(json.dumps({"rejected_by_push_service": len(rejected)}))


if __name__ == "__main__":
    main()
