"""``kasse peripherals``: run the scanners and pole displays (one thread each) until SIGTERM or Ctrl-C.

``kasse store run`` starts the same ``PeripheralRunner`` inside the node's process; this command is
for a setup that runs them in a process of their own (a cloud one-box). Scans reach register pages
served by another process only through a shared channel layer (``REDIS_URL``), and pole displays
show carts changed in this process only; so on one box without Redis prefer the node.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from kasse.peripherals.runner import PeripheralRunner
from kasse.tenancy.models import Store


class Command(BaseCommand):
    help = "Open the scanners and pole displays of the stores (default: all) and run them until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--store",
            action="append",
            default=[],
            help="only the devices of this store (id); repeat for several (default: all)",
        )
        parser.add_argument(
            "--refresh", type=float, default=5.0, help="seconds between looks for changed devices (default 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store_ids = None
        if options["store"]:
            with scopes_disabled():
                found = list(Store.objects.filter(pk__in=options["store"]).values_list("pk", flat=True))
            if len(found) != len(set(options["store"])):
                raise CommandError("Unknown store id in --store.")
            store_ids = found
        if not 0.5 <= options["refresh"] <= 600:
            raise CommandError("--refresh must be 0.5..600 seconds.")
        if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            self.stderr.write("Warning: no REDIS_URL; scans reach only register pages served by this process.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        runner = PeripheralRunner(store_ids=store_ids, refresh_seconds=options["refresh"]).start()
        self.stdout.write(
            f"Peripherals running: {len(runner.scanners)} scanner(s), {len(runner.displays)} pole "
            "display(s). Stop with Ctrl-C or SIGTERM."
        )
        try:
            stop.wait()
        finally:
            runner.stop()
            self.stdout.write("Peripherals stopped.")
