"""The one supervisor of kasse's device runtime: print workers, peripheral readers and displays, the node's
sync loop and its nudge listener each run as one :class:`Supervisor` (docs/devices.md).

A supervisor runs one *step* function again and again in a daemon thread:

* the step returns how long to wait before the next step (``None``: the supervisor's ``idle_seconds``);
  the wait ends early on :meth:`Supervisor.wake` or :meth:`Supervisor.stop`;
* a step that raises does not end the thread: the error is logged, kept as the health's ``last_error``
  (with the time the failures began) and the step runs again after the :class:`~kasse.core.backoff.Backoff`
  wait for the failures so far; a step that returns ends the run of failures;
* :meth:`Supervisor.stop` asks the thread to end and joins it with a timeout; every wait in here is
  bounded, so a step that honours :attr:`Supervisor.stopping` ends within its own longest wait.

With ``database=True`` the thread drops broken or expired database connections before each step and
closes its own connections when it ends (a thread's connections are its own in Django).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from kasse.core.backoff import Backoff, Failures

logger = logging.getLogger(__name__)

Step = Callable[[], float | None]


@dataclass(frozen=True)
class Health:
    """What a supervisor reports: whether its thread runs, the failures in a row and the last error."""

    name: str
    running: bool
    failures: int
    restarts: int  # steps that raised since the start
    last_error: str
    last_error_at: datetime | None  # when the current run of failures began (``None``: no failure now)

    @property
    def healthy(self) -> bool:
        return self.running and self.failures == 0


class Supervisor:
    """Runs ``step`` in a daemon thread named ``name`` until stopped; restarts it with backoff after a crash."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        backoff: Backoff | None = None,
        idle_seconds: float = 1.0,
        database: bool = False,
        on_exit: Callable[[], None] | None = None,
        quiet: tuple[type[BaseException], ...] = (),
        quiet_level: int = logging.WARNING,
    ) -> None:
        self.name = name
        self.step = step
        self.failures = Failures(backoff or Backoff())
        self.idle_seconds = idle_seconds
        self.database = database
        self.on_exit = on_exit
        self.quiet = quiet  # expected failures (a device or peer not reachable): logged without a traceback
        self.quiet_level = quiet_level
        self.stopping = threading.Event()
        self.woken = threading.Event()
        self.restarts = 0
        self.last_error = ""
        self.last_error_at: datetime | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Supervisor:
        if self._thread is not None and self._thread.is_alive():
            return self
        self.stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the step loop to end and wait up to ``timeout`` seconds; returns whether the thread ended."""
        self.finish()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("%s did not stop within %.1f s", self.name, timeout)
            return False
        return True

    def finish(self) -> None:
        """Let the loop end after the current step (callable from the step itself: no join)."""
        self.stopping.set()
        self.woken.set()

    def wake(self) -> None:
        """End the current wait now (new work arrived)."""
        self.woken.set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for a wake-up or a stop; returns whether one came. For steps with inner
        loops (a connection that stays open): ``while not sup.wait(1.0): ...``.

        A wake-up is used up by the wait that sees it, not cleared before each step: one that arrives while a
        step runs (new work, a device added) ends the next wait at once instead of being lost until the next
        timeout (seen as a pool that kept a removed device's worker for its whole refresh interval)."""
        woken = self.woken.wait(max(0.0, seconds))
        if woken and not self.stopping.is_set():
            self.woken.clear()
        return woken

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def health(self) -> Health:
        return Health(
            name=self.name,
            running=self.is_alive(),
            failures=self.failures.count,
            restarts=self.restarts,
            last_error=self.last_error,
            last_error_at=self.last_error_at,
        )

    # --- the loop ------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                wait = self._step()
                if wait > 0 and not self.stopping.is_set():
                    self.wait(wait)
        finally:
            try:
                if self.on_exit is not None:
                    self.on_exit()
            except Exception:
                logger.exception("%s: cleaning up failed", self.name)
            if self.database:
                from django.db import connections

                connections.close_all()  # this thread's connections

    def _step(self) -> float:
        try:
            if self.database:
                from django.db import close_old_connections

                close_old_connections()
            wait = self.step()
        except Exception as exc:
            # The error first, then the count: whoever reads the health and sees n failures sees the n-th error
            # (counted first, a reader in between, a health page or a test, got the previous error).
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if self.last_error_at is None:
                self.last_error_at = timezone.now()
            self.restarts += 1
            delay = self.failures.failed()
            if isinstance(exc, self.quiet):
                logger.log(self.quiet_level, "%s: %s (again in %.2f s)", self.name, exc, delay)
            else:
                logger.exception("%s failed (again in %.2f s)", self.name, delay)
            return delay
        self.last_error, self.last_error_at = "", None  # and cleared before the count, for the same reason
        self.failures.succeeded()
        return self.idle_seconds if wait is None else wait
