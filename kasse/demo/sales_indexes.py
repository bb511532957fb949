"""Indexes and keys of the receipt tables around a large ``kasse seed --sales`` (:mod:`kasse.demo.sales`).

Keeping a dozen B-trees up to date row by row costs PostgreSQL more than the rows themselves once the
tables outgrow its buffers; building each index once after the load reads every row once and sorts it. So a
load of :data:`REBUILD_FROM` sales or more drops the plain indexes of ``sales_sale``, ``sales_saleline``,
``sales_salevat`` and ``sales_payment`` and builds them again afterwards, several at a time, before the seed
returns. For the seed's load (``load=True``) their primary keys and unique constraints go too, and with
them the foreign keys that point at those tables (a foreign key needs the referenced table's unique index): the
unique indexes are built again like the others, checking every row (a duplicate fails the build), then the
constraints are put back on them, and each foreign key is added again and validated against all rows of its
table (``ALTER TABLE … VALIDATE CONSTRAINT``), so what a seed wrote is checked as if the constraints had
been there all along. Checking a line's keys as it arrives cost about as much as writing the line
(20,000 sales into the tables, measured by the backend's CPU: 55 → 31 µs per sale without the keys). The
report sums tables the seed writes with the receipts (:mod:`kasse.demo.sales_sums`: about one product row
per sale and more) lose their one-column indexes for the load as well (their COPY: 11 → 6 µs per sale).

The rebuild keeps :data:`BUILDERS` connections busy (:func:`_run`): a table's keys are attached and the table
analysed as soon as its own indexes are built, and a foreign key is added and validated as soon as its two
tables are done, beside the other tables' index builds, instead of waiting for every build to end and then
analysing and validating table after table (after the last build of a 1,000,000-sale seed those steps
took 9.4 s of the rebuild's 34.6, mostly on one connection: ``docs/benchmarks.md``).
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from kasse.demo.sales_sums import SUMS_TABLES

REBUILD_FROM = 200_000  # sales per run from which the indexes are dropped and built again
TABLES = ("sales_sale", "sales_saleline", "sales_salevat", "sales_payment")
BUILDERS = 3  # connections building, analysing and validating side by side (a build may use parallel workers too)


def state_file() -> Path:
    return Path(settings.DATA_DIR) / "seed-dropped-indexes.json"


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(TABLES)])
        return list(cursor.fetchall())


def _secondary_indexes(*, sums: bool = False) -> list[tuple[str, str]]:
    """(name, definition) of the plain indexes: not those of a primary key, unique or exclusion constraint.
    With ``sums`` also the one-column indexes of the report sums tables the seed writes (their foreign keys'
    indexes; the (organization, day, store) index stays: the seed reads the month's days through it)."""
    rows = _rows(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x')) ORDER BY tablename, indexname"
    )
    if sums:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) t) AND i.indnatts = 1 "
                "AND NOT i.indisunique AND c.relname NOT IN (SELECT conname FROM pg_constraint) ORDER BY 1",
                [[model._meta.db_table for model in SUMS_TABLES]],
            )
            rows += cursor.fetchall()
    return [(name, definition) for name, definition in rows]


def _keys() -> list[dict[str, str]]:
    """The primary keys and unique constraints of the tables: the table, the constraint's name (its index
    has the same name), the kind, the index's definition and what follows ``USING INDEX``."""
    rows = _rows(
        "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_indexdef(c.conindid), c.condeferrable, "
        "c.condeferred FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid "
        "WHERE c.contype IN ('p', 'u') AND c.conrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) t) "
        "AND i.relname = c.conname ORDER BY 1, 2"
    )
    return [
        {
            "table": table,
            "name": name,
            "kind": "PRIMARY KEY" if kind == "p" else "UNIQUE",
            "index": index,
            "timing": ("DEFERRABLE INITIALLY DEFERRED" if deferred else "DEFERRABLE") if deferrable else "",
        }
        for table, name, kind, index, deferrable, deferred in rows
    ]


def _foreign_keys() -> list[dict[str, str]]:
    """The foreign keys (of any table) that point at one of the tables, with their definitions."""
    rows = _rows(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) t) ORDER BY 1, 2"
    )
    return [{"table": table, "name": name, "definition": definition} for table, name, definition in rows]


