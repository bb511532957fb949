"""The benchmark still runs (with a tiny catalog), so `make bench` cannot rot.

Not a performance test: it only checks that every measurement is produced and
the report is written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]


def test_benchmark_runs_end_to_end_on_sqlite_with_a_small_catalog(tmp_path):
    report = tmp_path / "benchmarks.md"

    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--products", "500", "--lookups", "20", "--search-repeat", "1",
         "--databases", "sqlite", "--output", str(report)],
        cwd=PROJECT, capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    assert "## SQLite" in text
    assert "500 products" in text
    for row in ("| barcode lookup |", "| name search (all queries) |", "| `brotchen` | umlaut-free |",
                "Serving process (`kasse cloud`, 1 worker): RSS"):
        assert row in text
    assert "Pages that did not answer 200" not in text
