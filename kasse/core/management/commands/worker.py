"""``kasse worker``: the background task worker (django-tasks' ``db_worker``), which first starts the periodic
tasks that have no waiting run (``kasse.core.periodic``). Its options are ``db_worker``'s."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from kasse.core.periodic import ensure_scheduled

# How long an idle worker waits before it looks for new tasks again. db_worker's 1 s made a sale's push
# arrive after 1.1 s (median) and 1.4 s (p95); at 0.2 s it is 0.4 s and 0.7 s (docs/benchmarks.md, issue 17's
# target p95 <= 1 s). Five cheap indexed queries a second when there is nothing to do.
INTERVAL = 0.2


class Command(DbWorkerCommand):
    help = "Run the background tasks (exports, notifications, webhooks) and the periodic ones."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(interval=INTERVAL)

    def handle(self, *args: Any, **options: Any) -> None:
        started = ensure_scheduled()
        if started and options.get("verbosity", 1) > 0:
            self.stdout.write("periodic tasks started: " + ", ".join(started))
        super().handle(*args, **options)
