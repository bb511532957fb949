"""Secondary indexes of the receipt tables around a large ``kasse seed --sales`` (:mod:`kasse.demo.sales`).

Keeping a dozen B-trees up to date row by row costs PostgreSQL more than the rows themselves once the
tables outgrow its buffers; building each index once after the load reads every row once and sorts it. So a
load of :data:`REBUILD_FROM` sales or more drops the plain indexes of ``sales_sale``, ``sales_saleline``,
``sales_salevat`` and ``sales_payment`` (never a primary key or a unique constraint: those check the rows as
they arrive) and builds them again afterwards, several at a time, before the seed returns.

The definitions are written to ``<data dir>/seed-dropped-indexes.sql`` before anything is dropped and the
file is removed only when every index is back, so a seed that was killed in between leaves the file and the
next ``kasse seed --sales`` (even ``--sales 0``) builds the missing indexes first
(``kasse/demo/tests/test_seed_sales.py``).

Dropping an index locks its table: for a benchmark database or a shop being set up, not a live one.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

REBUILD_FROM = 200_000  # sales per run from which the indexes are dropped and built again
TABLES = ("sales_sale", "sales_saleline", "sales_salevat", "sales_payment")
BUILDERS = 3  # indexes built side by side (each may use PostgreSQL's parallel workers too)


def state_file() -> Path:
    return Path(settings.DATA_DIR) / "seed-dropped-indexes.sql"


def _secondary_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x')) ORDER BY tablename, indexname",
            [list(TABLES)],
        )
        return [(name, definition) for name, definition in cursor.fetchall()]


def drop_secondary_indexes() -> int:
    """Write the definitions to the state file, then drop the indexes; returns how many."""
    indexes = _secondary_indexes()
    if not indexes:
        return 0
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.read_text() if path.exists() else ""
    with path.open("w") as handle:
        handle.write(previous + "".join(f"{definition};\n" for _name, definition in indexes))
        handle.flush()
        os.fsync(handle.fileno())
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    return len(indexes)


def _if_not_exists(definition: str) -> str:
    for head in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
        if definition.startswith(head) and not definition.startswith(head + "IF NOT EXISTS "):
            return head + "IF NOT EXISTS " + definition[len(head) :]
    return definition


def _build(definition: str) -> None:
    try:
        with connection.cursor() as cursor:
            # room to sort a 10-million-line index in memory: 5 million lines' sale_id index 2.9 -> 2.3 s of CPU
            # (one builder, under load) against 256 MB; up to BUILDERS of them at once, for a seed's machine only
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(_if_not_exists(definition))
    finally:
        connection.close()


def restore_dropped_indexes() -> int:
    """Build every index the state file names that is missing, then remove the file; returns how many."""
    path = state_file()
    if not path.exists():
        return 0
    definitions = list(dict.fromkeys(line.rstrip(";") for line in path.read_text().splitlines() if line.strip()))
    with ThreadPoolExecutor(max_workers=BUILDERS, thread_name_prefix="seed-index") as pool:
        list(pool.map(_build, definitions))
    path.unlink()
    return len(definitions)
