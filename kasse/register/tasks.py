"""Background tasks of the register (django-tasks; ``kasse worker`` runs them, docs/architecture.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from kasse.core.periodic import periodic_task
from kasse.register.services.tse_recovery import sweep


@periodic_task(every=timedelta(minutes=5))
def settle_open_tse_transactions() -> dict[str, int]:
    """Finish or cancel the TSE transactions left open (a register that crashed, a cart never finished),
    every five minutes (docs/fiscal.md, Integration item 5). In the cloud only for the registers it serves;
    a store node runs the same in a thread of ``kasse store run``."""
    return asdict(sweep())
