"""Sales export benchmark (issue 15): a CSV export of about a million receipt lines, as the worker writes it.

On PostgreSQL: migrate a fresh database (or reuse one with ``--reuse``), seed the demo shop and ``--sales``
sales over two years and three stores (``kasse seed --sales``, COPY; about five lines each), request an
export of every store over the whole range through ``request_sales_export`` (which counts the lines), then
run the task's body (``run_sales_export``) in a **fresh process**, as ``kasse worker`` would, and report:

* **lines per second**: the export's lines over the wall time of writing the file (the ZIP with its four
  CSV files: receipts, lines, VAT rows, payments), target ≥ 50,000 lines/s;
* **memory growth**: the worker process's peak resident set size (``VmHWM``) at the end minus its resident
  set size (``VmRSS``) just before the export started (after Django and the database connection are up),
  target ≤ 50 MB.

Run: ``python -m benchmarks.export_bench [--sales N] [--format csv|xlsx] [--reuse]`` (``make bench`` runs it
with ``--sales 200000``, about a million lines, via ``benchmarks.run --suites export``). Prints a markdown
table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "kasse_bench_export"
TARGET_LINES_PER_SECOND = 50_000
TARGET_GROWTH_MB = 50.0
PROJECT = Path(__file__).resolve().parent.parent


def _status(field: str) -> float:
    """A ``/proc/self/status`` value in MB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _django(database: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = POSTGRES_URL + database
    os.environ["KASSE_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
    import django

    django.setup()


def prepare(sales: int, fmt: str, reuse: bool, data_dir: str, database: str = DATABASE, days: int = 0) -> str:
    """Seed (unless reused) and request the export of the last ``days`` days (0: two years); returns its id."""
    if not reuse:
        from benchmarks.database import create_postgres_database

        drop = f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"
        subprocess.run(["psql", POSTGRES_URL + "postgres", "-q", "-c", drop], check=True, capture_output=True)
        create_postgres_database(database, POSTGRES_URL)
    _django(database, data_dir)
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    call_command("migrate", verbosity=0)
    from kasse.bookkeeping.services import request_sales_export
    from kasse.core.actors import Actor
    from kasse.demo.sales import seed_sales
    from kasse.demo.seed import seed_demo
    from kasse.demo.shop import DEMO_ORGANIZATION_NAME, find_demo_organization
    from kasse.sales.models import Sale
    from kasse.tenancy.models import Store
    from kasse.testing.factories import owner_user

    with scopes_disabled():
        organization = find_demo_organization(DEMO_ORGANIZATION_NAME) or seed_demo(customers_count=0).organization
        have = Sale.objects.filter(organization=organization).count()
        if have < sales:
            result = seed_sales(organization, sales - have, seed=15)
            print(f"seeded {result.sales:,} sales ({result.lines:,} lines) in {result.seconds:.0f} s", file=sys.stderr)
        stores = list(Store.objects.filter(organization=organization).order_by("number"))
        user = owner_user(organization, email=f"bench-{time.time_ns()}@example.org")
    today = timezone.localdate()
    export = request_sales_export(
        actor=Actor.system("benchmark"),
        organization=organization,
        user=user,
        stores=stores,
        date_from=today - datetime.timedelta(days=days - 1) if days else today.replace(year=today.year - 2),
        date_to=today,
        fmt=fmt,
    )
    return str(export.pk)


def measure(export_id: str, data_dir: str, database: str = DATABASE) -> dict[str, Any]:
    """In a fresh process: write the export as the worker does, timing it and watching memory."""
    _django(database, data_dir)
    from django.db import connection
    from django_scopes import scopes_disabled

    from kasse.bookkeeping.models import ExportStatus, SalesExport
    from kasse.bookkeeping.services import export_path, run_sales_export

    connection.ensure_connection()
    with scopes_disabled():
        SalesExport.objects.filter(pk=export_id).first()  # models and the connection warm, as in a worker
    rss_before = _status("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    run_sales_export(export_id, language="de")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status("VmHWM")
    with scopes_disabled():
        export = SalesExport.objects.get(pk=export_id)
    if export.status != ExportStatus.DONE:
        raise RuntimeError(f"the export ended {export.status}: {export.error}")
    return {
        "lines": export.line_count,
        "receipts": export.receipt_count,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_before_mb": rss_before,
        "peak_mb": peak,
        "file_mb": export_path(export).stat().st_size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx"))
    parser.add_argument("--reuse", action="store_true", help="keep the database and its sales from a previous run")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: export id to write
    parser.add_argument("--data-dir", default=str(PROJECT / "var" / "bench-export"))
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL database (default {DATABASE})")
    parser.add_argument("--days", type=int, default=0, help="export the last N days (default: two years)")
    args = parser.parse_args(argv)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    if args.measure:
        print(json.dumps(measure(args.measure, args.data_dir, args.database)))
        return 0
    export_id = prepare(args.sales, args.format, args.reuse, args.data_dir, args.database, args.days)
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.export_bench",
            "--measure",
            export_id,
            "--data-dir",
            args.data_dir,
            "--database",
            args.database,
        ],
        cwd=PROJECT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    rate = result["lines"] / result["seconds"]
    growth = result["peak_mb"] - result["rss_before_mb"]
    print(
        f"{result['receipts']:,} receipts, {result['lines']:,} lines, {args.format.upper()} export "
        f"{result['file_mb']:.0f} MB, written in {result['seconds']:.1f} s; the worker used "
        f"{result['cpu_seconds']:.1f} s of CPU ({result['lines'] / max(result['cpu_seconds'], 0.001):,.0f} lines per "
        "CPU-second; PostgreSQL's COPY runs in its own process beside it).\n"
    )
    print("| measurement | value | target | met |")
    print("| --- | ---: | ---: | --- |")
    print(
        f"| lines per second | {rate:,.0f} | ≥ {TARGET_LINES_PER_SECOND:,} | "
        f"{'yes' if rate >= TARGET_LINES_PER_SECOND else '**no**'} |"
    )
    print(
        f"| worker memory growth (peak RSS − RSS before) | {growth:.1f} MB "
        f"({result['rss_before_mb']:.0f} → {result['peak_mb']:.0f}) | ≤ {TARGET_GROWTH_MB:.0f} MB | "
        f"{'yes' if growth <= TARGET_GROWTH_MB else '**no**'} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
