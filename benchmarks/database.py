"""The benchmarks' databases: a new SQLite file or PostgreSQL database starts as the migrated template instead
of being migrated, and a measurement that needs a PostgreSQL database of its own runs in a child process on one
(``in_fresh_postgres``).

Every benchmark measures a fresh database of its own; migrating one from nothing costs seconds of CPU each time
(the smoke tests of ``make test`` start nine SQLite files, and on PostgreSQL an empty database took 22 CPU s of
``migrate`` plus the server's work). The template (``kasse/testing/template_db.py``) is migrated once per set of
migrations by ``kasse migrate`` in a child process and copied (a file, or ``CREATE DATABASE ... TEMPLATE``);
the ``migrate`` that follows then only checks that nothing is left to apply. Nothing a benchmark times includes
the migration.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")


def migrate(*, copied: bool = False) -> None:
    """Migrate the database Django is configured with. A new SQLite file becomes a copy of the migrated template
    and is not migrated again, nor is one that was ``copied`` from a seeded demo shop before Django started: both
    templates are named by the digest of these very migrations and were migrated by ``kasse migrate`` (its
    ``post_migrate`` handlers included). Checking that nothing is left to apply cost each benchmark process 0.3-0.4 CPU
    s (loading the migrations, rendering their models, the ``post_migrate`` handlers)."""
    from django.conf import settings
    from django.core.management import call_command

    from kasse.testing.template_db import copy_sqlite_template

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(str(database["NAME"]))
        if not path.exists() or path.stat().st_size == 0:
            copy_sqlite_template(path)
            return
        if copied:
            return
    call_command("migrate", interactive=False, verbosity=0)


def _demo_digest() -> str:
    """The seeded demo shop depends on the migrations and on whatever the seed calls (services, models, the
    demo package): a digest of every product module under ``kasse/`` and of the migrations' digest."""
    from kasse.testing.template_db import migrations_digest

    digest = hashlib.sha256(migrations_digest().encode())
    for path in sorted((ROOT / "kasse").rglob("*.py")):
        if {"tests", "testing"} & set(path.relative_to(ROOT).parts):
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


REUSE_SEED = "KASSE_BENCH_REUSE_SEED"
"""Set (to anything but empty or ``0``) by the benchmark smoke tests: the benchmarks that seed the demo shop with
``--products N`` (catalog, register, fiscal, card terminal, promotions) copy a data directory seeded once with
those numbers instead of seeding their own (``copy_seeded_demo``); the seed time they report is then the copy's.
``make bench`` does not set it: each benchmark seeds and times its own."""


def reuse_seed() -> bool:
    """Whether this run copies the seeded demo shop instead of seeding it (:data:`REUSE_SEED`)."""
    return os.environ.get(REUSE_SEED, "") not in ("", "0")


def seeded_demo_template(products: int | None = None, customers: int = 0) -> Path:
    """A data directory holding the demo shop (``seed_demo(products=products, customers_count=customers)``; by
    default the hand-written assortment without customers) in ``bench.sqlite3`` and the files the seed wrote
    beside it (the development TSE's secrets are encrypted with the data directory's ``fiscal_key``). Seeded once
    per ``_demo_digest()`` and numbers by a child process, under a lock of its own (the child takes the migrated
    template's); those of older digests are removed."""
    from kasse.testing.template_db import _templates_dir

    base = _templates_dir()
    digest = _demo_digest()
    numbers = "" if (products, customers) == (None, 0) else f"-{products or 0}p-{customers}c"
    template = base / f"demo-{digest}{numbers}"
    if template.exists():
        return template
    with (base / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if template.exists():  # another process seeded it while we waited
            return template
        building = base / f"{template.name}.{os.getpid()}.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_URL"))}
        env.update({"PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "kasse.settings"})
        done = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "benchmarks.database",
                "seed-demo",
                str(building),
                str(products or 0),
                str(customers),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RuntimeError(f"seeding the demo template failed: {done.stderr.decode()[-3000:]}")
        for old in base.glob("demo-*"):
            # another digest's shop; never one being seeded
            if not old.name.startswith(f"demo-{digest}") and not old.name.endswith(".building"):
                shutil.rmtree(old, ignore_errors=True)
        os.replace(building, template)
    return template


def copy_seeded_demo(data_dir: Path, products: int | None = None, customers: int = 0) -> None:
    """Make ``data_dir`` (before Django opens it) a copy of the seeded demo shop: what ``seed_demo(products=products,
    customers_count=customers)`` on a new database would have left there, without seeding it again (about 7 CPU s
    each time for the hand-written assortment)."""
    shutil.copytree(seeded_demo_template(products, customers), data_dir, dirs_exist_ok=True)


def _seed_demo_child(data_dir: Path, products: int | None, customers: int) -> None:  # pragma: no cover - a child
    os.environ["KASSE_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.db import connections

    from kasse.demo.seed import seed_demo

    migrate()
    seed_demo(products=products, customers_count=customers)
    connections.close_all()
    with sqlite3.connect(data_dir / "bench.sqlite3") as conn:  # one self-contained file: nothing left in a -wal
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")


def create_postgres_database(name: str, server_url: str = POSTGRES_URL) -> str:
    """Create the PostgreSQL database ``name`` on ``server_url``'s server as a copy of the migrated template
    (built there on first use); returns its URL."""
    from kasse.testing.template_db import create_postgres_from_template

    return create_postgres_from_template(server_url, name)


def in_fresh_postgres(name: str, module: str, *args: str, stream_progress: bool = False) -> dict[str, Any]:
    """Run ``python -m module *args`` in a child process on a new PostgreSQL database (dropped afterwards) and
    a temporary data directory; the child prints its results as JSON on its last line of standard output.
    ``stream_progress``: the child's standard error goes to ours as it happens (else it is kept for the
    error message)."""
    import psycopg

    database = f"kasse_bench_{name}_{secrets.token_hex(3)}"
    admin = POSTGRES_URL.rstrip("/") + "/postgres"
    url = create_postgres_database(database)
    try:
        with tempfile.TemporaryDirectory(prefix=f"kasse-bench-{name}-") as tmp:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "KASSE_", "DATABASE_URL", "REDIS_URL"))
            }
            env.update(
                {
                    "DJANGO_SETTINGS_MODULE": "kasse.settings",
                    "KASSE_ENV": "dev",
                    "KASSE_ROLE": "cloud",
                    "KASSE_DATA_DIR": tmp,
                    "KASSE_LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(ROOT),
                    "DATABASE_URL": url,
                }
            )
            done = subprocess.run(  # noqa: S603
                [sys.executable, "-m", module, *args],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=None if stream_progress else subprocess.PIPE,
                text=True,
                check=False,
                timeout=7200,
            )
            if done.returncode != 0:
                told = "its error above" if stream_progress else (done.stderr or "")[-3000:]
                raise RuntimeError(f"{module} failed (exit {done.returncode}): {told}")
            return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed-demo"] and len(sys.argv) in (3, 5):
        counts = [int(n) for n in sys.argv[3:5]] or [0, 0]
        _seed_demo_child(Path(sys.argv[2]), counts[0] or None, counts[1])
    else:
        raise SystemExit("usage: python -m benchmarks.database seed-demo DATA_DIR [PRODUCTS CUSTOMERS]")
