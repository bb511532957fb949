"""The benchmark still runs (with a tiny catalog), so `make bench` cannot rot.

Not a performance test: it only checks that every measurement is produced and
the report is written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

PROJECT = Path(__file__).resolve().parents[3]
# The benchmarks that seed the demo shop with a catalog (catalog, register, fiscal, card terminal, promotions) copy
# one seeded with the same numbers instead (``benchmarks.database.REUSE_SEED``): the seed is the same call, made
# once per source digest and catalog size, not five times per run. All but the promotions benchmark use this size
# (the promotions one keeps 300 products: its count of queries per scan depends on the products it scans).
PRODUCTS = "500"


def reuse_seed() -> dict[str, str]:
    """The environment for a benchmark that copies the seeded demo shop instead of seeding it."""
    return {**os.environ, "KASSE_BENCH_REUSE_SEED": "1"}


def test_benchmark_runs_end_to_end_on_sqlite_with_a_small_catalog(tmp_path):
    report = tmp_path / "benchmarks.md"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--products",
            PRODUCTS,
            "--lookups",
            "20",
            "--search-repeat",
            "1",
            "--scans",
            "20",
            "--sales",
            "8",
            "--loads",
            "2",
            "--display-scans",
            "5",
            "--receipt-runs",
            "10",
            "--print-runs",
            "10",
            "--databases",
            "sqlite",
            "--suites",
            "catalog,register,hardware,printing",
            "--output",
            str(report),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env=reuse_seed(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    assert "## SQLite" in text
    assert "500 products" in text
    for row in (
        "| barcode lookup |",
        "| name search (all queries) |",
        "| `brotchen` | umlaut-free |",
        "Serving process (`kasse cloud`, 1 worker): RSS",
    ):
        assert row in text
    assert "Pages that did not answer 200" not in text


def test_sync_benchmark_runs_end_to_end_with_a_tiny_backlog(tmp_path):
    from kasse.testing.services import _port_open, need_service

    need_service("PostgreSQL", _port_open("127.0.0.1", 5432), "the sync benchmark's cloud runs on PostgreSQL")
    raw = tmp_path / "sync.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.sync_bench",
            "--sales",
            "5",
            "--backlog",
            "20",
            "--ingest-sales",
            "20",
            "--rounds",
            "1",
            "--json-out",
            str(raw),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    data = json.loads(raw.read_text())
    assert data["live"]["latency"]["n"] == 5
    assert data["backlog"]["arrived"] == 20
    assert data["backlog"]["same_sales"] is True
    assert set(data["ingest"]["by_processes"]) == {"1", "2"}  # one process, then two at once
    assert data["ingest"]["sales"] == 20
    assert data["ingest"]["anomalies"] == 0


def test_scanner_benchmark_runs_end_to_end_with_a_few_scans(tmp_path):
    raw = tmp_path / "scanner.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.peripherals_bench", "--scans", "5", "--warmup", "2", "--json-out", str(raw)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    data = json.loads(raw.read_text())
    for measurement in ("scan_to_socket", "scan_to_cart", "wedge_post", "in_process_post", "health"):
        assert data[measurement]["n"] == 5
    assert "| serial scan → cart response with the product | ≤ 50 ms" in result.stdout


def test_fiscal_benchmark_runs_end_to_end_with_a_few_sales(tmp_path):
    raw = tmp_path / "fiscal.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.fiscal_bench",
            "--products",
            PRODUCTS,
            "--sales",
            "4",
            "--warmup",
            "2",
            "--till-gap",
            "0.2",
            "--json-out",
            str(raw),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env=reuse_seed(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    data = json.loads(raw.read_text())
    for backend in ("development", "fiskaly"):
        for mode in ("first_item", "at_pay"):
            assert data[backend][mode]["n"] == 4
    assert data["development"]["none"]["n"] == 4
    assert data["fiskaly"]["first_item_at_till_pace"]["n"] == 4
    assert data["fiskaly_requests"] > 0
    assert "| fiskaly answering after 80 ms, started at the first item, pay 0.2 s after it | p95 ≤ 150 ms" in (
        result.stdout
    )


def test_dsfinvk_benchmark_runs_end_to_end_with_a_few_closings(tmp_path):
    raw = tmp_path / "dsfinvk.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.dsfinvk_bench", "--days", "3", "--per-day", "20", "--json-out", str(raw)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    data = json.loads(raw.read_text())
    assert data["year"]["closings"] == 3
    assert data["year"]["receipts"] == 3 * (20 + 2)  # the receipts, the float and a cash movement a day
    assert "| the year (target ≤ 60 s, flat memory)" in result.stdout


def test_card_terminal_benchmark_runs_end_to_end_with_a_few_sales(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.card_bench", "--sales", "6", "--products", PRODUCTS],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env=reuse_seed(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| terminal final status → sale committed, shown paid | 3 |" in result.stdout
    assert "| baseline: the same sale paid in cash | 3 |" in result.stdout


def test_backoffice_benchmark_runs_end_to_end_with_a_few_hundred_sales(tmp_path):
    """``make bench``'s back-office suite (issue 15) at a tiny scale: seed, pages, reports, export, ingestion."""
    from kasse.testing.services import _port_open, need_service

    need_service("PostgreSQL", _port_open("127.0.0.1", 5432), "the back-office benchmark seeds with COPY")
    report = tmp_path / "benchmarks.md"
    database = f"{os.environ.get('KASSE_TEST_DB_NAME', 'test_kasse')}_backoffice_bench_{os.getpid()}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--suites",
            "backoffice",
            "--backoffice-sales",
            "400",
            "--backoffice-database",
            database,
            "--output",
            str(report),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,  # two databases copied from the template, the demo shop seeded, five child processes
        env={**os.environ, "KASSE_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    assert "## Back office at scale (issue 15)" in text
    assert "Seeded 400 sales" in text
    for row in (
        "| Übersicht (`GET /`) | 3 |",
        "| receipt by number | 3 |",
        "| journal, one store, card payments: first page | 3 |",
        "| sales |",
        "| vat |",
        "| products.xlsx |",
        "| lines per second |",
        "| worker memory growth (peak RSS − RSS before) |",
        "Sync ingestion with the trigger that marks the sums against without it, 20 sales, 2 interleaved rounds",
    ):
        assert row in text


def test_webhook_benchmark_runs_end_to_end_with_a_few_calls(tmp_path):
    """``make bench``'s webhook suite (issue 17): one worker, fast receivers alone and beside a hanging one."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.webhooks_bench",
            "--calls",
            "30",
            "--hanging",
            "2",
            "--database",
            "sqlite",
            "--rounds",
            "1",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KASSE_WEBHOOKS_READ_TIMEOUT": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| fast receivers alone | 30 |" in result.stdout
    assert "| the same beside a hanging receiver | 30 |" in result.stdout


def test_promotions_benchmark_runs_end_to_end_with_a_few_scans():
    """Issue 18's scan → cart benchmark at a tiny scale: customers added, 50 promotions, queries counted."""
    import json

    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.promotions_bench", "--products", "300", "--customers", "400",
         "--scans", "4", "--blocks", "1"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
        env=reuse_seed(),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["customers"] == 400
    assert data["scans"]["promotions_on"]["n"] == data["scans"]["promotions_off"]["n"] == 4
    # the promotions in force are one query, asked with none active too; the demo's offers on categories
    # add the category tree
    assert data["queries_per_scan"]["promotions_on"] == data["queries_per_scan"]["promotions_off"] + 1


def test_segments_benchmark_runs_end_to_end_on_a_small_database():
    """Issue 18's campaign segments benchmark at a tiny scale, on a fresh PostgreSQL database of its own."""
    from kasse.testing.services import _port_open, need_service

    need_service("PostgreSQL", _port_open("127.0.0.1", 5432), "the segments benchmark runs on PostgreSQL")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.segments_bench", "--customers", "300", "--sales", "600", "--runs", "1"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "## Campaign segments (issue 18)" in result.stdout
    for row in ("| bought_recently=90 |", "| not_visited=60 |", "| revenue_this_year=200 |", "| tier=Gold |",
                "| stamps_almost_full=2 |"):  # fmt: skip
        assert row in result.stdout
    assert "customers on receipts and loyalty entries" in result.stdout
