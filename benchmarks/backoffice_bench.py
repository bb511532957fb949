"""Back-office benchmark (issue 15): every figure of the issue's benchmark on one seeded database.

On PostgreSQL: a copy of the migrated template database (or reuse one with ``--reuse``), seed the demo shop and
``--sales`` sales over two years and three stores (``kasse seed --sales``: COPY, the report sums written
with the receipts; timed, target ≥ 20,000 sales/s), then time, server side around the Django test client as
the owner:

* the **Übersicht** (``GET /``: today's figures per store against last week, by hour, top products,
  open shifts, alerts), target p95 ≤ 300 ms;
* a **receipt search by number** (``/sales/receipts/?number=N``, a random existing number), target
  p95 ≤ 50 ms;
* a **filtered journal page** (one store, card payments) at the first page and **deep in the result**
  (cursors at the 1,000th, 10,000th, 100,000th and 250,000th matching receipt, i.e. page 5,000), target
  p95 ≤ 200 ms;
* **every report** over the last full calendar year with the year before as comparison
  (``benchmarks.reports_bench.time_reports``), target p95 ≤ 500 ms;

then, in processes of their own,

* a **CSV export** of the last days holding about ``--export-lines`` receipt lines (1 million by default), as
  the worker writes it (``benchmarks.export_bench``): target ≥ 50,000 lines/s and the worker's memory
  growing by ≤ 50 MB;
* **sync ingestion with and without the trigger that keeps the sums**, interleaved in one process on a fresh
  database (``benchmarks.reports_bench --only ingest``): target no more than 10 % slower with it.

Run: ``python -m benchmarks.backoffice_bench [--sales N] [--reuse] [--keep] [--database NAME]`` (``make
bench`` runs it with ``--sales 2000000`` via ``benchmarks.run --suites backoffice``; ``--backoffice-sales``
scales it). Prints markdown.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
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
        from benchmarks.database import create_postgres_database

        _admin(f"DROP DATABASE IF EXISTS {database}")
        create_postgres_database(database, POSTGRES_URL)
    os.environ["DATABASE_URL"] = POSTGRES_URL + database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class DatabaseCpu:
    """CPU time the PostgreSQL processes serving ``database`` used while it runs (``with``): their
    ``/proc/<pid>/stat`` read every 0.2 s for every backend ``pg_stat_activity`` lists for the database (the
    seed's connections, the index builders and their parallel workers), so a process that ended counts up to
    its last reading. Works where PostgreSQL runs on this machine and ``/proc`` shows its processes; otherwise
    ``seconds`` stays ``None``. Checkpointer and WAL writer belong to no database and are not counted."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.readings: dict[int, tuple[float, float]] = {}  # pid: (first, last) CPU seconds
        self.available = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="database-cpu", daemon=True)

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _poll(self) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_URL + "postgres", autocommit=True) as conn:
            own = conn.info.backend_pid
            if self._cpu(own) is None:
                self.available = False
                return
            while not self._stop.wait(0.2):
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [self.database, own]
                ).fetchall()
                for (pid,) in rows:
                    now = self._cpu(pid)
                    if now is not None:
                        self.readings[pid] = (self.readings.get(pid, (now, now))[0], now)

    @property
    def seconds(self) -> float | None:
        if not self.available:
            return None
        return sum(last - first for first, last in self.readings.values())

    def __enter__(self) -> DatabaseCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.3)  # one more reading after the last statement
        self._stop.set()
        self._thread.join(timeout=10)


