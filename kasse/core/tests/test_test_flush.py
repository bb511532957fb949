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
