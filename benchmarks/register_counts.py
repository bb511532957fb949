"""Queries, Python function calls and CPU time per scan and per pay request of the register benchmark's
sale (docs/benchmarks.md, "Register (SQLite)"): counts, which a loaded machine does not blur.

Uses ``benchmarks.register_bench``'s own setup (``_prepare``, the demo shop on SQLite, its TSE retired
where the tree has one) and sells 5-line cash sales: 5 sales to warm up, then ``--sales`` counted. It
imports ``benchmarks.register_bench`` from the working directory, so it also runs in an older tree's
worktree (``cd ../old && .venv/bin/python /path/to/this/benchmarks/register_counts.py``).

Run: ``python benchmarks/register_counts.py [--products 300] [--sales 20]``.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _counted(client: Any, path: str, data: dict[str, str]) -> tuple[int, int]:
    """(queries, Python function calls) of one POST."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        response = client.post(path, data)
        profile.disable()
    _check(path, response)
    return len(queries), pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def _cpu_ms(client: Any, path: str, data: dict[str, str]) -> tuple[float, float]:
    """CPU time of one POST without the profiler: of the whole process (all its threads, also those the
    request started: a hop to the channel layer, a background TSE start) and of the request's thread."""
    started, started_thread = time.process_time(), time.thread_time()
    response = client.post(path, data)
    thread = (time.thread_time() - started_thread) * 1000
    elapsed = (time.process_time() - started) * 1000
    _check(path, response)
    return elapsed, thread


def _check(path: str, response: Any) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"{path} failed with {response.status_code}: {response.content[:300]!r}")


def _one(client: Any, path: str, data: dict[str, str], profiled: bool) -> tuple[int, int, float, float]:
    if profiled:
        return (*_counted(client, path, data), 0.0, 0.0)
    return 0, 0, *_cpu_ms(client, path, data)


def count(products: int, sales: int, profiled: bool) -> dict[str, Any]:
    sys.path.insert(0, os.getcwd())
    from benchmarks import register_bench

    with tempfile.TemporaryDirectory(prefix="kasse-register-counts-") as tmp:
        register_bench._setup_django(Path(tmp))
        if "without_tse" in inspect.signature(register_bench._prepare).parameters:
            ctx = register_bench._prepare(products, True)
        else:  # a tree before the TSE (issue 14)
            ctx = register_bench._prepare(products)
        client, codes = ctx["client"], ctx["codes"]
        rng = random.Random(7)
        payment = {"payments": json.dumps([{"method": "cash", "amount": "1000.00"}])}
        rows: dict[str, list[float]] = {
            k: []
            for k in (
                "scan_q",
                "scan_calls",
                "scan_cpu",
                "scan_thread",
                "pay_q",
                "pay_calls",
                "pay_cpu",
                "pay_thread",
            )
        }
        for index in range(5 + sales):
            counted = index >= 5
            measured = [
                ("scan", _one(client, "/register/cart/scan/", {"code": c}, profiled)) for c in rng.sample(codes, 5)
            ]
            measured.append(("pay", _one(client, "/register/cart/pay/", payment, profiled)))
            for kind, (queries, calls, cpu, thread) in measured if counted else ():
                rows[f"{kind}_q"].append(queries)
                rows[f"{kind}_calls"].append(calls)
                rows[f"{kind}_cpu"].append(cpu)
                rows[f"{kind}_thread"].append(thread)
    if profiled:
        return {
            "scan: queries (mean, min-max)": (
                round(statistics.mean(rows["scan_q"]), 1),
                min(rows["scan_q"]),
                max(rows["scan_q"]),
            ),
            "scan: Python calls (mean)": round(statistics.mean(rows["scan_calls"])),
            "pay: queries (mean, min-max)": (
                round(statistics.mean(rows["pay_q"]), 1),
                min(rows["pay_q"]),
                max(rows["pay_q"]),
            ),
            "pay: Python calls (mean)": round(statistics.mean(rows["pay_calls"])),
        }
    return {
        "scan: CPU ms (median, no profiler)": round(statistics.median(rows["scan_cpu"]), 2),
        "pay: CPU ms (median, no profiler)": round(statistics.median(rows["pay_cpu"]), 2),
        "scan: CPU ms of the request's thread (median)": round(statistics.median(rows["scan_thread"]), 2),
        "pay: CPU ms of the request's thread (median)": round(statistics.median(rows["pay_thread"]), 2),
        "scan, the cart's first: process minus thread CPU ms (median)": round(
            statistics.median(c - t for c, t in zip(rows["scan_cpu"][::5], rows["scan_thread"][::5], strict=True)), 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--sales", type=int, default=20)
    parser.add_argument(
        "--cpu", action="store_true", help="CPU time per request without the profiler instead of counts"
    )
    args = parser.parse_args()
    print(json.dumps(count(args.products, args.sales, profiled=not args.cpu)))


if __name__ == "__main__":
    main()
