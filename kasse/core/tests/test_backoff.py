"""The one backoff rule: doubling from ``initial``, never above the cap, jitter only shortens the wait."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kasse.core.backoff import Backoff, Failures


def test_without_jitter_the_wait_doubles_up_to_the_cap():
    backoff = Backoff(initial=1, maximum=8, jitter=0)
    assert [backoff.delay(n) for n in range(0, 7)] == [0, 1, 2, 4, 8, 8, 8]


def test_jitter_takes_off_up_to_its_fraction_and_varies():
    backoff = Backoff(initial=1, maximum=60, jitter=0.5)
    delays = {backoff.delay(3, random.Random(seed)) for seed in range(50)}
    assert len(delays) > 10  # devices that failed together do not knock again together
    assert all(2.0 <= d <= 4.0 for d in delays)


@settings(deadline=None)  # a busy machine must not fail a rule about arithmetic
@given(
    failures=st.integers(min_value=1, max_value=10_000),
    initial=st.floats(0.001, 10),
    cap=st.floats(10, 3600),
    jitter=st.floats(0, 1),
)
def test_a_wait_is_never_above_the_cap_nor_below_the_jittered_ceiling(failures, initial, cap, jitter):
    backoff = Backoff(initial=initial, maximum=cap, jitter=jitter)
    ceiling = backoff.ceiling(failures)
    assert ceiling <= cap
    assert ceiling * (1 - jitter) - 1e-9 <= backoff.delay(failures) <= ceiling + 1e-9


def test_failures_count_up_and_a_success_starts_over():
    failures = Failures(Backoff(initial=0.5, maximum=10, jitter=0))
    assert [failures.failed() for _ in range(3)] == [0.5, 1.0, 2.0]
    failures.succeeded()
    assert failures.failed() == 0.5


@pytest.mark.parametrize("kwargs", [{"initial": -1}, {"maximum": -1}, {"jitter": 1.5}, {"factor": 0.5}])
def test_a_backoff_that_could_not_wait_sensibly_is_refused(kwargs):
    with pytest.raises(ValueError, match="not a backoff"):
        Backoff(**kwargs)
