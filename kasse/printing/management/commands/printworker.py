"""``kasse printworker``: run the print queue's workers (one thread per printer) until SIGTERM or Ctrl-C.

The store node starts the same ``PrintWorkerPool`` inside its own process; this command is for a
node or a one-box setup that runs the printers in a separate process. Jobs queued by another
process are picked up within ``--idle`` seconds.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from kasse.printing.worker import PrintWorkerPool
from kasse.tenancy.models import Store


class Command(BaseCommand):
    help = "Send queued print jobs to the printers (one worker per printer) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--store",
            action="append",
            default=[],
            help="only the printers of this store (id); repeat for several (default: all)",
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=1.0,
            help="seconds between looks for jobs queued by other processes (default 1)",
        )
        parser.add_argument(
            "--status-every",
            type=float,
            default=30.0,
            help="seconds between status queries of an idle printer (default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store_ids = None
        if options["store"]:
            with scopes_disabled():
                found = list(Store.objects.filter(pk__in=options["store"]).values_list("pk", flat=True))
            if len(found) != len(set(options["store"])):
                raise CommandError("Unknown store id in --store.")
            store_ids = found
        if not 0.05 <= options["idle"] <= 60 or not 1 <= options["status_every"] <= 3600:
            raise CommandError("--idle must be 0.05..60 and --status-every 1..3600 seconds.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        pool = PrintWorkerPool(
            store_ids=store_ids, idle_seconds=options["idle"], status_seconds=options["status_every"]
        ).start()
        self.stdout.write(f"Print workers running for {len(pool.workers)} printer(s). Stop with Ctrl-C or SIGTERM.")
        try:
            stop.wait()
        finally:
            pool.stop()
            self.stdout.write("Print workers stopped.")
