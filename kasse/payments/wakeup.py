"""Wake the card terminal workers of this process after a commit (an intent was written, a terminal changed).

The pools register themselves here, so services can wake them without importing the runner.
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol


class Wakeable(Protocol):
    def wake(self, terminal_id: Any) -> None: ...

    def refresh_soon(self) -> None: ...

    def abort(self, terminal_id: Any) -> None: ...


_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()


def add_pool(pool: Wakeable) -> None:
    _POOLS.add(pool)


def remove_pool(pool: Wakeable) -> None:
    _POOLS.discard(pool)


def running() -> bool:
    """Whether this process drives card terminals (a store node, or a one-box cloud with a runner)."""
    return bool(_POOLS)


def notify(terminal_id: Any) -> None:
    for pool in list(_POOLS):
        pool.wake(terminal_id)


def terminals_changed() -> None:
    for pool in list(_POOLS):
        pool.refresh_soon()


def abort(terminal_id: Any) -> None:
    """Ask the terminal to stop the running command (06 B0); it may refuse, the outcome then stands."""
    for pool in list(_POOLS):
        pool.abort(terminal_id)
