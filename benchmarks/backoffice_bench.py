"""Back-office benchmark (issue 15): the Übersicht and the receipt journal on many seeded sales.

On PostgreSQL: migrate an empty database (or reuse one with ``--reuse``), seed the demo shop and
``--sales`` sales over two years and three stores (``kasse seed --sales``, COPY), then time, server side
around the Django test client as the owner:

* the **Übersicht** (``GET /``: today's figures per store against last week, by hour, top products,
  open shifts, alerts), target p95 ≤ 300 ms;
* a **receipt search by number** (``/sales/receipts/?number=N``, a random existing number), target
  p95 ≤ 50 ms;
* a **filtered journal page** (one store, card payments) at the first page and **deep in the result**
  (cursors at the 1,000th, 10,000th, 100,000th and 250,000th matching receipt, i.e. page 5,000), target
  p95 ≤ 200 ms.

Run: ``python -m benchmarks.backoffice_bench [--sales N] [--reuse]`` (``make bench`` runs it with
``--sales 2000000`` via ``benchmarks.run --suites backoffice``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import time
from typing import Any

POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "kasse_bench_backoffice"
TARGETS_MS = {"overview": 300.0, "number": 50.0, "journal": 200.0}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _admin(sql: str) -> None:
    subprocess.run(["psql", POSTGRES_URL + "postgres", "-q", "-c", sql], check=True, capture_output=True)


def _setup(reuse: bool, database: str) -> None:
    if not reuse:
        _admin(f"DROP DATABASE IF EXISTS {database}")
        _admin(f"CREATE DATABASE {database}")
    os.environ["DATABASE_URL"] = POSTGRES_URL + database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(sales: int) -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from kasse.demo.sales import seed_sales
    from kasse.demo.seed import seed_demo
    from kasse.demo.shop import DEMO_ORGANIZATION_NAME, find_demo_organization
    from kasse.sales.models import Sale

    with scopes_disabled():
        organization = find_demo_organization(DEMO_ORGANIZATION_NAME)
        if organization is None:
            organization = seed_demo(customers_count=2000).organization
        have = Sale.objects.filter(organization=organization).count()
        seeded = None
        if have < sales:
            seeded = seed_sales(organization, sales - have, seed=15, progress=lambda m: print(m, flush=True))
        total = Sale.objects.filter(organization=organization).count()
    return {"organization": organization, "seeded": seeded, "receipts": total}


def _client(organization: Any) -> Any:
    from django.test import Client
    from django_scopes import scopes_disabled

    from kasse.testing.factories import owner_user

    with scopes_disabled():
        user = owner_user(organization, email=f"bench-{time.time_ns()}@example.org")
    client = Client()
    client.force_login(user)
    return client


def _time(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return took


def _row(name: str, values: list[float], target: float) -> str:
    p95 = percentile(values, 0.95)
    verdict = "yes" if p95 <= target else "**no**"
    figures = f"{statistics.median(values):.1f} | {p95:.1f} | {max(values):.1f}"
    return f"| {name} | {len(values)} | {figures} | ≤ {target:.0f} | {verdict} |"


def measure(context: dict[str, Any], repeat: int) -> list[str]:
    from django.db.models import Q
    from django_scopes import scopes_disabled

    from kasse.sales.journal import Cursor
    from kasse.sales.models import Sale
    from kasse.tenancy.models import Store

    organization = context["organization"]
    client = _client(organization)
    rng = random.Random(15)
    with scopes_disabled():
        numbers = list(
            Sale.objects.filter(organization=organization)
            .order_by("?")
            .values_list("receipt_number", flat=True)[:repeat]
        )
        store = Store.objects.filter(organization=organization).order_by("number").first()
        assert store is not None
        matching = Sale.objects.filter(store=store).filter(Q(payments__method="card")).order_by("-completed_at", "-id")
        cursors = {}
        for depth in (1_000, 10_000, 100_000, 250_000):
            row = matching.values_list("completed_at", "id")[depth - 1 : depth].first()
            if row is not None:
                cursors[depth] = Cursor(row[0], row[1]).encode()
    for _ in range(3):  # warm up caches and connections
        _time(client, "/")
    overview = [_time(client, "/") for _ in range(repeat)]
    by_number = [_time(client, f"/sales/receipts/?number={rng.choice(numbers)}") for _ in range(repeat)]
    base = f"/sales/receipts/?store={store.pk}&payment_method=card"
    first_page = [_time(client, base) for _ in range(repeat)]
    lines = [
        "| measurement | n | median ms | p95 ms | max ms | target p95 | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        _row("Übersicht (`GET /`)", overview, TARGETS_MS["overview"]),
        _row("receipt by number", by_number, TARGETS_MS["number"]),
        _row("journal, one store, card payments: first page", first_page, TARGETS_MS["journal"]),
    ]
    for depth, cursor in cursors.items():
        deep = [_time(client, f"{base}&cursor={cursor}") for _ in range(max(5, repeat // 4))]
        lines.append(_row(f"… after {depth:,} receipts (page {depth // 50 + 1:,})", deep, TARGETS_MS["journal"]))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kasse back-office benchmark (issue 15)")
    parser.add_argument("--sales", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the database and add only missing sales")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database afterwards (for --reuse)")
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL database to use (default {DATABASE})")
    args = parser.parse_args(argv)
    _setup(args.reuse, args.database)
    context = _seed(args.sales)
    seeded = context["seeded"]
    print()
    if seeded is not None:
        print(
            f"Seeded {seeded.sales:,} sales ({seeded.lines:,} lines) in {seeded.seconds:.0f} s: "
            f"{seeded.per_second:,.0f} sales/s (target ≥ 20,000/s)."
        )
    print(f"{context['receipts']:,} receipts in the database; load average {os.getloadavg()[0]:.1f}.")
    print()
    print("\n".join(measure(context, args.repeat)))
    if not (args.keep or args.reuse):
        from django.db import connections

        connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {args.database}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
