"""``kasse bluecode_simulator``: a local server that answers like Bluecode's merchant API, for the demo and
for trying a set-up (kasse/payments/qr/bluecode_server.py)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasse.payments.qr.bluecode_server import VirtualBluecode


class Command(BaseCommand):
    help = "Run a local server that answers like Bluecode's merchant API on 127.0.0.1 until stopped (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8470)
        parser.add_argument("--processing", type=float, default=5.0, help="seconds until a 'later' code is paid")

    def handle(self, *args: Any, **options: Any) -> None:
        server = VirtualBluecode(options["port"], host=options["host"])
        server.scenario.processing_seconds = options["processing"]
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self.stdout.write(f"virtual Bluecode on {server.url} (user demo, password demo, branch demo-branch)")
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            while not done.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
