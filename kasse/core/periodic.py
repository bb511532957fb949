"""Periodic background tasks: work that runs every few minutes in the task worker, without cron.

A periodic task is a django-tasks task declared with :func:`periodic_task` in an app's ``tasks.py``. When a
run ends (also when it raised), it enqueues its next run ``every`` later, unless a run is already waiting;
:func:`ensure_scheduled` starts every chain that has no waiting run (``kasse worker`` and ``kasse cloud``
call it when they start; a chain broken by a worker killed mid-run is mended there). Two waiting runs of one
task (two workers started at once) collapse into one: a run that finds another waiting does not enqueue.

With a backend that cannot defer (the immediate backend of the tests) nothing is ever enqueued by this module:
a test calls the task's function itself, at the time it wants.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.apps import apps
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Periodic:
    task: Task
    every: timedelta


REGISTRY: dict[str, Periodic] = {}


def periodic_task(every: timedelta) -> Callable[[F], Task]:
    """Declare the function a task that runs every ``every`` (module level, no arguments)."""

    def declare(func: F) -> Task:
        path = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def run() -> Any:
            try:
                return func()
            finally:
                schedule_next(path)

        declared: Task = task()(run)
        REGISTRY[path] = Periodic(declared, every)
        return declared

    return declare


def _waiting(path: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path, status="READY").exists()


def _can_defer(periodic: Periodic) -> bool:
    return bool(periodic.task.get_backend().supports_defer)


def schedule_next(path: str, now: datetime | None = None) -> None:
    """Enqueue the next run of the periodic task ``path`` one interval from now, unless one is waiting."""
    periodic = REGISTRY[path]
    if not _can_defer(periodic):
        return
    try:
        if not _waiting(path):
            periodic.task.using(run_after=(now or timezone.now()) + periodic.every).enqueue()
    except Exception:  # the run's own work is done; a lost link is mended by ensure_scheduled
        log.exception("could not schedule the next run of %s", path)


def discover() -> dict[str, Periodic]:
    """Import every app's ``tasks`` module, so that all periodic tasks are declared; the registry."""
    for config in apps.get_app_configs():
        if config.name.startswith("kasse."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    return REGISTRY


def ensure_scheduled(now: datetime | None = None) -> list[str]:
    """Enqueue a run now of every periodic task without a waiting run; the paths it enqueued."""
    started = []
    for path, periodic in sorted(discover().items()):
        if _can_defer(periodic) and not _waiting(path):
            periodic.task.using(run_after=now or timezone.now()).enqueue()
            started.append(path)
    return started