def drop_secondary_indexes(*, load: bool = False) -> int:
    """Write the definitions to the state file, then drop the plain indexes in one transaction; with ``load``
    (a seed's load) also the primary keys, unique constraints and the foreign keys pointing at the tables,
    and the report sums tables' one-column indexes, but not the partial indexes (cheaper to keep: 500,000
    lines' COPY 0.77 → 0.82 s of CPU with the lines' three, 2.3 s to build them again at 5 million lines).
    Returns how many indexes and constraints were dropped."""
    indexes = _secondary_indexes(sums=load)
    if load:
        # a partial index (of the few lines with a promotion, an approval or an original) costs the COPY a
        # test of its condition per row and an entry for the rows that have one; building it again costs
        # a scan of the whole table
        indexes = [(name, definition) for name, definition in indexes if " WHERE " not in definition]
    state: dict[str, list[Any]] = {
        "indexes": [definition for _name, definition in indexes],
        "keys": _keys() if load else [],
        "foreign_keys": _foreign_keys() if load else [],
    }
    dropped = sum(len(items) for items in state.values())
    if not dropped:
        return 0
    previous = _read_state()
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        json.dump({part: previous[part] + state[part] for part in state}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for foreign in state["foreign_keys"]:  # before the keys they depend on
            cursor.execute(f"ALTER TABLE {foreign['table']} DROP CONSTRAINT {quote(foreign['name'])}")
        for key in state["keys"]:
            cursor.execute(f"ALTER TABLE {key['table']} DROP CONSTRAINT {quote(key['name'])}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    return dropped


def _read_state() -> dict[str, list[Any]]:
    path = state_file()
    state: dict[str, list[Any]] = {"indexes": [], "keys": [], "foreign_keys": []}
    if path.exists():
        state.update(json.loads(path.read_text()))
    legacy = path.with_suffix(".sql")  # written by earlier versions: plain index definitions, one per line
    if legacy.exists():
        state["indexes"] += [line.rstrip(";") for line in legacy.read_text().splitlines() if line.strip()]
    return state


def _if_not_exists(definition: str) -> str:
    for head in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
        if definition.startswith(head) and not definition.startswith(head + "IF NOT EXISTS "):
            return head + "IF NOT EXISTS " + definition[len(head) :]
    return definition


def _statements(statements: list[str]) -> None:
    """Run ``statements`` one after another on this thread's connection, with room to sort."""
    with connection.cursor() as cursor:
        # room to sort a 10-million-line index in memory: 5 million lines' sale_id index 2.9 -> 2.3 s of CPU
        # (one builder, under load) against 256 MB; up to BUILDERS of them at once, for a seed's machine only
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            cursor.execute(statement)


def _constraints() -> dict[tuple[str, str], bool]:
    """(table, name) → validated, of every constraint of the current schema's tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace"
        )
        return {(table, name): validated for table, name, validated in cursor.fetchall()}


def restore_dropped_indexes(analyze: tuple[str, ...] = ()) -> int:
    """Put back everything the state file names that is missing, on :data:`BUILDERS` connections at once
    (:func:`_run`): each table's indexes (a unique one checks every row as it is built), then its primary key
    and unique constraints on their indexes and an ``ANALYZE`` of it, then the foreign keys that point at it,
    each added ``NOT VALID`` and validated against every row of its table. A table's keys and statistics do
    not wait for the other tables' indexes, nor a foreign key's validation for the tables it does not name.
    ``analyze``: further tables to analyse meanwhile. Removes the file when all is back (the tables
    analysed); returns how many indexes and constraints it names."""
    path, legacy = state_file(), state_file().with_suffix(".sql")
    if not (path.exists() or legacy.exists()):
        for table in analyze:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        return 0
    state = _read_state()
    _run(_jobs(state, _constraints(), analyze))
    path.unlink(missing_ok=True)
    legacy.unlink(missing_ok=True)
    indexes = set(state["indexes"]) | {key["index"] for key in state["keys"]}
    return len(indexes) + len(state["foreign_keys"])


@dataclass
class _Job:
    name: str
    statements: list[str]
    after: set[str] = field(default_factory=set)  # names of the jobs that must have finished first


def _table_of(definition: str) -> str:
    match = re.search(r" ON (?:ONLY )?(\S+) USING ", definition)
    if match is None:
        raise ValueError(f"not an index definition: {definition}")
    return match.group(1).rsplit(".", 1)[-1].strip('"')


def _jobs(state: dict[str, list[Any]], present: dict[tuple[str, str], bool], analyze: tuple[str, ...]) -> list[_Job]:
    """The jobs of :func:`restore_dropped_indexes`, the first ready one in the list to run first: the keys,
    statistics and foreign keys as soon as they can go, then the index builds, the keys' indexes of the
    receipts first (every foreign key waits for them) and then the receipt lines' (the largest table, whose
    statistics and validation come last)."""
    quote = connection.ops.quote_name
    keys_of: dict[str, list[str]] = {}
    builds: dict[str, list[str]] = {}
    for key in state["keys"]:
        builds.setdefault(_table_of(key["index"]), []).append(key["index"])
        if (key["table"], key["name"]) not in present:
            keys_of.setdefault(_table_of(key["index"]), []).append(
                f"ALTER TABLE {key['table']} ADD CONSTRAINT {quote(key['name'])} {key['kind']} "
                f"USING INDEX {quote(key['name'])} {key['timing']}"
            )
    for definition in state["indexes"]:
        builds.setdefault(_table_of(definition), []).append(definition)
    key_indexes = {key["index"] for key in state["keys"]}

    def rank(table: str, definition: str) -> int:
        if table == "sales_sale" and definition in key_indexes:
            return 0
        return {"sales_saleline": 1, "sales_sale": 2}.get(table, 3)

    ordered = sorted(
        {(rank(table, d), table, d) for table, definitions in builds.items() for d in definitions},
        key=lambda item: (item[0], item[1], item[2]),
    )
    build_jobs = [_Job(f"build {table} {n}", [_if_not_exists(d)]) for n, (_rank, table, d) in enumerate(ordered)]
    finish_jobs = [
        _Job(
            f"finish {table}",
            [*keys_of.get(table, []), f"ANALYZE {quote(table)}"],
            {job.name for job in build_jobs if job.name.startswith(f"build {table} ")},
        )
        for table in builds
    ]
    finish_jobs += [_Job(f"finish {table}", [f"ANALYZE {quote(table)}"]) for table in analyze if table not in builds]
    by_table: dict[str, _Job] = {}
    for foreign in state["foreign_keys"]:
        table, name = foreign["table"], quote(foreign["name"])
        own = f"finish {table.rsplit('.', 1)[-1]}"
        job = by_table.setdefault(table, _Job(f"foreign keys {table}", [], {own} & _names(finish_jobs)))
        # one job per table: validating takes a lock that two validations of the same table would wait for
        if (table, foreign["name"]) not in present:
            # NOT VALID: added at once; every existing row is checked by VALIDATE
            job.statements.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {foreign['definition']} NOT VALID")
        if not present.get((table, foreign["name"]), False):
            job.statements.append(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
        referenced = re.search(r"REFERENCES (\S+)\(", foreign["definition"])
        if referenced:
            job.after.add(f"finish {referenced.group(1).rsplit('.', 1)[-1]}")
    foreign_jobs = sorted((job for job in by_table.values() if job.statements), key=lambda job: -len(job.statements))
    return [*finish_jobs, *foreign_jobs, *build_jobs]


def _names(jobs: list[_Job]) -> set[str]:
    return {job.name for job in jobs}


def _run(jobs: list[_Job]) -> None:
    """Run ``jobs`` on :data:`BUILDERS` threads, each with its own connection: a job's statements one after
    another, a job once the ones it comes after have finished, the first ready one in the list first. After
    an error no further job starts; the ones running finish, and the first error is raised."""
    names = _names(jobs)
    pending = [_Job(job.name, job.statements, job.after & names) for job in jobs]
    done: set[str] = set()
    failed: list[BaseException] = []
    changed = threading.Condition()

    def take() -> _Job | None:
        with changed:
            while pending and not failed:
                ready = next((job for job in pending if job.after <= done), None)
                if ready is not None:
                    pending.remove(ready)
                    return ready
                changed.wait()
            return None

    def work() -> None:
        try:
            while (job := take()) is not None:
                try:
                    _statements(job.statements)
                except BaseException as exc:  # raised below, in the calling thread
                    with changed:
                        failed.append(exc)
                        changed.notify_all()
                    return
                with changed:
                    done.add(job.name)
                    changed.notify_all()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"seed-index-{n}") for n in range(BUILDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
