"""Token-bucket rate limits, per visitor and per address.

Buckets live in this process's memory: limits are per gateway replica (see README, "Scaling
out"). A bucket holds ``burst`` tokens and refills at ``per_minute``; a message costs one.
The per-visitor limit stops a flooder within a few messages; the per-address limit is generous
because a whole office or hotel can share one address.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a rate needs per_minute > 0 and burst >= 1")


@dataclass(frozen=True)
class Verdict:
    """The outcome of one hit.

    Attributes:
        allowed: Go ahead.
        retry_after: Whole seconds until the next hit would be allowed (0 when allowed).
        first_refusal: The first refusal since the key was last allowed (tell the visitor once).
    """

    allowed: bool
    retry_after: int = 0
    first_refusal: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated: float
    refused: bool = False


class RateLimiter:
    """Buckets by key, least recently used dropped beyond ``max_keys`` (memory stays bounded;
    a dropped key merely starts again with a full bucket)."""

    def __init__(
        self,
        rate: Rate,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def hit(self, key: str) -> Verdict:
        now = self._clock()
        per_second = self.rate.per_minute / 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.rate.burst), updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(
                float(self.rate.burst), bucket.tokens + (now - bucket.updated) * per_second
            )
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.refused = False
            return Verdict(True)
        first = not bucket.refused
        bucket.refused = True
        wait = max(1, math.ceil((1.0 - bucket.tokens) / per_second))
        return Verdict(False, retry_after=wait, first_refusal=first)


@dataclass(frozen=True)
class Limits:
    """The gateway's two limiters: one per visitor (conversation or Telegram user), one per
    client address."""

    visitor: RateLimiter
    address: RateLimiter

    @classmethod
    def from_rates(cls, visitor: Rate, address: Rate) -> Limits:
        return cls(RateLimiter(visitor), RateLimiter(address))
