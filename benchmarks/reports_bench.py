"""Reports benchmark (issue 15): every report over a full year, and what keeping the sums costs sync ingestion.

Both on a fresh PostgreSQL database of their own (``KASSE_BENCH_POSTGRES_URL``, default
``postgres://postgres@127.0.0.1:5432/``):

* **reports**: the demo shop gets ``--sales`` receipts over two years in three stores from ``kasse seed
  --sales`` (COPY with triggers off; it marks the seeded store-hours as the trigger would), then the marked
  days are computed (timed: the one-off cost after a bulk load, what the first report would do); then each
  report is asked
  ``--runs`` times through Django's test client as the owner (a whole request: middleware, scopes, refresh
  of nothing pending, the queries, the template) for the last full calendar year with the previous year as
  comparison, and p50/p95 are reported. The sums, not the receipts, are read, so the time depends on stores,
  days, hours, registers, cashiers and products, hardly on the number of receipts.
* **ingestion A/B**: the sync benchmark's ingestion (``benchmarks/sync_bench.py``: ``--ingest-sales`` 5-line
  sales made as a store node would, pushed through ``Ingestor`` in batches) with the trigger that marks the
  sums and without it (``ALTER TABLE ... DISABLE TRIGGER``), interleaved round by round in the same process
  on the same database, so a loaded machine slows both alike.

Run: ``python -m benchmarks.reports_bench [--sales 2000000] [--runs 15] [--ingest-sales 3000] [--rounds 4]``
(``make bench`` runs it as the ``reports`` suite).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks.database import in_fresh_postgres

TARGET_P95_MS = 500.0
TRIGGER = "sales_sale_reports_mark"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


# --- seeding ------------------------------------------------------------------------------------------------


def _seed(sales: int) -> dict[str, Any]:
    """The demo shop plus ``sales`` receipts over two years in three stores (``kasse seed --sales``: COPY,
    triggers off), then the report sums computed for every day (timed: the one-off cost after a bulk load)."""
    from django_scopes import scope, scopes_disabled

    from kasse.demo.sales import seed_sales
    from kasse.demo.seed import seed_demo
    from kasse.reports import aggregates
    from kasse.testing.factories import owner_user

    with scopes_disabled():
        organization = seed_demo(customers_count=200).organization
        owner = owner_user(organization, email="owner@bench.example")
        seeded = seed_sales(organization, sales, seed=15)  # marks the seeded store-hours, as the trigger would
    started = time.perf_counter()
    with scope(organization=organization.pk):
        days = aggregates.refresh(organization.pk)  # what the first report after the load would do
    wall = time.perf_counter() - started
    return {
        "organization": organization.pk,
        "owner": owner.pk,
        "sales": seeded.sales,
        "lines": seeded.lines,
        "seed_seconds": round(seeded.seconds, 1),
        "refresh_days": days,
        "refresh_seconds": round(wall, 1),
    }


def _reports_child(sales: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from kasse.reports.models import HourSums, PendingHour, ProductMonthSums, ProductSums
    from kasse.tenancy.models import User

    call_command("migrate", verbosity=0)
    seeded = _seed(sales)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with scopes_disabled():
        sizes = {
            "hour_sums": HourSums.objects.count(),
            "product_sums": ProductSums.objects.count(),
            "product_month_sums": ProductMonthSums.objects.count(),
            "pending_left": PendingHour.objects.count(),
        }
    year = timezone.localdate().year - 1
    client = Client()
    client.force_login(User.objects.get(pk=seeded["owner"]))
    figures = time_reports(client, year, runs)
    print(
        json.dumps(
            {
                **{k: v for k, v in seeded.items() if k not in {"organization", "owner"}},
                "sums": sizes,
                "year": year,
                "runs": runs,
                "reports": figures,
            }
        )
    )


def time_reports(client: Any, year: int, runs: int) -> dict[str, Any]:
    """p50/p95 of every report over ``year`` (with the year before as comparison) and of one XLSX download,
    requested ``runs`` times each through ``client`` (after one untimed request that warms caches)."""
    from kasse.reports.backoffice_views import KINDS

    query = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "compare": "previous", "group": "week"}
    figures: dict[str, Any] = {}
    for kind in KINDS:
        times = []
        for run in range(runs + 1):
            started = time.perf_counter()
            response = client.get(f"/reports/{kind.slug}/", query)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{kind.slug}: {response.status_code}")
            if run:  # the first request warms caches (templates, translations)
                times.append(elapsed)
        figures[kind.slug] = {"p50_ms": _p(times, 0.5), "p95_ms": _p(times, 0.95)}
    xlsx = []
    for _ in range(5):
        started = time.perf_counter()
        client.get("/reports/products/", {**query, "format": "xlsx"})
        xlsx.append((time.perf_counter() - started) * 1000)
    figures["products.xlsx"] = {"p50_ms": _p(xlsx, 0.5), "p95_ms": _p(xlsx, 0.95)}
    return figures


# --- ingestion with and without the trigger ---------------------------------------------------------------


def _ingest_child(sales: int, rounds: int) -> None:
    import django

    django.setup()
    import gc

    from django.core.management import call_command
    from django.db import connection

    from benchmarks.sync_bench import SALE_TABLES, _ingest, _make_stream

    call_command("migrate", verbosity=0)
    stream = _make_stream(sales, seed=7)
    gc.collect()
    gc.freeze()
    # One untimed pass first: the first ingestion into a fresh database pays for cold caches and plans,
    # which would count against whichever variant happened to go first.
    _ingest(stream)
    seconds = {"with": 0.0, "without": 0.0}
    per_round: list[dict[str, float]] = []
    for n in range(rounds):
        order = ["with", "without"] if n % 2 == 0 else ["without", "with"]
        this_round = {}
        for variant in order:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(SALE_TABLES)}, reports_pendinghour CASCADE")
                action = "ENABLE" if variant == "with" else "DISABLE"
                cursor.execute(f"ALTER TABLE sales_sale {action} TRIGGER {TRIGGER}")
            took = sum(_ingest(stream))
            seconds[variant] += took
            this_round[variant] = round(sales / took)
        per_round.append(this_round)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE sales_sale ENABLE TRIGGER {TRIGGER}")
    with_rate, without_rate = sales * rounds / seconds["with"], sales * rounds / seconds["without"]
    print(
        json.dumps(
            {
                "sales": sales,
                "rounds": rounds,
                "with_sales_per_second": round(with_rate),
                "without_sales_per_second": round(without_rate),
                "change_percent": round((with_rate / without_rate - 1) * 100, 1),
                "per_round": per_round,
            }
        )
    )


# --- the parent: a fresh database per measurement -------------------------------------------------------------


def _in_fresh_database(mode: str, *args: str) -> dict[str, Any]:
    return in_fresh_postgres("reports", "benchmarks.reports_bench", mode, *args)


def render_markdown(results: dict[str, Any]) -> str:
    reports, ingest = results.get("reports"), results.get("ingest")
    lines = ["## Reports (issue 15)", ""]
    if reports:
        worst = max(v["p95_ms"] for k, v in reports["reports"].items() if not k.endswith(".xlsx"))
        lines += [
            f"{reports['sales']:,} receipts ({reports['lines']:,} lines) over two years in three stores, seeded by "
            f"`kasse seed --sales` (COPY) in {reports['seed_seconds']} s; the report sums of "
            f"{reports['refresh_days']:,} store-days with sales were computed in {reports['refresh_seconds']} s "
            f"(sums: {reports['sums']['hour_sums']:,} hour rows, "
            f"{reports['sums']['product_sums']:,} product-day rows, {reports['sums']['product_month_sums']:,} "
            f"product-month rows). Each report over {reports['year']} with {reports['year'] - 1} as comparison, "
            f"{reports['runs']} requests each through the test client:",
            "",
            "| report | p50 ms | p95 ms |",
            "| --- | ---: | ---: |",
            *(f"| {k} | {v['p50_ms']} | {v['p95_ms']} |" for k, v in reports["reports"].items()),
            "",
            f"Worst p95 {worst} ms against the target of {TARGET_P95_MS:.0f} ms: "
            f"{'met' if worst <= TARGET_P95_MS else 'NOT met'}.",
            "",
        ]
    if ingest:
        lines += [
            f"Sync ingestion with the trigger that marks the sums against without it, {ingest['sales']:,} sales, "
            f"{ingest['rounds']} interleaved rounds in one process: {ingest['with_sales_per_second']:,} vs "
            f"{ingest['without_sales_per_second']:,} sales/s ({ingest['change_percent']:+} %; target: no more than "
            f"10 % slower). Per round: {ingest['per_round']}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "_reports":
        _reports_child(int(args[1]), int(args[2]))
        return
    if args and args[0] == "_ingest":
        _ingest_child(int(args[1]), int(args[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sales", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ingest-sales", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--only", choices=["reports", "ingest"])
    options = parser.parse_args(args)
    results: dict[str, Any] = {}
    if options.only != "ingest":
        results["reports"] = _in_fresh_database("_reports", str(options.sales), str(options.runs))
    if options.only != "reports":
        results["ingest"] = _in_fresh_database("_ingest", str(options.ingest_sales), str(options.rounds))
    print(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
