"""Wake the print workers of this process after a commit (a job was queued, a printer was changed).

The worker pools register themselves here, so that the services and the printing sync rules can wake them
without importing the worker (and the worker can import those rules).
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol


class Wakeable(Protocol):
    def wake(self, printer_id: Any) -> None: ...

    def refresh_soon(self) -> None: ...


_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()


def add_pool(pool: Wakeable) -> None:
    _POOLS.add(pool)


def remove_pool(pool: Wakeable) -> None:
    _POOLS.discard(pool)


def notify(printer_id: Any) -> None:
    """Wake the worker of a printer in this process (called after a job is committed)."""
    for pool in list(_POOLS):
        pool.wake(printer_id)


def notify_printers_changed() -> None:
    """Printers were added, changed or switched off: the pools of this process look again now."""
    for pool in list(_POOLS):
        pool.refresh_soon()
