"""``make bench``: the catalog benchmark on SQLite and PostgreSQL, the register benchmark, the
receipt printing benchmark, the print queue benchmark, the scanner benchmark and the sync benchmark,
written to docs/benchmarks.md.

    .venv/bin/python -m benchmarks.run                 # 100,000 products, both databases, both suites
    .venv/bin/python -m benchmarks.run --products 500 --databases sqlite --output /tmp/b.md
    .venv/bin/python -m benchmarks.run --suites register
    .venv/bin/python -m benchmarks.run --suites printing --replace-sections   # only that section of the file
    .venv/bin/python -m benchmarks.run --suites peripherals   # only the scanner section (serial scan → cart)
    .venv/bin/python -m benchmarks.run --suites sync   # only the sync section (without catalog: sections replaced)

PostgreSQL is ``postgres://postgres@127.0.0.1:5432/`` (``KASSE_BENCH_POSTGRES_URL``
to change it); the benchmark creates and drops its own database ``kasse_bench``
and skips PostgreSQL with a note if the server is unreachable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
BENCH_DB = "kasse_bench"
TARGETS = {"lookup": 2.0, "search": 30.0}
# Written under the tables on every run; update when the code changes what they say.
FINDINGS = [
    "## Findings",
    "",
    "- Search used to OR the text filter with a join subquery for exact SKU/barcode matches, which made "
    "every one-word search scan all rows (p95 0.3–0.5 s at 100k). The exact-code lookups are now two "
    "unique-index queries run first (only for queries containing digits), and PostgreSQL has a pg_trgm GIN "
    "index on `catalog_product.search_text` (migration `catalog.0003`, a no-op on SQLite).",
    "- PostgreSQL: ordering the matches by `search_text` let the planner walk that B-tree and filter "
    "(75,000 rows for `sonnensch`, 30–55 ms) whenever the matches sit late in the alphabet. Search results "
    "are now ordered by `name` on PostgreSQL (trigram bitmap scan plus a sort of the matches) and by the "
    "indexed `search_text` on SQLite, which has no trigram index and stops after the first page "
    "(`kasse.catalog.selectors._search_order`).",
    "- SQLite needs planner statistics: without `ANALYZE` it reads every search through the organization "
    "index (one organization owns all rows of a store node) and takes twice as long; `kasse seed` runs "
    "`ANALYZE` after loading.",
    "- Single slow outliers (max column) come from other work on the shared 2-CPU machine (see the load "
    "average); medians are stable between runs.",
    "",
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; load average {load} when the report was written"
    )


def _postgres_admin(sql: str) -> str | None:
    """Run one statement on the ``postgres`` database; ``None`` if it worked, else the error."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.rstrip("/") + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL", reported as such
        return str(exc).strip().splitlines()[0]
    return None


def _create_bench_database() -> str | None:
    """Create the PostgreSQL benchmark database as a copy of the migrated template; ``None`` if it worked."""
    try:
        from benchmarks.database import create_postgres_database

        create_postgres_database(BENCH_DB, POSTGRES_URL)
    except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL", reported as such
        return str(exc).strip().splitlines()[0]
    return None


