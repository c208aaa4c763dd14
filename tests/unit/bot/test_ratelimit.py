"""Token buckets: a flooder is stopped within a burst, an office behind one address is not."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.core.ratelimit import Rate, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flooder_is_stopped_after_the_burst_and_told_once() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(per_minute=20, burst=8), clock=clock)
    verdicts = []
    for _ in range(12):  # twelve messages in 1.2 seconds
        verdicts.append(limiter.hit("visitor"))
        clock.now += 0.1
    assert [v.allowed for v in verdicts] == [True] * 8 + [False] * 4
    assert [v.first_refusal for v in verdicts[8:]] == [True, False, False, False]
    assert 1 <= verdicts[8].retry_after <= 3  # 20 a minute: one token every 3 s


def test_the_bucket_refills_and_the_warning_resets() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(per_minute=60, burst=1), clock=clock)
    assert limiter.hit("v").allowed
    refused = limiter.hit("v")
    assert not refused.allowed and refused.retry_after == 1
    clock.now += 1.0
    assert limiter.hit("v").allowed
    assert limiter.hit("v").first_refusal  # a new flood is announced again


def test_a_hotel_behind_one_address_sends_hundreds_a_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(per_minute=600, burst=200), clock=clock)
    allowed = 0
    for _ in range(500):  # 500 messages spread over one minute
        allowed += limiter.hit("203.0.113.7").allowed
        clock.now += 60 / 500
    assert allowed == 500


def test_keys_are_independent_and_memory_is_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(per_minute=1, burst=1), clock=clock, max_keys=3)
    assert limiter.hit("a").allowed and not limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    for key in ("c", "d", "e"):
        limiter.hit(key)
    # "a" was the least recently used and was dropped: it starts again with a full bucket.
    assert limiter.hit("a").allowed
    assert len(limiter._buckets) == 3


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 5), (10, 0), (-1, 1)])
def test_nonsense_rates_are_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        Rate(per_minute=per_minute, burst=burst)


def test_the_default_lets_a_quick_form_filler_through_and_stops_a_script_within_seconds() -> None:
    rate = Settings.from_env({"RASA_TOKEN": "t", "SESSION_SECRET": "s" * 32}).visitor_rate
    clock = Clock()
    person = RateLimiter(rate, clock=clock)
    # A journalist answering the ten questions of an interview request, one every 1.5 s.
    for _ in range(10):
        assert person.hit("journalist").allowed
        clock.now += 1.5
    script = RateLimiter(rate, clock=clock)
    sent = 0
    while script.hit("flooder").allowed:  # ten messages a second
        sent += 1
        clock.now += 0.1
    assert sent <= 20  # stopped within two seconds
