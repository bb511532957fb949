"""Same-run A/B of the cloud's ingestion: two source trees, rounds alternating, CPU and calls per sale.

Each tree runs in a child process of its own (its own code on ``PYTHONPATH``, its own fresh PostgreSQL
database) that makes the records of N 5-line sales once with that tree's ``benchmarks.sync_bench`` (as that
tree's store node would send them) and then, on the parent's word, ingests them in process with that tree's
``Ingestor`` (batches of ``PUSH_BATCH_SIZE`` records, the sale tables emptied before every round). The parent
alternates the trees round by round (A B B A A B …), so a machine whose load drifts treats both alike.

Per round each child reports the CPU time of its own process (``time.process_time``: the Python work of
ingestion, what the cloud's worker pays per synced sale), the CPU time of its PostgreSQL backend (from
``/proc``, when readable) and the wall time. One extra round per tree runs under cProfile and query capture:
Python function calls and queries per sale, which do not depend on the load at all.

Run (from the tree to compare, the other tree checked out elsewhere, e.g.
``git worktree add ../base 3c18194``)::

    .venv/bin/python -m benchmarks.sync_ab --base ../base [--tree .] [--sales 2000] [--rounds 8]
        [--profile-dir /tmp/ab]

The trees' own ``benchmarks.sync_bench`` must have ``_make_stream``, ``_ingest`` and ``SALE_TABLES`` (every
tree since issue 4 has). PostgreSQL at ``KASSE_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")


# --- the child: one tree -----------------------------------------------------------------------------------


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a local PostgreSQL backend so far, ``None`` when /proc does not say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(sales: int, profile_path: str) -> None:  # pragma: no cover - runs in the child process
    """Make the stream, then answer the parent's commands on stdin (``round``, ``count``, ``quit``) with one
    JSON line each on stdout."""
    import gc

    import django

    # Answers go to the original stdout; whatever the tree prints goes to stderr.
    sys.stdout.flush()
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks import sync_bench

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    stream = sync_bench._make_stream(sales, seed=5)
    made = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # the records live until the end: keep full collections over them out of the rounds
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(sync_bench.SALE_TABLES)} CASCADE")

    def answer(data: dict[str, Any]) -> None:
        answers.write(json.dumps(data) + "\n")
        answers.flush()

    import kasse

    answer(
        {
            "ready": True,
            "kasse": str(Path(kasse.__file__).parent),
            "records": stream["records"],
            "batches": len(stream["batches"]),
            "made_seconds": round(made, 1),
        }
    )
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        empty()
        gc.collect()
        if command == "round":
            db_before = _backend_cpu(backend)
            cpu, wall = time.process_time(), time.perf_counter()
            sync_bench._ingest(stream)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            db_after = _backend_cpu(backend)
            db = None if db_before is None or db_after is None else db_after - db_before
            answer({"cpu": cpu, "wall": wall, "db_cpu": db})
        elif command == "count":
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            with CaptureQueriesContext(connection) as queries:
                profiler.enable()
                sync_bench._ingest(stream)
                profiler.disable()
            stats = pstats.Stats(profiler)
            if profile_path:
                profiler.dump_stats(profile_path.removesuffix(".txt") + ".pstats")
                with open(profile_path, "w") as out:
                    printed = pstats.Stats(profiler, stream=out)
                    printed.sort_stats("cumulative").print_stats(60)
                    printed.sort_stats("tottime").print_stats(40)
            answer({"calls": stats.total_calls, "queries": len(queries)})  # type: ignore[attr-defined]


# --- the parent ---------------------------------------------------------------------------------------------


class Tree:
    def __init__(self, name: str, path: Path, sales: int, profile_path: str) -> None:
        import psycopg

        self.name = name
        self.path = path
        self.database = f"kasse_bench_ab_{secrets.token_hex(3)}"
        self.admin = POSTGRES_URL.rstrip("/") + "/postgres"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.tmp = tempfile.TemporaryDirectory(prefix="kasse-bench-ab-")
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KASSE_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "kasse.settings",
                "KASSE_ENV": "dev",
                "KASSE_ROLE": "cloud",
                "KASSE_DATA_DIR": self.tmp.name,
                "KASSE_LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(path),
                "DATABASE_URL": POSTGRES_URL.rstrip("/") + f"/{self.database}",
            }
        )
        python = path / ".venv" / "bin" / "python"
        self.process = subprocess.Popen(  # noqa: S603
            [str(python if python.exists() else sys.executable), str(Path(__file__).resolve()), "_child"]
            + [str(sales), profile_path],
            env=env,
            cwd=path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.rounds: list[dict[str, Any]] = []
        self.counts: dict[str, Any] = {}
        self.info: dict[str, Any] = {}

    def read(self) -> dict[str, Any]:
        out: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = out.readline()
        if not line:
            raise RuntimeError(f"the child of {self.name} ({self.path}) ended: exit {self.process.wait(timeout=60)}")
        return dict(json.loads(line))

    def ask(self, command: str) -> dict[str, Any]:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write(command + "\n")
        stdin.flush()
        return self.read()

    def close(self) -> None:
        import psycopg

        try:
            if self.process.poll() is None:
                self.ask_quit()
        finally:
            with psycopg.connect(self.admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.tmp.cleanup()

    def ask_quit(self) -> None:
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write("quit\n")
        stdin.flush()
        self.process.wait(timeout=60)


def _revision(path: Path) -> str:
    done = subprocess.run(  # noqa: S603
        ["git", "-C", str(path), "describe", "--always", "--dirty"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def run(base: Path, tree: Path, sales: int, rounds: int, profile_dir: str = "") -> dict[str, Any]:
    trees: list[Tree] = []
    try:
        for name, path in (("base", base), ("tree", tree)):
            profile = str(Path(profile_dir) / f"{name}.prof.txt") if profile_dir else ""
            trees.append(Tree(name, path, sales, profile))
        for t in trees:  # made at the same time; each child says when its records are ready
            t.info = t.read()
        for t in trees:
            t.ask("round")  # warm-up: the first ingestion of a process imports and caches (not counted)
        for t in trees:
            t.counts = t.ask("count")
        for n in range(rounds):
            for t in trees if n % 2 == 0 else trees[::-1]:  # A B, B A, A B …
                t.rounds.append(t.ask("round"))
    finally:
        for t in trees:
            t.close()
    load = os.getloadavg()
    results: dict[str, Any] = {"sales": sales, "rounds": rounds, "load": [round(x, 2) for x in load], "trees": {}}
    for t in trees:
        cpu = [r["cpu"] * 1000 / sales for r in t.rounds]
        db = [r["db_cpu"] * 1000 / sales for r in t.rounds if r["db_cpu"] is not None]
        wall = [r["wall"] * 1000 / sales for r in t.rounds]
        results["trees"][t.name] = {
            "path": str(t.path),
            "revision": _revision(t.path),
            "kasse": t.info["kasse"],
            "records": t.info["records"],
            "cpu_ms_per_sale": cpu,
            "db_cpu_ms_per_sale": db,
            "wall_ms_per_sale": wall,
            "calls_per_sale": t.counts["calls"] / sales,
            "queries": t.counts["queries"],
        }
    return results


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def render(results: dict[str, Any]) -> str:
    base, tree = results["trees"]["base"], results["trees"]["tree"]
    lines = [
        f"Ingestion A/B, {results['sales']} sales ({base['records']} / {tree['records']} records), "
        f"{results['rounds']} rounds each, alternating; load average at the end {results['load']}",
        "",
        f"| per ingested sale | base `{base['revision']}` | tree `{tree['revision']}` | tree ÷ base |",
        "| --- | --- | --- | --- |",
    ]

    def row(label: str, a: float, b: float, digits: int = 3) -> str:
        return f"| {label} | {a:.{digits}f} | {b:.{digits}f} | {b / a:.3f} |"

    for key, label in (
        ("cpu_ms_per_sale", "CPU of the ingesting process, ms, median"),
        ("db_cpu_ms_per_sale", "CPU of its PostgreSQL backend, ms, median"),
        ("wall_ms_per_sale", "wall time, ms, median"),
    ):
        if base[key] and tree[key]:
            lines.append(row(label, _median(base[key]), _median(tree[key])))
    fastest = min(base["cpu_ms_per_sale"]), min(tree["cpu_ms_per_sale"])
    lines.append(row("CPU of the ingesting process, ms, min", *fastest))
    lines.append(row("Python function calls (cProfile)", base["calls_per_sale"], tree["calls_per_sale"], 1))
    lines.append(f"| queries, whole stream | {base['queries']} | {tree['queries']} | |")
    lines.append("")
    for name in ("base", "tree"):
        t = results["trees"][name]
        rounds = ", ".join(f"{v:.3f}" for v in t["cpu_ms_per_sale"])
        lines.append(f"- {name} ({t['kasse']}): CPU ms per sale by round: {rounds}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        _child(int(argv[1]), argv[2] if len(argv) > 2 else "")
        return
    parser = argparse.ArgumentParser(description="same-run A/B of the cloud's ingestion between two trees")
    parser.add_argument("--base", required=True, help="the tree to compare against (a checkout with its .venv)")
    parser.add_argument("--tree", default=str(ROOT), help="the tree under test (default: this one)")
    parser.add_argument("--sales", type=int, default=2000, help="5-line sales per round (2 records each)")
    parser.add_argument("--rounds", type=int, default=8, help="timed rounds per tree, alternating")
    parser.add_argument("--profile-dir", default="", help="write each tree's cProfile (one round) here")
    parser.add_argument("--json-out", help="also write the raw results as JSON to this file")
    args = parser.parse_args(argv)
    if args.profile_dir:
        Path(args.profile_dir).mkdir(parents=True, exist_ok=True)
    results = run(Path(args.base).resolve(), Path(args.tree).resolve(), args.sales, args.rounds, args.profile_dir)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    print(render(results))


if __name__ == "__main__":
    if sys.argv[1:2] == ["_child"]:
        # The child runs the other tree's code: this file's folder must not shadow its modules.
        sys.path[0] = os.getcwd()
    main()