def run_one(name: str, url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    out = data_dir / "figures.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks.catalog",
        "--database-url",
        url,
        "--data-dir",
        str(data_dir),
        "--products",
        str(args.products),
        "--lookups",
        str(args.lookups),
        "--search-repeat",
        str(args.search_repeat),
        "--json",
        str(out),
    ]
    if args.no_serve:
        command.append("--no-serve")
    print(f"== {name}: seeding {args.products} products and measuring …", flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=True, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    figures: dict[str, Any] = json.loads(out.read_text())
    figures["wall_seconds"] = time.perf_counter() - started
    print(
        f"   lookup p95 {figures['lookup']['p95_ms']:.2f} ms, search p95 {figures['search']['p95_ms']:.2f} ms "
        f"({figures['wall_seconds']:.0f} s)",
        flush=True,
    )
    return figures


def run_all(args: argparse.Namespace) -> tuple[dict[str, dict[str, Any]], list[str]]:
    results: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    if "sqlite" in args.databases:
        folder = Path(tempfile.mkdtemp(prefix="kasse-bench-"))
        try:
            results["SQLite"] = run_one("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", folder, args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if "postgres" in args.databases:
        error = _postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        error = error or _create_bench_database()
        if error:
            notes.append(f"PostgreSQL skipped: {POSTGRES_URL} is not usable ({error}).")
            print(notes[-1], flush=True)
        else:
            folder = Path(tempfile.mkdtemp(prefix="kasse-bench-pg-"))
            try:
                results["PostgreSQL"] = run_one("PostgreSQL", POSTGRES_URL.rstrip("/") + f"/{BENCH_DB}", folder, args)
            finally:
                _postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
                shutil.rmtree(folder, ignore_errors=True)
    return results, notes


@dataclass(frozen=True)
class Suite:
    """One benchmark of ``make bench``: a module run in its own process, written as one ``## heading`` section.

    ``intro`` says how it was measured (``{machine}`` is filled in); ``argv`` gives the module's options from
    this command's arguments; ``section`` turns the module's output into the section's body (by default all of
    it). A new benchmark is one more entry in :data:`SUITES`.
    """

    name: str
    module: str
    heading: str
    intro: str
    announce: str
    argv: Callable[[argparse.Namespace], list[str]] = lambda args: []
    section: Callable[[str], str] = lambda output: output.strip()
    capture_stderr: bool = True


def _register_argv(args: argparse.Namespace) -> list[str]:
    argv = ["--products", str(args.products)]
    for option in ("scans", "sales", "loads", "display_scans"):  # the smoke test's tiny numbers
        if getattr(args, option) is not None:
            argv += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
    return argv


def _runs_argv(runs: int | None) -> list[str]:
    """``--runs N`` for a suite whose module has its own default (the smoke test's tiny numbers)."""
    return [] if runs is None else ["--runs", str(runs)]


def _after_blank_line(output: str) -> str:
    """The back-office benchmark prints a line about its seeding before the table: keep only the table."""
    output = output.strip()
    return output.split("\n\n", 1)[-1] if "\n\n" in output else output


def _from_own_heading(heading: str) -> Callable[[str], str]:
    """For a module that prints its own ``## heading`` line: what follows it."""

    def section(output: str) -> str:
        return output[output.index(heading) + len(heading) :].strip()

    return section


def _this_section_alone(name: str, extra: str = "") -> str:
    return f"this section alone: `.venv/bin/python -m benchmarks.run --suites {name}{extra}`"


SUITES: tuple[Suite, ...] = (
    Suite(
        "register",
        "benchmarks.register_bench",
        "## Register (SQLite)",
        "Measured by `python -m benchmarks.register_bench` (part of `make bench`): server time of the register's "
        "own HTTP requests, in process through the whole Django stack (middleware, tenant scope, queries, "
        "templates; no network), against a baseline request measured in the same run; the page weight as served; "
        "and the time until the register page is usable (scanner and handlers live) in Chromium against uvicorn "
        "on loopback.",
        "Register: seeding {products} products on SQLite and measuring …",
        argv=_register_argv,
    ),
    Suite(
        "hardware",
        "benchmarks.hardware_bench",
        "## Receipt printing",
        "Measured by `python -m benchmarks.hardware_bench` (part of `make bench`), in process.",
        "Receipt printing: rendering a 30-line receipt …",
        argv=lambda args: _runs_argv(args.receipt_runs),
    ),
    Suite(
        "printing",
        "benchmarks.printing_bench",
        "## Print queue",
        "Measured by `python -m benchmarks.printing_bench` (part of `make bench`), in process, against the "
        "virtual ESC/POS network printer on 127.0.0.1.",
        "Print queue: completed sale to the virtual printer's socket …",
        argv=lambda args: _runs_argv(args.print_runs),
    ),
    Suite(
        "peripherals",
        "benchmarks.peripherals_bench",
        "## Scanner → cart",
        "Measured by `python -m benchmarks.peripherals_bench` (part of `make bench`; "
        + _this_section_alone("peripherals")
        + "): a virtual serial scanner on a pty, the `PeripheralRunner` in a uvicorn process serving the "
        "register, and a client playing the register page, all on 127.0.0.1. Machine: {machine}.",
        "Scanner: serial scan → WebSocket → register's cart …",
    ),
    Suite(
        "card",
        "benchmarks.card_bench",
        "## Card terminal → paid",
        "Measured by `python -m benchmarks.card_bench` (part of `make bench`; "
        + _this_section_alone("card")
        + "): a virtual ZVT terminal on 127.0.0.1, the terminal's worker and the register's requests in one "
        "process through Django's test client, a cash sale and GET /health as baselines interleaved in the same "
        "run. Machine: {machine}.",
        "Card terminal: final status → sale committed and shown paid …",
    ),
    Suite(
        "sync",
        "benchmarks.sync_bench",
        "## Sync (store node → cloud)",
        "Measured by `python -m benchmarks.sync_bench` (part of `make bench`; "
        + _this_section_alone("sync", " [--backlog N]")
        + "): `kasse cloud` on PostgreSQL and `kasse store run` on SQLite as real processes on 127.0.0.1, plus "
        "the cloud's ingestion in process. Machine: {machine}.",
        "Sync: live feed, a backlog of {backlog} sales, ingestion (cloud on PostgreSQL) …",
        argv=lambda args: ["--backlog", str(args.backlog)],
        capture_stderr=False,
    ),
    Suite(
        "fiscal",
        "benchmarks.fiscal_bench",
        "## Completing a sale with a TSE",
        "Measured by `python -m benchmarks.fiscal_bench` (part of `make bench`; "
        + _this_section_alone("fiscal")
        + "): server time of `POST /register/cart/pay/` for a 5-line cash sale on SQLite, with the demo's "
        "development TSE and with the fiskaly backend against the local fiskaly server answering after 80 ms; "
        "the TSE transaction started at the first item (as kasse does; for the fiskaly target row, pay at the "
        "earliest 0.5 s after the first item, a cashier's pace, and beside it with no think time) and, in "
        "alternating blocks of the same run, at pay. Machine: {machine}.",
        "Fiscal: completing a sale with the development TSE and fiskaly at 80 ms …",
    ),
    Suite(
        "backoffice",
        "benchmarks.backoffice_bench",
        "## Back office at scale (issue 15)",
        "Measured by `python -m benchmarks.backoffice_bench --sales N` (part of `make bench`; "
        + _this_section_alone("backoffice", " --backoffice-sales N")
        + ", the scale; 2,000,000 by default): `kasse seed --sales N` into a fresh PostgreSQL database (COPY, "
        "the report sums written with the receipts), then on that one database the owner's requests through the "
        "Django test client (Übersicht, receipt by number, filtered journal pages deep into the result, every "
        "report over a full year), a CSV export of about a million lines as the worker writes it, and sync "
        "ingestion with and without the sums' trigger on a fresh database. Machine: {machine}.",
        "Back office: seeding {backoffice_sales} sales on PostgreSQL, Übersicht, journal, reports, export, ingestion …",
        argv=lambda args: ["--sales", str(args.backoffice_sales), "--database", args.backoffice_database],
        section=_after_blank_line,
    ),
    Suite(
        "dsfinvk",
        "benchmarks.dsfinvk_bench",
        "## DSFinV-K export of a register's year",
        "Measured by `python -m benchmarks.dsfinvk_bench` (part of `make bench`; "
        + _this_section_alone("dsfinvk")
        + "): one register with 365 daily closings of 274 receipts (three lines, two VAT rows, a payment, TSE "
        "start and finish each) and a cash movement a day, bulk-inserted on SQLite (then `ANALYZE`); the first "
        "month and the whole year exported to a ZIP as `kasse dsfinvk_export` does. Peak memory growth: the "
        "highest resident size during the export over the size before it (sampled every 20 ms). "
        "Machine: {machine}.",
        "DSFinV-K: a register's year (100,000 receipts) exported …",
    ),
    Suite(
        "segments",
        "benchmarks.segments_bench",
        "## Campaign segments (issue 18)",
        "Measured by `python -m benchmarks.segments_bench` (part of `make bench`; "
        + _this_section_alone("segments")
        + "): a fresh PostgreSQL database with 100,000 customers and 2 million receipts (COPY), 70 % of them "
        "with a customer, one loyalty entry per such receipt and a stamp for every fourth; each campaign "
        "segment counted as a campaign selects it. Machine: {machine}.",
        "Campaign segments: 100,000 customers, 2,000,000 receipts on PostgreSQL …",
        section=_from_own_heading("## Campaign segments (issue 18)"),
    ),
    Suite(
        "webhooks",
        "benchmarks.webhooks_bench",
        "## Webhook deliveries (issue 17)",
        "Measured by `python -m benchmarks.webhooks_bench` (part of `make bench`; "
        + _this_section_alone("webhooks")
        + "): one worker (`kasse.notifications.delivery.run_due`) on a fresh PostgreSQL database, receivers in a "
        "child process on 127.0.0.1; signed sale events. Machine: {machine}.",
        "Webhooks: one worker's calls a minute, alone and beside a hanging receiver …",
    ),
    Suite(
        "push",
        "benchmarks.push_bench",
        "## Web Push: sale ingested → push at the push service (issue 17)",
        "Measured by `python -m benchmarks.push_bench` (part of `make bench`; "
        + _this_section_alone("push", " --push-sales N")
        + "): a node's sale ingested in the cloud (`Ingestor`, as `POST /sync/v1/push`), `kasse worker` as its own "
        "process storing the event and sending the push, encrypted and VAPID-signed, to the local push service "
        "(`kasse/testing/push_service.py`, which verifies and decrypts it) on 127.0.0.1; for each polling "
        "interval of the worker its own run; baseline: the push alone from the same process. Machine: {machine}.",
        "Web Push: {push_sales} sales ingested → push arrived …",
        argv=lambda args: ["--sales", str(args.push_sales)],
    ),
    Suite(
        "promotions",
        "benchmarks.promotions_bench",
        "## Promotions: scan → cart with 50 promotions (issue 18)",
        "Measured by `python -m benchmarks.promotions_bench` (part of `make bench`; "
        + _this_section_alone("promotions")
        + "): the demo shop, 50 promotions in force (every kind, on products and categories, a happy hour, "
        "customers-only and coupon offers the cart does not qualify for); the same random scans timed in "
        "alternating blocks with the promotions on and off (server time in process). Target: p95 on within "
        "5 ms of p95 off. Machine: {machine}.",
        "Promotions: scan → cart with 50 promotions on and off …",
        argv=lambda args: ["--products", str(args.products)],
        section=lambda output: "```json\n" + output.strip() + "\n```",
    ),
)
SUITE_NAMES = ("catalog", *(suite.name for suite in SUITES))


def run_suite(suite: Suite, args: argparse.Namespace) -> str:
    """Run one suite's module in its own process and return its markdown section."""
    numbers = {key: f"{value:,}" for key, value in vars(args).items() if isinstance(value, int)}
    print("== " + suite.announce.format(**numbers), flush=True)
    done = subprocess.run(
        [sys.executable, "-m", suite.module, *suite.argv(args)],
        cwd=PROJECT,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if suite.capture_stderr else None,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    print(done.stdout, flush=True)
    intro = suite.intro.replace("{machine}", machine())
    return "\n".join([suite.heading, "", intro, "", suite.section(done.stdout), ""])


def replace_sections(existing: str, sections: list[str]) -> str:
    """``existing`` with each ``## Heading`` section replaced by the new one of the same heading (or appended)."""
    for section in sections:
        heading = section.split("\n", 1)[0]
        start = existing.find(heading + "\n")
        if start < 0:
            existing = existing.rstrip("\n") + "\n\n" + section
            continue
        end = existing.find("\n## ", start + len(heading))
        existing = existing[:start] + section.rstrip("\n") + "\n" + (existing[end:] if end >= 0 else "")
    return existing


def _ok(value: float, target: float) -> str:
    return "✅" if value <= target else "❌"


def render(results: dict[str, dict[str, Any]], notes: list[str], args: argparse.Namespace, seconds: float) -> str:
    """docs/benchmarks.md: one table per database, plus how and where it was measured."""
    today = dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`.venv/bin/python -m benchmarks.run`), which seeds a fresh database "
        f"with {args.products:,} products (the demo shop's hand-written assortment through the services, "
        "the rest generated and bulk-inserted by the same code as `kasse seed --products N`) and times the "
        "catalog selectors the register and the back office call. Times are per call, in milliseconds, "
        "measured in the Python process through the Django ORM (query plus model instantiation).",
        "",
        f"- Date: {today}",
        f"- Machine: {machine()}",
        f"- Command: `{' '.join(['.venv/bin/python -m benchmarks.run', *sys.argv[1:]])}` "
        f"(total {seconds / 60:.1f} min)",
        "",
        "What is measured:",
        "",
        f"- **Barcode lookup**: `kasse.catalog.selectors.variant_by_barcode` for {args.lookups} random existing "
        "codes (target p95 ≤ 2 ms). Baseline: fetching a variant by primary key through the ORM.",
        "- **Name search**: `kasse.catalog.selectors.search_products`, first page of 50 results evaluated, "
        f"{args.search_repeat} runs of each of {len(_searches())} queries (umlaut-free spellings such as "
        "`brotchen` for *Brötchen*, word prefixes, fragments inside words, a rare word and a miss; "
        "target p95 ≤ 30 ms). Baseline: a plain indexed equality query on `search_text`.",
        "- **Memory**: resident set size (`VmRSS`, and the peak `VmHWM`) of a `kasse cloud` process serving this "
        "database, read from `/proc` after start and after browsing as the owner (dashboard, product list "
        "with searches and deep pages, customers, OpenAPI schema, API docs; 3 rounds).",
        "",
    ]
    for name, fig in results.items():
        lookup, search = fig["lookup"], fig["search"]
        base_pk, base_eq = fig["baseline_pk"], fig["baseline_equality"]
        lines += [
            f"## {name} ({fig['database']})",
            "",
            f"{fig['products']:,} products, "
            + ("copied from a seeded template" if fig.get("seed_copied") else "seeded")
            + f" in {fig['seed_seconds']:.0f} s.",
            "",
            "| measurement | median ms | p95 ms | max ms | target | vs. baseline (median) |",
            "| --- | ---: | ---: | ---: | --- | ---: |",
            f"| barcode lookup | {lookup['median_ms']:.3f} | {lookup['p95_ms']:.3f} | {lookup['max_ms']:.2f} | "
            f"p95 ≤ 2 ms {_ok(lookup['p95_ms'], TARGETS['lookup'])} | "
            f"{lookup['median_ms'] / base_pk['median_ms']:.1f}× |",
            f"| barcode lookup, unknown code | {fig['lookup_missing']['median_ms']:.3f} | "
            f"{fig['lookup_missing']['p95_ms']:.3f} | {fig['lookup_missing']['max_ms']:.2f} | | |",
            f"| *baseline: variant by primary key* | {base_pk['median_ms']:.3f} | {base_pk['p95_ms']:.3f} | "
            f"{base_pk['max_ms']:.2f} | | 1.0× |",
            f"| name search (all queries) | {search['median_ms']:.2f} | {search['p95_ms']:.2f} | "
            f"{search['max_ms']:.2f} | p95 ≤ 30 ms {_ok(search['p95_ms'], TARGETS['search'])} | "
            f"{search['median_ms'] / base_eq['median_ms']:.1f}× |",
            f"| *baseline: indexed equality on search_text* | {base_eq['median_ms']:.3f} | "
            f"{base_eq['p95_ms']:.3f} | {base_eq['max_ms']:.2f} | | 1.0× |",
            "",
            "| search query | kind | matches | median ms | p95 ms |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for query, q in fig["per_query"].items():
            lines.append(f"| `{query}` | {q['kind']} | {q['matches']:,} | {q['median_ms']:.2f} | {q['p95_ms']:.2f} |")
        if "server" in fig:
            server = fig["server"]
            failed = [f"{page} ({p['status']})" for page, p in server["pages"].items() if p["status"] != "ok"]
            lines += [
                "",
                f"Serving process (`kasse cloud`, 1 worker): RSS {server['rss_start_mib']:.0f} MiB after start, "
                f"{server['rss_after_mib']:.0f} MiB after browsing (peak {server['rss_peak_mib']:.0f} MiB)."
                + (f" Pages that did not answer 200: {', '.join(failed)}." if failed else ""),
            ]
        lines.append("")
    for note in notes:
        lines += [f"> {note}", ""]
    lines += FINDINGS
    return "\n".join(lines)


def _searches() -> list[tuple[str, str]]:
    from benchmarks.catalog import SEARCHES

    return SEARCHES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kasse catalog benchmark")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--search-repeat", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma separated: sqlite,postgres")
    parser.add_argument("--output", default=str(PROJECT / "docs" / "benchmarks.md"))
    parser.add_argument("--no-serve", action="store_true", help="skip the serving-process memory measurement")
    parser.add_argument(
        "--suites",
        default=",".join(SUITE_NAMES),
        help=f"comma separated: {','.join(SUITE_NAMES)} (without catalog, only the chosen suites' sections of the "
        "output file are replaced)",
    )
    parser.add_argument(
        "--replace-sections",
        action="store_true",
        help="keep the output file and replace only the sections of the chosen suites; implied when catalog is "
        "not among them",
    )
    parser.add_argument("--backlog", type=int, default=10_000, help="offline sales replayed by the sync suite")
    parser.add_argument(
        "--backoffice-sales", type=int, default=2_000_000, help="sales seeded for the back-office suite (PostgreSQL)"
    )
    parser.add_argument(
        "--backoffice-database",
        default="kasse_bench_backoffice",
        help="PostgreSQL database the back-office suite creates and drops",
    )
    parser.add_argument("--push-sales", type=int, default=60, help="sales per worker interval in the push suite")
    parser.add_argument(
        "--receipt-runs", type=int, default=None, help="hardware suite: renders per measurement (default 500)"
    )
    parser.add_argument("--print-runs", type=int, default=None, help="printing suite: sales printed (default 200)")
    for option in ("scans", "sales", "loads", "display-scans"):
        parser.add_argument(f"--{option}", type=int, default=None, help="register suite: see benchmarks.register_bench")
    args = parser.parse_args(argv)
    args.databases = {d.strip() for d in args.databases.split(",") if d.strip()}
    suites = {s.strip() for s in args.suites.split(",") if s.strip()}
    unknown = suites - set(SUITE_NAMES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))} (known: {', '.join(SUITE_NAMES)})")
    chosen = [suite for suite in SUITES if suite.name in suites]
    if args.replace_sections or "catalog" not in suites:
        if "catalog" in suites:
            parser.error("--replace-sections replaces the other suites' sections, not the catalog's")
        sections = [run_suite(suite, args) for suite in chosen]
        output = Path(args.output)
        output.write_text(replace_sections(output.read_text() if output.exists() else "# Benchmarks\n", sections))
        print(f"Sections {', '.join(sorted(suites))} replaced in {args.output}")
        return 0
    started = time.perf_counter()
    results, notes = run_all(args)
    report = render(results, notes, args, time.perf_counter() - started)
    for suite in chosen:
        report += "\n" + run_suite(suite, args)
    Path(args.output).write_text(report)
    print(f"Results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
