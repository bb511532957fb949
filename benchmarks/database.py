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

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KASSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")


def migrate() -> None:
    """Migrate the database Django is configured with (a new SQLite file: a copy of the migrated template)."""
    from django.conf import settings
    from django.core.management import call_command

    from kasse.testing.template_db import copy_sqlite_template

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(str(database["NAME"]))
        if not path.exists() or path.stat().st_size == 0:
            copy_sqlite_template(path)
    call_command("migrate", interactive=False, verbosity=0)


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
