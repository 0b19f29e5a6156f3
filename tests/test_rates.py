"""The in-memory limits for cheap, frequent signals (``parta.actions.throttle.Rates``)."""

from __future__ import annotations

import pytest

from parta.actions.throttle import Rates
from parta.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_then_refusals_with_the_wait() -> None:
    clock = Clock()
    rates = Rates(clock)
    for _ in range(6):
        rates.take("reaction", 7, 6, 60)
    with pytest.raises(RateLimited) as refused:
        rates.take("reaction", 7, 6, 60)
    assert refused.value.retry_after == 10  # one more is allowed every 60/6 s
    rates.take("reaction", 8, 6, 60)  # someone else is not held up
    rates.take("typing", 7, 6, 60)  # nor another kind of signal
    clock.now += 10
    rates.take("reaction", 7, 6, 60)
    with pytest.raises(RateLimited):
        rates.take("reaction", 7, 6, 60)
    clock.now += 60
    for _ in range(6):  # a minute's quiet gives the whole burst back
        rates.take("reaction", 7, 6, 60)


def test_refusals_are_not_counted_and_memory_stays_bounded() -> None:
    clock = Clock()
    rates = Rates(clock)
    rates.MAX_KEYS = 100
    for _ in range(2):
        rates.take("typing", 1, 2, 10)
    for _ in range(50):  # hammering while refused does not push the wait further out
        with pytest.raises(RateLimited):
            rates.take("typing", 1, 2, 10)
    clock.now += 5
    rates.take("typing", 1, 2, 10)
    for person in range(1000):
        rates.take("typing", person + 10, 2, 10)
        clock.now += 1
    assert len(rates._tat) <= 100
