"""The tests' in-memory SQLite is shared between threads (a shared cache), where a statement meeting another
connection's table lock fails at once instead of waiting as on a store node's file. The test plugin makes
Django's SQLite cursors wait it out for up to the busy timeout (``kasse.testing.plugin``)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper


def _shared_memory() -> str:
    return f"file:kasse-lock-{uuid.uuid4().hex}?mode=memory&cache=shared"


def _held_for(path: str, seconds: float) -> threading.Thread:
    """Another connection writes into the table and commits only after ``seconds``."""
    holder = sqlite3.connect(path, uri=True, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")

    def commit_later() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=commit_later)
    thread.start()
    return thread


def test_a_statement_meeting_another_connections_table_lock_waits_for_it():
    path = _shared_memory()
    keeper = sqlite3.connect(path, uri=True, isolation_level=None)  # the memory database lives while it is open
    keeper.execute("CREATE TABLE t (n INTEGER)")
    plain = sqlite3.connect(path, uri=True, isolation_level=None)
    thread = _held_for(path, 0.3)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database table is locked"):
            plain.execute("INSERT INTO t VALUES (2)")  # what a bare cursor does: it fails at once
        started = time.monotonic()
        plain.cursor(factory=SQLiteCursorWrapper).execute("INSERT INTO t VALUES (%s)", [3])
        assert time.monotonic() - started >= 0.1  # it waited for the other commit ...
    finally:
        thread.join()
    assert sorted(n for (n,) in keeper.execute("SELECT n FROM t")) == [1, 3]  # ... and then ran once
    plain.close()
    keeper.close()


def test_other_errors_are_not_waited_for():
    connection = sqlite3.connect(_shared_memory(), uri=True, isolation_level=None)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        connection.cursor(factory=SQLiteCursorWrapper).execute("INSERT INTO missing VALUES (%s)", [1])
    assert time.monotonic() - started < 0.5
    connection.close()
