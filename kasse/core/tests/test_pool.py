"""The one worker pool: a worker per wanted device, woken by key, refreshed on demand, dead ones replaced,
all stopped with the pool (kasse/core/pool.py; its users are the print and card terminal pools)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from kasse.core.pool import SupervisedWorker, WorkerPool
from kasse.core.supervisor import Supervisor


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


class _Worker(SupervisedWorker):
    def __init__(self, key: Any, detail: Any) -> None:
        self.key, self.detail = key, detail
        self.steps = threading.Semaphore(0)
        self.supervisor = Supervisor(f"test-worker-{key}", self._step, idle_seconds=3600.0)

    def _step(self) -> float:
        self.steps.release()
        return 3600.0  # only a wake or a stop ends the wait


@dataclass(eq=False)
class _Pool(WorkerPool[_Worker]):
    devices: dict[Any, Any] | None = None
    listening: bool = False

    def wanted(self) -> dict[Any, Any]:
        return dict(self.devices or {})

    def make_worker(self, key: Any, detail: Any) -> _Worker:
        return _Worker(key, detail)

    def listen(self, on: bool) -> None:
        self.listening = on


def test_a_pool_follows_its_devices_wakes_by_key_and_stops_every_worker():
    pool = _Pool(devices={"a": 1}, refresh_seconds=3600.0)
    with pool:
        assert pool.listening
        first = pool.workers["a"]
        assert first.detail == 1
        assert first.steps.acquire(timeout=2)
        pool.wake("a")  # new work for a known device: its worker runs a step now
        assert first.steps.acquire(timeout=2)
        pool.devices = {"a": 1, "b": 2}
        pool.wake("b")  # a device the pool does not know yet: it looks again at once, not in an hour
        assert _until(lambda: "b" in pool.workers)
        pool.devices = {"b": 2}
        pool.refresh_soon()
        assert _until(lambda: "a" not in pool.workers)
        assert _until(lambda: not first.is_alive())
        second = pool.workers["b"]
        assert [health.running for health in pool.health()] == [True, True]
    assert not pool.listening
    assert pool.workers == {}
    assert not second.is_alive()


def test_a_worker_whose_thread_died_is_replaced_at_the_next_refresh():
    pool = _Pool(devices={"a": 1}, refresh_seconds=3600.0)
    with pool:
        dead = pool.workers["a"]
        dead.supervisor.stop(timeout=2)
        pool.refresh_soon()
        assert _until(lambda: pool.workers.get("a") is not dead, seconds=20)
        assert _until(lambda: pool.workers["a"].is_alive(), seconds=20)  # its thread starts a moment later
