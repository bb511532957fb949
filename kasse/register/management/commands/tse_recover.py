"""``kasse tse_recover``: finish or cancel the TSE transactions a crashed process left open.

``kasse cloud`` and ``kasse store run`` run it when they start (docs/fiscal.md, Integration item 5). ``--sweep``
runs the periodic settling once (a store node's thread does; in the cloud the periodic task
``kasse.register.tasks.settle_open_tse_transactions`` runs it in ``kasse worker``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kasse.register.services.tse_recovery import recover_open_transactions, sweep


class Command(BaseCommand):
    help = "Finish (sale stored) or cancel (cart gone) TSE transactions a crash left open."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=60, help="only transactions started this many seconds ago (60)"
        )
        parser.add_argument(
            "--sweep",
            action="store_true",
            help="the periodic settling: also give up carts untouched for KASSE_TSE_OPEN_CART_HOURS",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(seconds=options["older_than"])
        done = sweep() if options["sweep"] else recover_open_transactions(older_than)
        if done.finished or done.cancelled or done.left_open or done.given_up:
            self.stdout.write(
                f"TSE transactions left open: {done.finished} finished, {done.cancelled} cancelled, "
                f"{done.given_up} carts given up, {done.left_open} still open with their cart"
            )
