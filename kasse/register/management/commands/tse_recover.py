"""``kasse tse_recover``: finish or cancel the TSE transactions a crashed process left open.

``kasse cloud`` and ``kasse store run`` run it when they start (docs/fiscal.md, Integration item 5).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kasse.register.services.tse_recovery import recover_open_transactions


class Command(BaseCommand):
    help = "Finish (sale stored) or cancel (cart gone) TSE transactions a crash left open."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=60, help="only transactions started this many seconds ago (60)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = recover_open_transactions(timedelta(seconds=options["older_than"]))
        if done.finished or done.cancelled or done.left_open:
            self.stdout.write(
                f"TSE transactions left open: {done.finished} finished, {done.cancelled} cancelled, "
                f"{done.left_open} still open with their cart"
            )