def _seed(sales: int, database: str) -> dict[str, Any]:
    import resource

    from django_scopes import scopes_disabled

    from kasse.demo.sales import seed_sales
    from kasse.demo.seed import seed_demo
    from kasse.demo.shop import DEMO_ORGANIZATION_NAME, find_demo_organization
    from kasse.sales.models import Sale, SaleLine

    with scopes_disabled():
        organization = find_demo_organization(DEMO_ORGANIZATION_NAME)
        if organization is None:
            organization = seed_demo(customers_count=min(2000, max(50, sales // 100))).organization
        have = Sale.objects.filter(organization=organization).count()
        seeded = None
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        load = os.getloadavg()[0]
        marks: dict[str, float | None] = {}

        def progress(message: str) -> None:
            if message.startswith("Building the receipt tables' indexes"):
                marks["database_cpu_loaded"] = database_cpu.seconds
            print(message, flush=True)

        with DatabaseCpu(database) as database_cpu:
            if have < sales:
                seeded = seed_sales(organization, sales - have, seed=15, progress=progress)
        after = resource.getrusage(resource.RUSAGE_SELF)
        total = Sale.objects.filter(organization=organization).count()
        lines = SaleLine.objects.filter(organization=organization).count()
    return {
        "organization": organization,
        "seeded": seeded,
        "receipts": total,
        "lines": lines,
        "python_cpu": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
        "database_cpu": database_cpu.seconds,
        "database_cpu_loaded": marks.get("database_cpu_loaded", database_cpu.seconds),
        "load": (load, os.getloadavg()[0]),
    }


def seeding_report(context: dict[str, Any]) -> list[str]:
    """The seed's rate, its phases and its CPU: this process's and the database's, per sale."""
    seeded = context["seeded"]
    python_cpu, database_cpu = context["python_cpu"], context["database_cpu"]
    lines = [
        f"Seeded {seeded.sales:,} sales ({seeded.returns:,} returns, {seeded.lines:,} lines) with their report sums "
        f"in {seeded.seconds:.0f} s: **{seeded.per_second:,.0f} sales/s** (target ≥ 20,000/s; load average "
        f"{context['load'][0]:.1f} before, {context['load'][1]:.1f} after).",
        "",
        "| phase | wall s | seeding process CPU s | database CPU s |",
        "| --- | ---: | ---: | ---: |",
    ]
    loaded = context["database_cpu_loaded"]
    rest = seeded.seconds - seeded.load_seconds - seeded.index_seconds
    if database_cpu is None or loaded is None:
        lines += [
            f"| rows and report sums (COPY) | {seeded.load_seconds:.1f} | | |",
            f"| indexes built again | {seeded.index_seconds:.1f} | | |",
            f"| ANALYZE | {rest:.1f} | | |",
            f"| all | {seeded.seconds:.1f} | {python_cpu:.1f} | (not readable here) |",
        ]
    else:
        lines += [
            f"| rows and report sums (COPY) | {seeded.load_seconds:.1f} | | {loaded:.1f} |",
            f"| indexes built again, ANALYZE | {seeded.index_seconds + rest:.1f} | | {database_cpu - loaded:.1f} |",
            f"| all | {seeded.seconds:.1f} | {python_cpu:.1f} | {database_cpu:.1f} |",
        ]
    per_sale = f"{python_cpu / seeded.sales * 1e6:.0f} µs of the seeding process"
    if database_cpu is not None:
        total = python_cpu + database_cpu
        per_sale += (
            f" + {database_cpu / seeded.sales * 1e6:.0f} µs of the database = {total / seeded.sales * 1e6:.0f} µs; "
            f"on {os.cpu_count()} cores fully used that is at most {seeded.sales / total * (os.cpu_count() or 1):,.0f}"
            " sales/s"
        )
    lines += ["", f"CPU per sale: {per_sale} (checkpointer and WAL writer not counted)."]
    return lines


_OWNERS: dict[Any, Any] = {}


def _client(organization: Any) -> Any:
    """A test client logged in as an owner of ``organization`` (one owner per organization and run: making one
    hashes a password, 0.6 CPU s)."""
    from django.test import Client
    from django_scopes import scopes_disabled

    from kasse.testing.factories import owner_user

    user = _OWNERS.get(organization.pk)
    if user is None:
        with scopes_disabled():
            user = _OWNERS[organization.pk] = owner_user(organization, email=f"bench-{time.time_ns()}@example.org")
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


def where_the_time_goes(context: dict[str, Any], urls: dict[str, str], repeat: int = 5) -> list[str]:
    """Per page: wall time, the Python process's CPU time and the database's own execution time of its
    SELECTs (each run again under ``EXPLAIN ANALYZE``), medians of ``repeat`` requests. On a loaded machine
    the wall time is mostly waiting for a CPU; CPU plus execution time is what the request costs."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(context["organization"])
    lines = [
        "| page | queries | wall ms | Python CPU ms | database execution ms | CPU + execution ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, url in urls.items():
        client.get(url)
        wall, cpu, execution = [], [], []
        count = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started, used = time.perf_counter(), time.process_time()
                client.get(url)
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - used) * 1000)
            count = len(queries.captured_queries)
            total = 0.0
            with connection.cursor() as cursor:
                for query in queries.captured_queries:
                    if query["sql"].lstrip().upper().startswith("SELECT"):
                        cursor.execute("EXPLAIN (ANALYZE) " + query["sql"])
                        for (line,) in cursor.fetchall():
                            found = re.match(r"\s*Execution Time: ([0-9.]+) ms", line)
                            total += float(found.group(1)) if found else 0.0
            execution.append(total)
        figures = [statistics.median(v) for v in (wall, cpu, execution)]
        lines.append(
            f"| {name} | {count} | {figures[0]:.0f} | {figures[1]:.0f} | {figures[2]:.1f} | "
            f"{figures[1] + figures[2]:.0f} |"
        )
    return lines


def measure_reports(context: dict[str, Any], runs: int) -> list[str]:
    """Every report over the last full year through the test client, as ``benchmarks.reports_bench`` does."""
    from django.utils import timezone

    from benchmarks.reports_bench import TARGET_P95_MS, time_reports
    from kasse.reports import aggregates

    client = _client(context["organization"])
    from django_scopes import scope

    started = time.perf_counter()
    with scope(organization=context["organization"].pk):
        days = aggregates.refresh(context["organization"].pk)  # what the seed left to the live path (little)
    refresh_ms = (time.perf_counter() - started) * 1000
    figures = time_reports(client, timezone.localdate().year - 1, runs)
    worst = max(v["p95_ms"] for k, v in figures.items() if not k.endswith(".xlsx"))
    return [
        f"Reports over {timezone.localdate().year - 1} with the year before as comparison, {runs} requests each "
        f"after one to warm up (the first refresh after the seed computed {days:,} store-days in "
        f"{refresh_ms:,.0f} ms):",
        "",
        "| report | p50 ms | p95 ms | target p95 | met |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {k} | {v['p50_ms']} | {v['p95_ms']} | {'' if k.endswith('.xlsx') else f'≤ {TARGET_P95_MS:.0f}'} | "
            f"{'' if k.endswith('.xlsx') else ('yes' if v['p95_ms'] <= TARGET_P95_MS else '**no**')} |"
            for k, v in figures.items()
        ),
        "",
        f"Worst report p95: {worst} ms.",
    ]


def _module(*argv: str) -> str:
    """Another benchmark module in a process of its own; its standard output."""
    project = Path(__file__).resolve().parent.parent
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", *argv],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(project)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr[-3000:]}")
    return done.stdout


def measure_export(context: dict[str, Any], database: str, lines: int) -> list[str]:
    """A CSV export of the last days that hold about ``lines`` receipt lines, written as the worker does."""
    days = max(1, min(730, round(730 * lines / max(1, context["lines"]))))
    output = _module("benchmarks.export_bench", "--reuse", "--sales", "0", "--database", database, "--days", str(days))
    return [f"CSV export of the last {days} days of all stores (`benchmarks.export_bench`):", "", output.strip()]


def measure_ingestion(sales: int, rounds: int) -> list[str]:
    """Sync ingestion with the sums' trigger against without it (``benchmarks.reports_bench --only ingest``)."""
    output = _module(
        "benchmarks.reports_bench", "--only", "ingest", "--ingest-sales", str(sales), "--rounds", str(rounds)
    )
    return [output[output.index("Sync ingestion") :].strip()]


def _split_urls(context: dict[str, Any]) -> dict[str, str]:
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from kasse.sales.models import Sale
    from kasse.tenancy.models import Store

    with scopes_disabled():
        organization = context["organization"]
        number = (
            Sale.objects.filter(organization=organization)
            .order_by("-completed_at")
            .values_list("receipt_number", flat=True)[min(5000, context["receipts"] - 1)]
        )
        store = Store.objects.filter(organization=organization).order_by("number").first()
    year = timezone.localdate().year - 1
    period = f"date_from={year}-01-01&date_to={year}-12-31&compare=previous&group=week"
    urls = {
        "Übersicht": "/",
        "receipt by number": f"/sales/receipts/?number={number}",
        "journal, one store, card payments": f"/sales/receipts/?store={store.pk if store else ''}&payment_method=card",
    }
    for slug in ("sales", "hours", "products", "slow-sellers", "categories", "margin"):
        urls[f"report {slug}"] = f"/reports/{slug}/?{period}"
    return urls


def _scale(args: argparse.Namespace) -> None:
    """Options not given follow ``--sales``: the issue's numbers from 100,000 sales up, tiny ones below
    (``make bench`` passes only ``--sales``; the smoke test passes a few hundred)."""
    full = args.sales >= 100_000
    defaults = {
        "repeat": 100 if full else max(3, args.sales // 1000),
        "runs": 15 if full else 2,
        "export_lines": min(1_000_000, args.sales * 5 // 2),
        "ingest_sales": 3000 if full else 20,
        "rounds": 4 if full else 2,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kasse back-office benchmark (issue 15)")
    parser.add_argument("--sales", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, help="requests per page (default 100)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and add only missing sales")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database afterwards (for --reuse)")
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (or top up with --reuse) and stop; the database is kept"
    )
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL database to use (default {DATABASE})")
    parser.add_argument("--runs", type=int, help="requests per report (default 15)")
    parser.add_argument("--export-lines", type=int, help="receipt lines in the timed export (default 1,000,000)")
    parser.add_argument("--ingest-sales", type=int, help="sales per round of the ingestion A/B (default 3,000)")
    parser.add_argument("--rounds", type=int, help="rounds of the ingestion A/B (default 4)")
    args = parser.parse_args(argv)
    _scale(args)
    _setup(args.reuse, args.database)
    context = _seed(args.sales, args.database)
    print()
    if context["seeded"] is not None:
        print("\n".join(seeding_report(context)))
        print()
    if args.seed_only:
        return 0
    print(
        f"{context['receipts']:,} receipts ({context['lines']:,} lines) in the database; load average "
        f"{os.getloadavg()[0]:.1f} when the requests started."
    )
    print()
    print("\n".join(measure(context, args.repeat)))
    print()
    print("\n".join(measure_reports(context, args.runs)))
    print()
    print("\n".join(where_the_time_goes(context, _split_urls(context), repeat=min(5, args.repeat))))
    print()
    print("\n".join(measure_export(context, args.database, args.export_lines)))
    print()
    print("\n".join(measure_ingestion(args.ingest_sales, args.rounds)))
    if not (args.keep or args.reuse):
        from django.db import connections

        connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {args.database}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
