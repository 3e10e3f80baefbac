"""Slack's Web API rate limits, as token buckets.

Limits apply per method and per workspace (one workspace here). A tier gives the
per-minute figure; the bucket holds that many calls and refills continuously, so a burst
up to the figure passes and the steady rate is the figure per minute. chat.postMessage is
special: about one message per second per channel with short bursts (a bucket of 5
refilling at 1/s). A few methods get a bigger bucket than their tier's figure (``BURST``)
while keeping its steady rate. Tier labels are the values of ``rate_limit_tiers.json``
(java-slack-sdk).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

TIER_PER_MINUTE: dict[str, int] = {"Tier1": 1, "Tier2": 20, "Tier3": 50, "Tier4": 100}
"""PLATFORM.md, Rate limits: Tier 1 is 1+/min, Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min."""

POST_MESSAGE_TIER = "SpecialTier_chat_postMessage"
POST_MESSAGE_BURST = 5
POST_MESSAGE_PER_SECOND = 1.0
UNLIMITED_SPECIAL_TIERS = frozenset({"SpecialTier_auth_test", "SpecialTier_chat_getPermalink"})
"""Special tiers Slack publishes no figure for; they are generous, so not limited here."""
BURST: dict[str, int] = {"apps.connections.open": 3}
"""Bucket sizes above the tier's per-minute figure. Slack tolerates "a small amount of
burst behavior" on Tier 1, and a Socket Mode client calls apps.connections.open on every
(re)connect: a connect and two reconnects in a row pass, the steady rate stays 1/min."""


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by (method, scope); thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, method: str, tier: str, *, channel: str | None = None) -> int | None:
        """Take one call from the right bucket.

        Returns None when the call may proceed, else the whole seconds (>= 1) to put in
        ``Retry-After``.
        """
        if tier == POST_MESSAGE_TIER:
            key = (method, channel or "")
            capacity, per_second = float(POST_MESSAGE_BURST), POST_MESSAGE_PER_SECOND
        elif tier in TIER_PER_MINUTE:
            key = (method, "")
            per_minute = TIER_PER_MINUTE[tier]
            capacity = float(max(per_minute, BURST.get(method, 0)))
            per_second = per_minute / 60.0
        elif tier in UNLIMITED_SPECIAL_TIERS:
            return None
        else:
            raise ValueError(f"no rate limit known for tier {tier!r} of {method}")
        return self._take(key, capacity, per_second)

    def reset(self) -> None:
        """Forget all buckets (every method starts full again)."""
        with self._lock:
            self._buckets.clear()

    def _take(self, key: tuple[str, str], capacity: float, per_second: float) -> int | None:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(capacity, per_second, capacity, now)
                self._buckets[key] = bucket
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(bucket.capacity, bucket.tokens + elapsed * bucket.per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            wait = (1.0 - bucket.tokens) / bucket.per_second
            return max(1, math.ceil(wait))


@dataclass(frozen=True)
class RateViolation:
    """A chat.postMessage into ``channel`` at ``at`` that Slack's per-channel limit would
    have refused (the bucket of :data:`POST_MESSAGE_BURST` was empty)."""

    channel: str
    at: float


class PostingRateWatch:
    """Slack's per-channel posting limit, watched rather than enforced.

    Every chat.postMessage that gets past the infrastructure (injected faults) is counted,
    whether or not rate limits are enforced, so a test can assert the bot paces itself
    even when nothing would have pushed back.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._limiter = RateLimiter(clock)
        self._clock = clock
        self._violations: list[RateViolation] = []
        self._lock = threading.Lock()

    def observe(self, channel: str) -> None:
        """Count one post into ``channel``; record a violation when it came too soon."""
        at = self._clock()
        if self._limiter.check("chat.postMessage", POST_MESSAGE_TIER, channel=channel) is None:
            return
        with self._lock:
            self._violations.append(RateViolation(channel, at))

    @property
    def violations(self) -> list[RateViolation]:
        """Posts that exceeded the limit, in order."""
        with self._lock:
            return list(self._violations)
