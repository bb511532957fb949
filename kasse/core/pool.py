"""The one worker pool of kasse's device runtime: one supervised worker per device (a printer, a card terminal),
following the devices being added, changed or switched off (docs/devices.md, "The pool").

A :class:`WorkerPool` keeps a :class:`SupervisedWorker` per wanted device key and runs its own refresh in a
:class:`~kasse.core.supervisor.Supervisor`: it looks again every ``refresh_seconds``, or at once on
:meth:`WorkerPool.refresh_soon` (a device changed in this process). :meth:`WorkerPool.wake` wakes one device's
worker (new work for it), or refreshes when the pool does not know the device yet. A worker whose thread died
is replaced at the next refresh. A subclass says which devices it wants (:meth:`WorkerPool.wanted`), how a
worker is made (:meth:`WorkerPool.make_worker`) and where it registers for wake-ups (:meth:`WorkerPool.listen`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

from kasse.core.backoff import Backoff
from kasse.core.supervisor import Health, Supervisor


class SupervisedWorker:
    """A device's worker: one :class:`Supervisor` thread (set as ``self.supervisor`` by the subclass)."""

    supervisor: Supervisor

    def start(self) -> None:
        self.supervisor.start()

    def stop(self) -> None:
        self.supervisor.finish()

    def join(self, timeout: float | None = None) -> None:
        self.supervisor.join(timeout)

    def is_alive(self) -> bool:
        return self.supervisor.is_alive()

    def wake(self) -> None:
        self.supervisor.wake()

    def health(self) -> Health:
        return self.supervisor.health()


W = TypeVar("W", bound=SupervisedWorker)


@dataclass(eq=False)  # pools are registered in WeakSets: identity, not value
class WorkerPool(Generic[W]):
    """One worker per wanted device (of ``store_ids``, or all stores)."""

    name: ClassVar[str] = "worker-pool"

    store_ids: list[Any] | None = None
    refresh_seconds: float = 10.0
    workers: dict[Any, W] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._started = False
        self._supervisor = Supervisor(
            self.name,
            self._refresh_step,
            idle_seconds=0.0,
            database=True,
            backoff=Backoff(initial=min(1.0, self.refresh_seconds), maximum=self.refresh_seconds),
        )

    # --- what a subclass says -------------------------------------------------------------------------

    def wanted(self) -> dict[Any, Any]:
        """The devices that should have a worker now: key → what :meth:`make_worker` needs besides the key."""
        raise NotImplementedError

    def make_worker(self, key: Any, detail: Any) -> W:
        raise NotImplementedError

    def listen(self, on: bool) -> None:
        """Register (``on``) or unregister this pool where the services wake it."""

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._started:
            return self
        self._started = True
        self.sync_workers()
        self.listen(True)
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.listen(False)
        self._supervisor.stop(timeout)
        self._started = False
        with self._lock:
            workers = list(self.workers.values())
            self.workers.clear()
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wake(self, key: Any) -> None:
        worker = self.workers.get(key)
        if worker is not None:
            worker.wake()
        else:
            self.refresh_soon()  # a device this pool does not know yet

    def refresh_soon(self) -> None:
        self._supervisor.wake()

    def health(self) -> list[Health]:
        """The pool's own supervisor and each device's worker."""
        with self._lock:
            workers = list(self.workers.values())
        return [self._supervisor.health()] + [worker.health() for worker in workers]

    def sync_workers(self) -> None:
        """Start workers for new wanted devices; stop those of removed or switched-off ones, and replace dead ones."""
        wanted = self.wanted()
        with self._lock:
            for key in list(self.workers):
                if key not in wanted or not self.workers[key].is_alive():
                    self.workers.pop(key).stop()
            for key, detail in wanted.items():
                if key not in self.workers:
                    worker = self.make_worker(key, detail)
                    self.workers[key] = worker
                    worker.start()

    def _refresh_step(self) -> float:
        """Wait for a change (or ``refresh_seconds``), then follow the devices (the pool's supervisor)."""
        self._supervisor.wait(self.refresh_seconds)
        if not self._supervisor.stopping.is_set():
            self.sync_workers()
        return 0.0
