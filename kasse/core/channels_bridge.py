"""Sending to a Channels group from a background thread of the serving process.

The node's sync runner and peripheral runner publish from their own threads. The
in-memory channel layer's queues belong to the server's event loop, and a plain
thread must not touch them (the consumer would only notice at the loop's next
wake-up). So a send from such a thread is handed to that loop
(``run_coroutine_threadsafe``); consumers call :func:`remember_server_loop` when a
client connects. Without a known loop (another process with Redis, a test
without a server) the send goes through ``async_to_sync``. Never raises: a lost
live update costs a refresh, never data.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop that serves WebSockets in this process (consumers call this on connect)."""
    global _server_loop
    with _lock:
        _server_loop = loop


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        logger.warning("a live message could not be sent: %r", exc)


def send_from_thread(group: str, message: dict[str, Any]) -> None:
    """``group_send`` from any thread of this process, on the server's loop when there is one."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    try:
        if loop is not None and loop.is_running() and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).add_done_callback(_log_failure)
                return
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("a live message to %s could not be sent", group)
