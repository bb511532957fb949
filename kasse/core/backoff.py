"""The one backoff rule of kasse's device runtime (docs/devices.md).

Print jobs, scanners, pole displays, the node's sync loop, its nudge listener and its outbox records all
wait after a failure by the same rule: the *n*-th failure in a row (n ≥ 1) has a ceiling of
``initial × factor^(n−1)``, capped at ``maximum``, and the wait is taken at random from
``[ceiling × (1 − jitter), ceiling]``. So a wait never passes the cap (the cap is a promise a person can
read in the documentation), and many devices that failed together (the internet came back, a printer
was switched on) do not all knock again at the same instant.

Pure Python: ``kasse.hardware`` and the browser's ``socket.js`` follow the same rule without importing
Django.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter and a cap."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    jitter: float = 0.5  # the fraction of the ceiling that may be taken off at random

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError(f"not a backoff: {self!r}")

    def ceiling(self, failures: int) -> float:
        """The longest wait after ``failures`` failures in a row (0 failures: no wait)."""
        if failures <= 0:
            return 0.0
        exponent = min(failures - 1, 64)  # past 2^64 every cap has long been reached
        return min(self.maximum, self.initial * self.factor**exponent)

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """The wait after ``failures`` failures in a row: in ``[ceiling × (1 − jitter), ceiling]``."""
        ceiling = self.ceiling(failures)
        if not self.jitter:
            return ceiling
        return (rng or random).uniform(ceiling * (1 - self.jitter), ceiling)


@dataclass
class Failures:
    """A count of failures in a row under one :class:`Backoff`: ``failed()`` says how long to wait,
    ``succeeded()`` starts over."""

    backoff: Backoff = field(default_factory=Backoff)
    count: int = 0

    def failed(self) -> float:
        self.count += 1
        return self.backoff.delay(self.count)

    def succeeded(self) -> None:
        self.count = 0
