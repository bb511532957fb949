"""A transactional test's database flush that survives a connection still writing.

After a transactional test (a live server, real threads) Django empties every table with one
``TRUNCATE``. A connection still busy at that moment (the live server finishing a request of a page just
closed, a background thread of the test) holds row locks on some of those tables and may wait for one the
``TRUNCATE`` already holds: PostgreSQL then breaks the deadlock by failing one side. When the flush is that
side, the test passed but its rows stay behind, and every later test of that process meets them (seen in CI
as a duplicate paired-register token in the next browser test's setup). So a flush that failed on a lock
conflict is tried again after the other side is done; anything else fails as before.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import TransactionTestCase

log = logging.getLogger(__name__)

ATTEMPTS = 5
# SQLSTATEs of a lock conflict: deadlock_detected, lock_not_available, serialization_failure
LOCK_CONFLICTS = {"40P01", "55P03", "40001"}


def _lock_conflict(exc: BaseException | None) -> bool:
    while exc is not None:
        sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "diag", None), "sqlstate", None)
        if sqlstate in LOCK_CONFLICTS:
            return True
        if isinstance(exc, OperationalError) and "database table is locked" in str(exc):  # SQLite's form
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def install() -> None:
    """Wrap ``TransactionTestCase._fixture_teardown`` (the flush) in retries on lock conflicts."""
    original = getattr(TransactionTestCase, "_fixture_teardown")  # noqa: B009 - private in the stubs
    if getattr(original, "_kasse_retrying", False):
        return

    def fixture_teardown(self: TransactionTestCase) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return original(self)
            except (CommandError, OperationalError) as exc:
                if attempt == ATTEMPTS or not _lock_conflict(exc):
                    raise
                log.warning("flushing the test database met a lock conflict (try %d of %d): %s", attempt, ATTEMPTS, exc)
                time.sleep(0.2 * attempt)
        return None

    fixture_teardown._kasse_retrying = True  # type: ignore[attr-defined]
    setattr(TransactionTestCase, "_fixture_teardown", fixture_teardown)  # noqa: B010 - private in the stubs


def end_other_sessions() -> None:
    """At the end of a test process, before its PostgreSQL test database is dropped: end the sessions that
    other threads of this process left open on it. A worker thread keeps its connection for as long as it
    lives (a background TSE start's pool, a live server's request thread), and ``DROP DATABASE`` refuses to
    run while one is open ("database ... is being accessed by other users"), which failed the last test of
    the process with an error although every test had passed. Each session ended is logged."""
    from django.db import connections

    for connection in connections.all(initialized_only=False):
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, application_name, state, query FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            for pid, app, state, query in cursor.fetchall():
                log.warning("ending a session left open on the test database: %s %s %s %r", pid, app, state, query[:80])
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def drop_by_force() -> None:
    """Make Django drop a PostgreSQL test database ``WITH (FORCE)`` (PostgreSQL 13 and later). Ending the
    other sessions first (``end_other_sessions``) is not enough on its own: a thread of the process can open a
    new one in between (seen in CI as "database ... is being accessed by other users" after every test had
    passed). The test database is ours and about to go; whatever still holds it is ended with it."""
    from django.db.backends.postgresql.creation import DatabaseCreation

    if getattr(getattr(DatabaseCreation, "_destroy_test_db"), "_kasse_forced", False):  # noqa: B009 - private
        return

    def destroy(self: DatabaseCreation, test_database_name: str, verbosity: int) -> None:
        with getattr(self, "_nodb_cursor")() as cursor:  # noqa: B009 - private in the stubs; as Django's own does
            cursor.execute(f"DROP DATABASE {self.connection.ops.quote_name(test_database_name)} WITH (FORCE)")

    destroy._kasse_forced = True  # type: ignore[attr-defined]
    setattr(DatabaseCreation, "_destroy_test_db", destroy)  # noqa: B010 - private in the stubs
