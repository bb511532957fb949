"""Sending to a Channels group from a background thread of the serving process.

The node's sync runner and peripheral runner publish from their own threads. The
in-memory channel layer's queues belong to the server's event loop, and a plain
thread must not touch them (the consumer would only notice at the loop's next
wake-up). So a send from such a thread is handed to that loop
(``run_coroutine_threadsafe``); consumers call :func:`remember_server_loop` when a
client connects. Without a known loop (another process with Redis, a test
without a server) the send goes through ``async_to_sync``. Every group send of the
project goes through :func:`send_to_groups`. Never raises: a lost live update costs a
refresh, never data.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from concurrent.futures import Future
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None
SEND_TIMEOUT = 5.0  # seconds a send from a thread with its own event loop may take before the caller goes on


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop that serves WebSockets in this process (consumers call this on connect)."""
    global _server_loop
    with _lock:
        _server_loop = loop


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        logger.warning("a live message could not be sent: %r", exc)


def send_to_groups(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """``group_send`` of each ``(group, message)`` in one hop to an event loop, from any thread of this
    process: on the server's loop when there is one, else through ``async_to_sync``; either way the call
    returns once they are sent (at most ``SEND_TIMEOUT``), so one thread's messages keep their order. A
    thread that runs an event loop of its own (a sync caller inside async code, Playwright's sync API in a
    browser test) cannot use ``async_to_sync``: the send then goes from a short-lived thread.
    Never raises."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, message in messages:
            try:
                await layer.group_send(group, message)
            except Exception:  # one group's failure does not keep the message from the others
                logger.exception("a live message to %s could not be sent", group)

    try:
        running = _running_loop()
        loop = _server_loop
        if loop is not None and loop is not running and loop.is_running() and not loop.is_closed():
            future = asyncio.run_coroutine_threadsafe(send_all(), loop)
            future.add_done_callback(_log_failure)
            # Waited for, so that one thread's messages arrive in the order it sent them (a cart, then the
            # sale's "thank you" on the customer display; with Redis two sends in flight may overtake).
            try:
                future.result(timeout=SEND_TIMEOUT)
            except concurrent.futures.TimeoutError:
                logger.warning("a live message is still on its way after %g s", SEND_TIMEOUT)
            return
        if running is None:
            async_to_sync(send_all)()
            return
        sender = threading.Thread(target=async_to_sync(send_all), name="kasse-group-send", daemon=True)
        sender.start()
        sender.join(timeout=SEND_TIMEOUT)
    except Exception:
        logger.exception("%d live messages could not be sent", len(messages))


def send_from_thread(group: str, message: dict[str, Any]) -> None:
    """``group_send`` from any thread of this process (:func:`send_to_groups` of one message)."""
    send_to_groups([(group, message)])


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
