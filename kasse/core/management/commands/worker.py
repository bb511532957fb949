"""``kasse worker``: the background task worker (django-tasks' ``db_worker``), which first starts the periodic
tasks that have no waiting run (``kasse.core.periodic``). Its options are ``db_worker``'s."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from kasse.core.periodic import ensure_scheduled


class Command(DbWorkerCommand):
    help = "Run the background tasks (exports, notifications, webhooks) and the periodic ones."

    def handle(self, *args: Any, **options: Any) -> None:
        started = ensure_scheduled()
        if started and options.get("verbosity", 1) > 0:
            self.stdout.write("periodic tasks started: " + ", ".join(started))
        super().handle(*args, **options)
