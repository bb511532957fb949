"""Start a cart's TSE transaction in the background when its first item is entered.

The signing round trip of the start (80 ms and more for fiskaly) then happens while the cashier
scans on, and "pay" only finishes the transaction (docs/fiscal.md, Integration item 5). The cart's
id is the transaction's id; the sale made from the cart keeps that id.

A small pool of worker threads per process runs the starts. :func:`start_in_background` is called
after the first line's transaction committed; :func:`wait_for_start` is what "pay" and "cancel" call
before they finish or cancel: it waits for this process's start of that cart (at most the TSE
timeout) and hands over its result, so the finish goes to the same TSE and client without reading
them again. A start made by another process (several cloud workers) or lost with a crashed one is
found in the database instead: a cart whose start left no record at all is started synchronously at
pay, as before. Starting twice is harmless: a repeated revision returns what the TSE stored.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection
from django_scopes import scope

from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.services import SignResult, start_transaction
from kasse.fiscal.tse.interface import Operation
from kasse.tenancy.models import Register

logger = logging.getLogger(__name__)

_WORKERS = 2
_REMEMBERED = 512  # starts of this process whose future "pay" may still want to wait for

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_futures: OrderedDict[UUID, Future[SignResult | None]] = OrderedDict()


def _pool() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - one pool per process, made on first use
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="tse-start")
        return _executor


def start_timeout() -> float:
    """How long "pay" waits for a start still running: the TSE's own transaction timeout, plus a little."""
    return float(getattr(settings, "KASSE_FISKALY_TX_TIMEOUT", 4.0)) + 0.5


def start_in_background(
    *, organization_id: UUID, register_id: UUID, tx_id: UUID, register: Register | None = None
) -> None:
    """Start the TSE transaction ``tx_id`` of the register on a worker thread (call after commit).

    Does nothing when this process started it already. Never raises: a failed start is recorded
    unsigned by the signing service like every other step. ``register``: the caller found the TSE gate
    open for it just now (loaded with its store; the worker neither reads it again nor asks the gate).
    """
    with _lock:
        if tx_id in _futures:
            return
    future = _pool().submit(_start, organization_id, register_id, tx_id, register)
    with _lock:
        _futures[tx_id] = future
        while len(_futures) > _REMEMBERED:
            _futures.popitem(last=False)


def _start(organization_id: UUID, register_id: UUID, tx_id: UUID, register: Register | None) -> SignResult | None:
    from kasse.sales.fiscal_signing import tse_in_use  # the gate; imported here: fiscal_signing imports us

    close_old_connections()
    try:
        with scope(organization=organization_id):
            if register is None:
                register = Register.objects.select_related("store").filter(pk=register_id).first()
                if register is None or not tse_in_use(register):
                    return None
            if started_operations(register, tx_id):
                return None
        return start_transaction(register=register, tx_id=tx_id)
    except Exception:  # a start that cannot even be tried is started again at pay
        logger.exception("background TSE start of %s failed", tx_id)
        return None
    finally:
        connection.close()  # a worker thread's connection is not closed by any request


def wait_for_start(tx_id: UUID, timeout: float | None = None) -> SignResult | None:
    """Wait until this process's background start of ``tx_id`` is done (at most ``timeout`` seconds,
    by default :func:`start_timeout`) and return what it stored: None when there was none here, it
    did not end in time, or it found the transaction started already."""
    with _lock:
        future = _futures.get(tx_id)
    if future is None:
        return None
    try:
        result = future.result(timeout=start_timeout() if timeout is None else timeout)
    except FutureTimeout:
        logger.warning("the TSE start of %s did not end within the timeout", tx_id)
        return None
    with _lock:
        _futures.pop(tx_id, None)
    return result


def started_operations(register: Register, tx_id: UUID) -> set[str]:
    """The operations recorded for ``tx_id`` (signed or not): one query. Call inside the scope."""
    return set(TseTransactionRecord.objects.filter(register=register, tx_id=tx_id).values_list("operation", flat=True))


def has_start(operations: set[str]) -> bool:
    return Operation.START.value in operations


def wait_idle(timeout: float = 10.0) -> None:
    """Wait for every start this process has running (tests, benchmarks, shutdown)."""
    with _lock:
        pending = list(_futures.values())
    for future in pending:
        try:
            future.result(timeout=timeout)
        except FutureTimeout:
            logger.warning("a TSE start is still running after %s s", timeout)
