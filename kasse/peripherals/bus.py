"""How scans leave the runner and cart changes reach the pole displays.

Scans: the runner's reader threads publish to the Channels group of the bound register
(``register-scan-<hex>``); every register page of that register listens on ``/ws/register/scanner/``.
A publish from a runner thread goes through :func:`kasse.core.channels_bridge.send_from_thread`,
which hands it to the server's event loop.

Pole displays: runners of this process register themselves; the request that changed a cart hands
the frame to the runner that owns the register's display (a queue put, never a wait). A process
without such a runner does nothing: no query, no rendering.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from typing import TYPE_CHECKING, Any, Protocol

from kasse.core.channels_bridge import send_from_thread

if TYPE_CHECKING:
    from kasse.peripherals.frames import Frame

logger = logging.getLogger(__name__)


class DisplayRunner(Protocol):
    """What the bus needs of a runner (:class:`kasse.peripherals.runner.PeripheralRunner`), which
    registers itself here: the runner imports the bus, never the other way round."""

    def has_display(self, register_id: uuid.UUID) -> bool: ...

    def show(self, register_id: uuid.UUID, frame: Frame) -> None: ...

    def refresh_soon(self) -> None: ...


_RUNNERS: weakref.WeakSet[Any] = weakref.WeakSet()


def scan_group(register_id: uuid.UUID) -> str:
    return f"register-scan-{register_id.hex}"


def publish_scan(register_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """Send one scan to the register's pages; never raises (the reader thread must keep reading)."""
    send_from_thread(scan_group(register_id), {"type": "scanner.scan", "payload": payload})


# --- pole displays -----------------------------------------------------------------------------------


def add_runner(runner: DisplayRunner) -> None:
    _RUNNERS.add(runner)


def remove_runner(runner: DisplayRunner) -> None:
    _RUNNERS.discard(runner)


def runners() -> list[DisplayRunner]:
    return list(_RUNNERS)


def has_display(register_id: uuid.UUID) -> bool:
    return any(runner.has_display(register_id) for runner in list(_RUNNERS))


def show(register_id: uuid.UUID, frame: Frame) -> None:
    for runner in list(_RUNNERS):
        runner.show(register_id, frame)


def displays_changed() -> None:
    """Configuration changed in this process: runners re-read it now instead of at their next refresh."""
    for runner in list(_RUNNERS):
        runner.refresh_soon()
