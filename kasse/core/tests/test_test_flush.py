"""The suite's own safety net (``kasse/testing/flush.py``): a transactional test's flush that met a lock
conflict is tried again; any other failure of the flush still fails the test."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import TransactionTestCase

from kasse.testing import flush


def _failing_flush(monkeypatch: pytest.MonkeyPatch, errors: list[Exception]) -> list[int]:
    calls: list[int] = []

    def flush_database(_self: object) -> None:
        calls.append(1)
        if errors:
            raise errors.pop(0)

    monkeypatch.setattr(TransactionTestCase, "_fixture_teardown", flush_database)
    monkeypatch.setattr(flush.time, "sleep", lambda _seconds: None)
    flush.install()
    return calls


def _deadlock() -> CommandError:
    cause = OperationalError("deadlock detected")
    cause.sqlstate = "40P01"  # type: ignore[attr-defined]  # as psycopg's errors carry it
    try:
        raise CommandError("Database test couldn't be flushed.") from cause
    except CommandError as exc:
        return exc


def test_a_flush_that_met_a_deadlock_is_tried_again_until_it_succeeds(monkeypatch):
    calls = _failing_flush(monkeypatch, [_deadlock(), _deadlock()])

    TransactionTestCase._fixture_teardown(TransactionTestCase())

    assert len(calls) == 3


def test_a_flush_that_keeps_meeting_deadlocks_fails_in_the_end(monkeypatch):
    calls = _failing_flush(monkeypatch, [_deadlock() for _ in range(flush.ATTEMPTS)])

    with pytest.raises(CommandError):
        TransactionTestCase._fixture_teardown(TransactionTestCase())

    assert len(calls) == flush.ATTEMPTS


def test_a_flush_that_failed_for_another_reason_fails_at_once(monkeypatch):
    calls = _failing_flush(monkeypatch, [CommandError("At least one of the expected database tables doesn't exist.")])

    with pytest.raises(CommandError):
        TransactionTestCase._fixture_teardown(TransactionTestCase())

    assert len(calls) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_test_database_is_dropped_even_while_another_session_holds_it():
    """The end of a test process drops its database ``WITH (FORCE)``: a session that a thread opened after the
    others were ended no longer fails the drop ("is being accessed by other users")."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): DROP DATABASE … WITH (FORCE)")
    name = f"{connection.settings_dict['NAME']}_drop_check"
    creation = connection.creation
    with creation._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    holder = psycopg.connect(**{**params, "dbname": name})
    try:
        flush.drop_by_force()
        creation._destroy_test_db(name, verbosity=0)
        with creation._nodb_cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone()[0] == 0
        assert holder.closed or holder.broken or _lost(holder)
    finally:
        holder.close()


def _lost(holder) -> bool:
    import psycopg

    try:
        holder.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False
