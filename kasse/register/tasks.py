"""Background tasks of the register (django-tasks; ``kasse db_worker`` runs them, docs/architecture.md)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from django_tasks import task

from kasse.register.services.tse_recovery import sweep, sweep_interval


@task()
def settle_open_tse_transactions() -> dict[str, int]:
    """Finish or cancel the TSE transactions left open (a register that crashed, a cart never finished),
    then run again after ``KASSE_TSE_SWEEP_MINUTES`` (docs/fiscal.md, Integration item 5)."""
    done = sweep()
    schedule_next_sweep()
    return asdict(done)


def schedule_next_sweep() -> bool:
    """Enqueue the next run unless one is waiting already (``kasse cloud`` and every run call it). With the
    immediate backend (tests) nothing is enqueued: a test runs ``sweep`` at the moment it wants."""
    if not settle_open_tse_transactions.get_backend().supports_defer or _queued():
        return False
    settle_open_tse_transactions.using(run_after=timezone.now() + sweep_interval()).enqueue()
    return True


def _queued() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=settle_open_tse_transactions.module_path, status="READY").exists()
