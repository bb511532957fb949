"""The push latency benchmark still runs (three sales, SQLite), so `make bench` cannot rot. Not a
performance test: it checks that every row is measured and the push service accepted every push."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

PROJECT = Path(__file__).resolve().parents[3]


def test_push_benchmark_runs_end_to_end_with_a_few_sales():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.push_bench", "--sales", "3", "--intervals", "0.2", "--database", "sqlite"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| baseline: push alone" in result.stdout
    assert "| sale ingested → push arrived, `kasse worker --interval 0.2` | 3 |" in result.stdout
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"rejected_by_push_service": 0}
