"""Periodic tasks (kasse.core.periodic): one waiting run per task, the next enqueued by each run, also after an
error, duplicates collapsing, and nothing enqueued by a backend that cannot defer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kasse.core.periodic import REGISTRY, ensure_scheduled, periodic_task

pytestmark = pytest.mark.django_db
RUNS: list[str] = []
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@periodic_task(every=timedelta(minutes=5))
def tick() -> str:
    RUNS.append("tick")
    return "ticked"


@periodic_task(every=timedelta(minutes=1))
def broken() -> None:
    RUNS.append("broken")
    raise RuntimeError("this run fails")


def _waiting(task) -> list:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path=task.module_path, status="READY"))


@pytest.fixture
def database_backend(settings):
    settings.TASKS = DB_BACKEND
    RUNS.clear()


def test_every_periodic_task_gets_one_waiting_run_and_a_second_start_adds_none(database_backend):
    started = ensure_scheduled()
    assert f"{__name__}.tick" in started
    assert f"{__name__}.broken" in started
    assert "kasse.backoffice.tasks.publish_alerts" in REGISTRY  # the app's tasks modules were discovered
    assert ensure_scheduled() == []
    assert len(_waiting(tick)) == 1


def test_a_run_enqueues_the_next_one_interval_later_unless_one_is_waiting(database_backend):
    before = timezone.now()
    assert tick.func() == "ticked"
    (waiting,) = _waiting(tick)
    assert before + timedelta(minutes=5) <= waiting.run_after <= timezone.now() + timedelta(minutes=5)
    tick.func()  # a second chain's run (two workers started at once) finds it waiting: no second one
    assert len(_waiting(tick)) == 1
    assert RUNS == ["tick", "tick"]


def test_a_run_that_fails_still_schedules_the_next(database_backend):
    with pytest.raises(RuntimeError):
        broken.func()
    assert len(_waiting(broken)) == 1


def test_the_immediate_backend_of_the_tests_enqueues_nothing():
    RUNS.clear()
    assert ensure_scheduled() == []
    tick.func()
    assert RUNS == ["tick"]
    assert _waiting(tick) == []
