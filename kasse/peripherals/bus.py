"""How scans leave the runner and cart changes reach the pole displays.

Scans: the runner's reader threads publish to the Channels group of the bound register
(``register-scan-<hex>``); every register page of that register listens on ``/ws/register/scanner/``.
The in-memory channel layer's queues belong to the event loop of the server, and a plain thread must
not touch them: so a publish from a runner thread is handed to that loop
(``run_coroutine_threadsafe``), which the consumer remembers when a register connects. Without a
known loop (another process with Redis, a test without a server) ``async_to_sync`` is used.

Pole displays: runners of this process register themselves; the request that changed a cart hands
the frame to the runner that owns the register's display (a queue put, never a wait). A process
without such a runner does nothing: no query, no rendering.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import weakref
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from kasse.peripherals.frames import Frame
    from kasse.peripherals.runner import PeripheralRunner

logger = logging.getLogger(__name__)

_loop_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None
_RUNNERS: weakref.WeakSet[PeripheralRunner] = weakref.WeakSet()


def scan_group(register_id: uuid.UUID) -> str:
    return f"register-scan-{register_id.hex}"


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop that serves register pages in this process (called by the consumer)."""
    global _server_loop
    with _loop_lock:
        _server_loop = loop


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        logger.warning("a scan could not be published: %r", exc)


def publish_scan(register_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """Send one scan to the register's pages; never raises (the reader thread must keep reading)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "scanner.scan", "payload": payload}
    group = scan_group(register_id)
    loop = _server_loop
    try:
        if loop is not None and loop.is_running() and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).add_done_callback(
                    _log_failure)
                return
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("a scan for register %s could not be published", register_id)


# --- pole displays -----------------------------------------------------------------------------------

def add_runner(runner: PeripheralRunner) -> None:
    _RUNNERS.add(runner)


def remove_runner(runner: PeripheralRunner) -> None:
    _RUNNERS.discard(runner)


def runners() -> list[PeripheralRunner]:
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
