"""The one supervisor: restarts a crashed step with backoff, reports it, wakes early, stops cleanly."""

from __future__ import annotations

import threading
import time

from kasse.core.backoff import Backoff
from kasse.core.supervisor import Supervisor


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_crashing_step_is_run_again_with_backoff_and_its_error_is_reported():
    calls: list[float] = []

    def step():
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise RuntimeError(f"broken {len(calls)}")
        return 60.0

    supervisor = Supervisor("test-crash", step, backoff=Backoff(initial=0.05, maximum=0.1, jitter=0)).start()
    try:
        assert _until(lambda: supervisor.failures.count == 2)
        health = supervisor.health()
        assert health.running
        assert not health.healthy
        assert health.last_error == "RuntimeError: broken 2"
        assert health.last_error_at is not None
        assert _until(lambda: len(calls) == 4)
        gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
        assert gaps[0] >= 0.05  # 0.05, then 0.1, then 0.1 (the cap)
        assert gaps[1] >= 0.1
        assert gaps[2] >= 0.1
        assert _until(lambda: supervisor.health().healthy)
        health = supervisor.health()
        assert (health.failures, health.restarts, health.last_error, health.last_error_at) == (0, 3, "", None)
    finally:
        assert supervisor.stop(timeout=2)
    assert not supervisor.health().running


def test_a_wake_ends_the_wait_and_a_stop_ends_the_thread_within_its_timeout():
    steps = threading.Semaphore(0)

    def step():
        steps.release()
        return 3600.0  # an idle hour: only a wake or a stop ends it

    exited = threading.Event()
    supervisor = Supervisor("test-wake", step, on_exit=exited.set).start()
    assert steps.acquire(timeout=2)
    supervisor.wake()
    assert steps.acquire(timeout=2)
    started = time.monotonic()
    assert supervisor.stop(timeout=2)
    assert time.monotonic() - started < 2
    assert exited.is_set()
    assert not supervisor.is_alive()


def test_a_wake_during_a_step_ends_the_next_wait_instead_of_being_lost():
    # new work that arrives while a step runs (after the step looked) must run a step soon, not after the
    # step's hour of idling: the wake-up is used up by the wait that sees it, never cleared before a step
    inside, go_on = threading.Event(), threading.Event()
    runs: list[float] = []

    def step():
        runs.append(time.monotonic())
        if len(runs) == 1:
            inside.set()
            go_on.wait(2)
        return 3600.0

    supervisor = Supervisor("test-wake-in-step", step).start()
    try:
        assert inside.wait(2)
        supervisor.wake()  # during the first step
        go_on.set()
        assert _until(lambda: len(runs) >= 2, seconds=2)
    finally:
        supervisor.stop(timeout=2)


def test_a_step_can_end_its_own_supervisor():
    runs: list[int] = []

    def step():
        runs.append(1)
        supervisor.finish()
        return 0.0

    supervisor = Supervisor("test-finish", step)
    supervisor.start()
    assert _until(lambda: not supervisor.is_alive())
    assert runs == [1]
