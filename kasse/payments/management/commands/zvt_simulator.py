"""``kasse zvt_simulator``: a virtual ZVT card terminal on a TCP port, for the demo and for trying a setup.

It speaks the real protocol (kasse/hardware/virtual/zvt_terminal.py); ``--decline`` makes every payment
fail with a result code, ``--fault`` breaks one payment at one step, as the fault tests do.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasse.hardware.virtual.zvt_terminal import Fault, Step, VirtualZvtTerminal


class Command(BaseCommand):
    help = "Run a virtual ZVT card terminal on 127.0.0.1 until stopped (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=20007)
        parser.add_argument("--password", default="000000", help="the terminal password, six digits")
        parser.add_argument("--decline", type=lambda v: int(v, 0), default=0, help="result code, e.g. 0x05")
        parser.add_argument("--fault", choices=[f.value for f in Fault], help="break the next payment")
        parser.add_argument("--step", choices=[s.value for s in Step], default=Step.STATUS.value)
        parser.add_argument("--delay", type=float, default=0.4, help="seconds between the terminal's messages")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if len(password) != 6 or not password.isdigit():
            raise CommandError("--password takes six digits")
        terminal = VirtualZvtTerminal(options["port"], host=options["host"], password=password)
        terminal.scenario.result_code = options["decline"]
        terminal.scenario.step_delay = options["delay"]
        if options["fault"]:
            terminal.scenario.fault = Fault(options["fault"])
            terminal.scenario.fault_step = Step(options["step"])
        try:
            terminal.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self.stdout.write(f"virtual ZVT terminal on {options['host']}:{terminal.port}")
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            while not done.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            terminal.stop()
