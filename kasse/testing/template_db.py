"""Migrated template databases, so that tests starting ``kasse cloud``/``kasse store`` as processes do not
each migrate an empty database (about 45 migrations: seconds per process test, minutes per suite).

The template is migrated once, by ``kasse migrate`` in a child process, and then copied:

* SQLite: a file ``<data dir>/templates/<digest>.sqlite3``, copied to the new database's path;
* PostgreSQL: a database ``kasse_tpl_<digest>`` on the server, copied with ``CREATE DATABASE ... TEMPLATE``.

``<digest>`` covers every migration file and the Django version, so a changed or new migration builds a
new template instead of reusing a stale one. Building is serialised between processes (an ``flock`` on a
file for SQLite, an advisory lock for PostgreSQL), so parallel test workers, and several checkouts that
share one PostgreSQL server, build each template once. A store node's migrations differ from a cloud's
only on data a new database does not have yet, so one template serves both roles.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import django

PROJECT = Path(__file__).resolve().parents[2]
_PG_LOCK_KEY = 0x6B61_7373  # "kass": one advisory lock for building templates


def migrations_digest() -> str:
    """A digest of every migration file (path and content) and the Django version."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted((PROJECT / "kasse").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _templates_dir() -> Path:
    base = Path(os.environ.get("KASSE_TEMPLATE_DIR", "") or PROJECT / "var" / "templates")
    base.mkdir(parents=True, exist_ok=True)
    return base


def _migrate(database_url: str, data_dir: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "KASSE_", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE"))
    }
    env.update(
        {
            "KASSE_ENV": "dev",
            "KASSE_ROLE": "cloud",
            "DJANGO_SETTINGS_MODULE": "kasse.settings",
            "KASSE_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "KASSE_LOG_LEVEL": "WARNING",
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "kasse.cli", "migrate", "--verbosity", "0"],  # noqa: S603
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrating the template database failed: {done.stderr.decode()[-3000:]}")


def sqlite_template() -> Path:
    """The migrated SQLite template file (built on first use)."""
    base = _templates_dir()
    template = base / f"{migrations_digest()}.sqlite3"
    if template.exists():
        return template
    with (base / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if template.exists():  # another process built it while we waited
            return template
        building = base / f"{template.stem}.{os.getpid()}.building"
        building.mkdir(exist_ok=True)
        target = building / "kasse.sqlite3"
        _migrate(f"sqlite:///{target}", building)
        with sqlite3.connect(target) as conn:  # one self-contained file: nothing left in a -wal file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        os.replace(target, template)
        shutil.rmtree(building, ignore_errors=True)
    return template


def copy_sqlite_template(path: Path) -> None:
    """Make ``path`` a migrated, empty SQLite database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template(), path)


def _pg_url(server_url: str, name: str) -> str:
    return urlparse(server_url)._replace(path=f"/{name}").geturl()


def _admin_url(server_url: str) -> str:
    """The server's maintenance database: every lock below is taken there, because PostgreSQL's advisory locks
    belong to the database they are taken in (a lock taken in ``test`` does not exclude one taken in
    ``postgres``)."""
    return _pg_url(server_url, "postgres")


def postgres_template(server_url: str) -> str:
    """The name of the migrated PostgreSQL template database on ``server_url``'s server (built on first use)."""
    import psycopg

    name = f"kasse_tpl_{migrations_digest()}"
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
        try:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return name
            building = f"{name}_building"
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{building}"')
            _migrate(_pg_url(server_url, building), _templates_dir())
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            conn.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE true')
            return name
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))


def create_postgres_from_template(server_url: str, name: str) -> str:
    """Create database ``name`` as a copy of the migrated template; returns its URL."""
    import psycopg

    template = postgres_template(server_url)
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        # Copies of one template are made one at a time: PostgreSQL refuses to copy a database that another
        # session is connected to, and a concurrent copy counts as one.
        conn.execute("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
        try:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))
    return _pg_url(server_url, name)


# --- the suite's own test databases ----------------------------------------------------------------


def _server_url(settings_dict: dict[str, Any]) -> str:
    """A URL of the PostgreSQL server that ``settings_dict`` names, on its maintenance database."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/postgres"


def _fill_sqlite(connection: Any) -> None:
    """Copy the template into ``connection``'s (in-memory) test database, page by page."""
    connection.ensure_connection()
    source = sqlite3.connect(sqlite_template())
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _check_migrated(connection: Any) -> None:
    """The copy has every migration applied (a stale or foreign template fails here, not in a test)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        pending = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:5])
        raise RuntimeError(f"the template database lacks migrations: {pending}")


@contextmanager
def test_databases_from_template() -> Iterator[None]:
    """While Django sets up the suite's test databases, each starts as a copy of the migrated template
    instead of running every migration in every test process (seconds of CPU per xdist worker):

    * SQLite (in memory): the template file is copied into it with SQLite's backup API;
    * PostgreSQL: Django creates it ``WITH TEMPLATE kasse_tpl_<digest>``, one process at a time.

    Django's ``migrate`` is replaced by that copy and a check that no migration is left to apply."""
    import psycopg
    from django.core import management
    from django.db import connections

    real_call_command = management.call_command
    locks: list[psycopg.Connection[Any]] = []
    for connection in connections.all():
        if connection.vendor == "postgresql":
            server = _server_url(connection.settings_dict)
            connection.settings_dict["TEST"]["TEMPLATE"] = postgres_template(server)
            # PostgreSQL refuses to copy a template while another session copies it: one copy at a time,
            # under the lock create_postgres_from_template takes too.
            lock = psycopg.connect(_admin_url(server), autocommit=True)
            lock.execute("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
            locks.append(lock)

    def call_command(name: Any, *args: Any, **options: Any) -> Any:
        if name != "migrate":
            return real_call_command(name, *args, **options)
        connection = connections[options.get("database", "default")]
        if connection.vendor == "sqlite":
            _fill_sqlite(connection)
        elif connection.vendor == "postgresql":
            for lock in locks:  # the copy is made: the next process may make its own
                lock.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))
        else:
            return real_call_command(name, *args, **options)
        _check_migrated(connection)
        return None

    management.call_command = call_command  # type: ignore[assignment]
    try:
        yield
    finally:
        management.call_command = real_call_command
        for lock in locks:
            lock.close()
