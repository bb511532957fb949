"""A hybrid logical clock (HLC): timestamps that order edits made in different places.

A stamp is ``"<13-digit ms>-<5-digit counter>-<origin>"``; stamps compare as
strings. Physical time keeps them close to the wall clock, the counter keeps
them increasing when the clock stalls or jumps back, and :func:`observe`
pulls a clock forward past every stamp it has seen, so a node whose clock is
minutes behind still stamps a later edit higher than the cloud edit it has
already received. Ties (same ms and counter) are broken by the origin, so the
order is total and every replica picks the same winner.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

_MAX_COUNTER = 99_999
_STAMP = re.compile(r"\d{13}-\d{5}-[A-Za-z0-9_]{1,40}").fullmatch


def parse(stamp: str) -> tuple[int, int, str]:
    ms, counter, origin = stamp.split("-", 2)
    return int(ms), int(counter), origin


def format_stamp(ms: int, counter: int, origin: str) -> str:
    return f"{ms:013d}-{counter:05d}-{origin}"


class HybridClock:
    """One replica's clock; thread-safe. ``wall`` returns milliseconds (injectable for tests)."""

    def __init__(self, origin: str, wall: Callable[[], int] | None = None) -> None:
        if not origin or "-" in origin:
            raise ValueError("an HLC origin is a non-empty name without '-'")
        self.origin = origin
        self.wall = wall or (lambda: time.time_ns() // 1_000_000)
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def now(self) -> str:
        """A stamp greater than every stamp this clock made or observed."""
        with self._lock:
            wall = self.wall()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._counter += 1
                if self._counter > _MAX_COUNTER:
                    self._ms, self._counter = self._ms + 1, 0
            return format_stamp(self._ms, self._counter, self.origin)

    def observe(self, stamp: str) -> None:
        """Move this clock past a stamp received from another replica."""
        ms, counter, _origin = parse(stamp)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter


def bad_stamps(stamps: Any) -> str | None:
    """Why a ``{field: stamp}`` map (as received) is malformed, or ``None``."""
    if stamps is None:
        return None
    if not isinstance(stamps, dict):
        return "not an object of field: stamp"
    for name, stamp in stamps.items():
        if type(stamp) is not str or (stamp and not _STAMP(stamp)):  # "": the field had no stamp yet
            return f"the stamp of {str(name)[:60]!r} is not <13-digit ms>-<5-digit counter>-<origin>"
    return None
